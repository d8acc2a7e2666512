/**
 * Coalesces lookups by key into reads of many keys at once: the first caller starts a read at
 * once (after the current tick, so callers of the same tick share it); callers arriving while
 * a read is in flight wait for the next one. So every caller gets a read that *started after
 * it asked* — as fresh as reading alone — while a burst of N callers costs a handful of reads,
 * not N. A failed read fails exactly the callers it was for.
 */
export class BatchedLookup<V> {
  private waiting = new Map<string, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  private reading = false;
  private scheduled = false;
  /** Reads made so far (for tests and benches). */
  reads = 0;

  constructor(
    private readonly readMany: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
    private readonly maxKeys = 1000,
  ) {}

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(key);
      if (list) list.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.reading || this.scheduled || this.waiting.size === 0) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.readNext();
    });
  }

  private async readNext(): Promise<void> {
    if (this.reading || this.waiting.size === 0) return;
    this.reading = true;
    const batch = new Map<string, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
    for (const [key, list] of this.waiting) {
      if (batch.size >= this.maxKeys) break;
      batch.set(key, list);
    }
    for (const key of batch.keys()) this.waiting.delete(key);
    this.reads += 1;
    try {
      const found = await this.readMany([...batch.keys()]);
      for (const [key, list] of batch) for (const w of list) w.resolve(found.get(key));
    } catch (e) {
      for (const list of batch.values()) for (const w of list) w.reject(e);
    } finally {
      this.reading = false;
      this.schedule();
    }
  }
}

/** One member's answer from a batch: its own value, or its own error. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * The next batch: queued items in arrival order while their weights fit under `max`, and
 * always at least the first one (an item heavier than `max` goes alone rather than never).
 * Returns how many items to take.
 */
export function batchLength(weights: readonly number[], max: number): number {
  let total = 0;
  let n = 0;
  for (const w of weights) {
    if (n > 0 && total + w > max) break;
    total += w;
    n++;
  }
  return n;
}

interface Waiting<T, R> {
  item: T;
  weight: number;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: while one batch is being committed, what arrives waits; when the commit
 * ends, everything waiting (up to `maxWeight`) goes in the next one. No timer: an item that
 * arrives to an idle committer starts a batch of one at once, so a lone request waits for
 * nobody, and under load batches grow by themselves to the number of requests in flight.
 *
 * `commit` answers every member of the batch, in order; each submitter hears only its own
 * answer. A `commit` that throws answers every member with that error.
 */
export class GroupCommit<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private busy = false;

  constructor(
    private readonly commit: (items: T[]) => Promise<Settled<R>[]>,
    private readonly maxWeight: number,
    private readonly weight: (item: T) => number = () => 1,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, weight: this.weight(item), resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length) {
        const n = batchLength(
          this.queue.map((w) => w.weight),
          this.maxWeight,
        );
        const batch = this.queue.splice(0, n);
        let answers: Settled<R>[];
        try {
          answers = await this.commit(batch.map((w) => w.item));
        } catch (error) {
          answers = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((w, i) => {
          const a = answers[i] ?? { ok: false, error: new Error('group commit: no answer for a batch member') };
          if (a.ok) w.resolve(a.value);
          else w.reject(a.error);
        });
      }
    } finally {
      this.busy = false;
    }
  }
}

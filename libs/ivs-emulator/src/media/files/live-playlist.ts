import { readFile } from 'node:fs/promises';

/**
 * Blocking playlist reload (the LL-HLS delivery directive `_HLS_msn`), without parts: a player
 * asks for the live playlist that lists segment N and the answer is held until ffmpeg has
 * listed it, so a player learns of each segment as it is published instead of up to a polling
 * interval later. What lets a player sit closer to the live edge without running dry.
 */

/** A held request is answered with what there is after this many target durations (as the LL-HLS spec bounds it). */
const HOLD_TARGET_DURATIONS = 3;
/** How often the playlist of a channel with held requests is read. */
const POLL_MS = 40;

/** Media sequence number of the last segment listed, or -1 for none (pure). */
export function lastMediaSequence(text: string): number {
  const first = Number(/^#EXT-X-MEDIA-SEQUENCE:(\d+)/m.exec(text)?.[1] ?? 0);
  const segments = text.match(/^#EXTINF:/gm)?.length ?? 0;
  return first + segments - 1;
}

export function targetDurationSeconds(text: string): number {
  return Number(/^#EXT-X-TARGETDURATION:(\d+)/m.exec(text)?.[1] ?? 1) || 1;
}

/** The playlist as served: it tells the player it may ask for the next segment and have the answer held (pure). */
export function withBlockingReload(text: string): string {
  if (text.includes('#EXT-X-SERVER-CONTROL:')) return text;
  return text.replace(/^(#EXT-X-TARGETDURATION:\d+)$/m, '$1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
}

/**
 * What to do with a request for segment `msn` (undefined: no directive) given the playlist now:
 * answer at once, or hold it. A request more than two segments ahead is answered at once (the
 * spec's "bad request"; the player then carries on polling) rather than held (pure).
 */
export function blockingReloadStep(text: string, msn: number | undefined): 'answer' | 'hold' {
  if (msn === undefined) return 'answer';
  const last = lastMediaSequence(text);
  return msn <= last || msn > last + 2 ? 'answer' : 'hold';
}

/** `_HLS_msn` of a query, when it is a plain non-negative integer. */
export function requestedMediaSequence(query: unknown): number | undefined {
  const raw = (query as Record<string, unknown> | undefined)?._HLS_msn;
  return typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

interface Waiter {
  msn: number;
  deadline: number;
  done(text: string | undefined): void;
}

/**
 * Held playlist requests, per playlist file: one reader per file however many players wait on
 * it, stopping once none does. Resolves with the playlist text (undefined once it is gone: the
 * stream ended).
 */
export class LivePlaylistWaits {
  private readonly files = new Map<string, { waiters: Set<Waiter>; timer: NodeJS.Timeout }>();

  /** The playlist at `path` once it lists `msn` (or right away, see blockingReloadStep). */
  async read(path: string, msn: number | undefined, gone: AbortSignal): Promise<string | undefined> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined || blockingReloadStep(text, msn) === 'answer') return text;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        msn: msn!,
        deadline: Date.now() + HOLD_TARGET_DURATIONS * targetDurationSeconds(text) * 1000,
        done: (t) => {
          this.forget(path, waiter);
          resolve(t);
        },
      };
      gone.addEventListener('abort', () => waiter.done(undefined), { once: true });
      this.watch(path).add(waiter);
    });
  }

  /** Requests still held (for tests). */
  get held(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.waiters.size;
    return n;
  }

  private watch(path: string): Set<Waiter> {
    const known = this.files.get(path);
    if (known) return known.waiters;
    const waiters = new Set<Waiter>();
    let reading = false;
    const timer = setInterval(() => {
      if (reading) return;
      reading = true;
      void readFile(path, 'utf8')
        .catch(() => undefined)
        .then((text) => {
          reading = false;
          const now = Date.now();
          for (const w of [...waiters]) {
            if (text === undefined || blockingReloadStep(text, w.msn) === 'answer' || now >= w.deadline) w.done(text);
          }
        });
    }, POLL_MS);
    timer.unref();
    this.files.set(path, { waiters, timer });
    return waiters;
  }

  private forget(path: string, waiter: Waiter): void {
    const file = this.files.get(path);
    if (!file?.waiters.delete(waiter) || file.waiters.size) return;
    clearInterval(file.timer);
    this.files.delete(path);
  }
}

import { AppError } from '../http/app-error';
import {
  admit,
  FailureClass,
  IVS_OPERATIONS,
  IvsOperation,
  IvsRates,
  nextAttempt,
  Pace,
  pauseAfterThrottle,
  queueWaitMs,
  RETRY_BUDGETS,
  RetryBudget,
} from './ivs-call-queue.policy';
import { classifyIvsError, IvsSdkError } from './ivs-errors';

export interface QueuedCallOptions {
  /** How long and how often to try (interactive by default). */
  budget?: RetryBudget;
  /** Refuse at once (IvsQueueFullError) when the call would wait longer than this for its turn. */
  maxWaitMs?: number;
}

/** The call would wait too long for its turn: the caller should come back after `retryAfterSeconds`. */
export class IvsQueueFullError extends AppError {
  constructor(
    readonly operation: IvsOperation,
    readonly waitMs: number,
    readonly retryAfterSeconds: number,
    message?: string,
  ) {
    super('media/busy', message);
  }
}

/**
 * One rate-aware queue per IVS operation for this process: calls start at most at the
 * operation's rate (IVS_API_RATES, else AWS's documented default), a ThrottlingException
 * pauses that operation and the call takes a later turn, network failures and 5xx are tried
 * again with exponential backoff and jitter, all within a bounded time.
 */
export class IvsCallQueue {
  private readonly paces = new Map<IvsOperation, Pace>();
  private readonly pausedUntil = new Map<IvsOperation, number>();
  private readonly counters = new Map<IvsOperation, { calls: number; throttled: number; retried: number }>();

  constructor(
    private readonly rates: IvsRates,
    private readonly region: string,
    private readonly clock: () => number = () => Date.now(),
    private readonly random: () => number = Math.random,
  ) {}

  /** How long a call of `op` asked for now would wait for its turn. */
  waitMs(op: IvsOperation): number {
    return queueWaitMs(this.pace(op), this.clock());
  }

  /** Calls of `op` sent to IVS since start, refusals for rate among them, and attempts made again. */
  stats(op: IvsOperation): { calls: number; throttled: number; retried: number } {
    let c = this.counters.get(op);
    if (!c) this.counters.set(op, (c = { calls: 0, throttled: 0, retried: 0 }));
    return c;
  }

  /** The configured rate of `op` (calls per second). */
  rate(op: IvsOperation): number {
    return this.rates[op];
  }

  async run<T>(op: IvsOperation, call: () => Promise<T>, options: QueuedCallOptions = {}): Promise<T> {
    const askedAt = this.clock();
    const budget = options.budget ?? RETRY_BUDGETS.interactive;
    if (options.maxWaitMs !== undefined) {
      const wait = this.waitMs(op);
      if (wait > options.maxWaitMs) throw new IvsQueueFullError(op, wait, Math.max(1, Math.ceil((wait - options.maxWaitMs) / 1000)));
    }
    for (let failed = 0; ;) {
      await this.turn(op);
      this.stats(op).calls++;
      try {
        return await call();
      } catch (e) {
        failed++;
        const failure: FailureClass = classifyIvsError(e as IvsSdkError, { operation: op, region: this.region }).retry;
        const next = nextAttempt({
          failure,
          idempotent: IVS_OPERATIONS[op].idempotent,
          failedAttempts: failed,
          elapsedMs: this.clock() - askedAt,
          budget,
          random: this.random(),
        });
        if (failure === 'throttled') this.stats(op).throttled++;
        if (!next.retry) throw e;
        this.stats(op).retried++;
        if (failure === 'throttled') {
          const now = this.clock();
          this.paces.set(op, pauseAfterThrottle(this.pace(op), now, next.delayMs));
          this.pausedUntil.set(op, Math.max(this.pausedUntil.get(op) ?? 0, now + next.delayMs));
        } else {
          await sleep(next.delayMs);
        }
      }
    }
  }

  /** Waits for this call's turn; a pause that began while it waited sends it to a later turn. */
  private async turn(op: IvsOperation): Promise<void> {
    for (;;) {
      const now = this.clock();
      const { startAt, pace } = admit(this.pace(op), now, this.rates[op]);
      this.paces.set(op, pace);
      if (startAt > now) await sleep(startAt - now);
      if ((this.pausedUntil.get(op) ?? 0) <= this.clock()) return;
    }
  }

  private pace(op: IvsOperation): Pace {
    return this.paces.get(op) ?? { nextFreeAt: 0 };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The decisions of the IVS call queue, as pure functions: which operations exist and at what
 * rate AWS admits them, when the next call may start, how long to back off after a refusal,
 * and whether to try again. The queue (ivs-call-queue.ts) only keeps the clocks.
 */

/**
 * Every IVS operation the server calls, with AWS's default rate quota (calls per second per
 * account and region) from the IVS service quota pages ("API Call Rate Quotas", real-time and
 * low-latency; not adjustable), and whether a repeated call is harmless (safe to retry after
 * a timeout: the first may have run).
 */
export const IVS_OPERATIONS = {
  // Real-time (stages).
  CreateStage: { tps: 5, idempotent: false },
  DeleteStage: { tps: 5, idempotent: true },
  GetStage: { tps: 5, idempotent: true },
  ListStages: { tps: 5, idempotent: true },
  CreateParticipantToken: { tps: 50, idempotent: true },
  DisconnectParticipant: { tps: 5, idempotent: true },
  // Server-side composition (the cloud programme). StartComposition carries an idempotency token.
  StartComposition: { tps: 5, idempotent: true },
  StopComposition: { tps: 5, idempotent: true },
  GetComposition: { tps: 5, idempotent: true },
  CreateEncoderConfiguration: { tps: 5, idempotent: false },
  ListEncoderConfigurations: { tps: 5, idempotent: true },
  // Low-latency (channels).
  CreateChannel: { tps: 5, idempotent: false },
  DeleteChannel: { tps: 5, idempotent: true },
  GetStream: { tps: 5, idempotent: true },
  StopStream: { tps: 5, idempotent: true },
  ListStreamKeys: { tps: 5, idempotent: true },
  CreateStreamKey: { tps: 5, idempotent: false },
  DeleteStreamKey: { tps: 5, idempotent: true },
} as const satisfies Record<string, { tps: number; idempotent: boolean }>;

export type IvsOperation = keyof typeof IVS_OPERATIONS;
export type IvsRates = Record<IvsOperation, number>;

export function isIvsOperation(name: string): name is IvsOperation {
  return Object.prototype.hasOwnProperty.call(IVS_OPERATIONS, name);
}

export function defaultIvsRates(): IvsRates {
  return Object.fromEntries(Object.entries(IVS_OPERATIONS).map(([op, o]) => [op, o.tps])) as IvsRates;
}

/**
 * `IVS_API_RATES`: `Operation=N/window` pairs, comma-separated, the window `s`, `m` or `h`
 * with an optional count (`5/s`, `1/10s`, `30/m`), as `IVS_EMULATOR_LIMITS` writes rates: an
 * account whose quotas AWS raised, or a stricter emulator. Unnamed operations keep AWS's default.
 */
export function parseIvsRates(text: string): IvsRates | { errors: string[] } {
  const rates = defaultIvsRates();
  const errors: string[] = [];
  const unitSeconds = { s: 1, m: 60, h: 3600 } as const;
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d{1,6})\/(\d{1,5})?([smh])$/.exec(part);
    if (!m) {
      errors.push(`"${part}" is not Operation=N/window (e.g. DisconnectParticipant=5/s)`);
      continue;
    }
    const [, op, points, count, unit] = m as unknown as [string, string, string, string | undefined, 's' | 'm' | 'h'];
    const perSecond = Number(points) / (Number(count ?? 1) * unitSeconds[unit]);
    if (!isIvsOperation(op)) errors.push(`"${op}" is not an IVS operation StreamCat calls (${Object.keys(IVS_OPERATIONS).join(', ')})`);
    else if (!(perSecond > 0) || perSecond > 10_000) errors.push(`"${part}": the rate must be above 0 and at most 10000 per second`);
    else rates[op] = perSecond;
  }
  return errors.length ? { errors } : rates;
}

/** One operation's pacing: the earliest moment the next call may start. */
export interface Pace {
  nextFreeAt: number;
}

/**
 * When a call asked for at `now` may start, and the pace after it. Calls are spaced evenly at
 * the operation's rate (no bursts): AWS counts per second, and a burst landing late in one
 * second and early in the next would be refused.
 */
export function admit(pace: Pace, now: number, ratePerSecond: number): { startAt: number; pace: Pace } {
  const startAt = Math.max(now, pace.nextFreeAt);
  return { startAt, pace: { nextFreeAt: startAt + 1000 / ratePerSecond } };
}

/** How long a call asked for now would wait for its turn. */
export function queueWaitMs(pace: Pace, now: number): number {
  return Math.max(0, pace.nextFreeAt - now);
}

/** What a failed attempt was, as far as trying again goes. */
export type FailureClass = 'throttled' | 'transient' | 'final';

export interface RetryBudget {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** A retry is not started once this much time has passed since the call was asked for. */
  budgetMs: number;
}

/** Interactive calls (a person waits for the answer) and bulk work (disconnecting a crowd). */
export const RETRY_BUDGETS = {
  interactive: { maxAttempts: 4, budgetMs: 8_000 },
  bulk: { maxAttempts: 10, budgetMs: 120_000 },
} as const satisfies Record<string, RetryBudget>;

const BACKOFF_BASE_MS = 200;
const BACKOFF_CAP_MS = 8_000;

/**
 * Exponential backoff with jitter after the n-th failed attempt (1-based): up to 200 ms, 400,
 * 800 … at most 8 s, each drawn between half and all of it, so callers refused together do
 * not come back together. `random` is in [0, 1).
 */
export function backoffMs(failedAttempts: number, random: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/**
 * After a failed attempt: try again (after `delayMs`) or give up. A refusal for rate is
 * always worth another turn; a network failure or a 5xx only for an operation that may run
 * twice (a CreateStage that timed out may have made a stage); anything else is final.
 */
export function nextAttempt(input: {
  failure: FailureClass;
  idempotent: boolean;
  failedAttempts: number;
  elapsedMs: number;
  budget: RetryBudget;
  random: number;
}): { retry: true; delayMs: number } | { retry: false } {
  const { failure, idempotent, failedAttempts, elapsedMs, budget } = input;
  if (failure === 'final' || (failure === 'transient' && !idempotent)) return { retry: false };
  if (failedAttempts >= budget.maxAttempts) return { retry: false };
  const delayMs = backoffMs(failedAttempts, input.random);
  if (elapsedMs + delayMs > budget.budgetMs) return { retry: false };
  return { retry: true, delayMs };
}

/**
 * After AWS refused a call for rate, the whole operation pauses: other calls of it were
 * admitted at the same pace and would be refused too (another replica, or someone else's
 * calls on the account, use the same quota).
 */
export function pauseAfterThrottle(pace: Pace, now: number, delayMs: number): Pace {
  return { nextFreeAt: Math.max(pace.nextFreeAt, now + delayMs) };
}

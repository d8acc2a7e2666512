/**
 * Every limit the server enforces per client address (or overall), in one table so an
 * operator can read, document and override them. Counting happens in Redis when REDIS_URL
 * is set (one budget across replicas), else in this process.
 */
export interface LimitPolicy {
  /** Attempts allowed per window. */
  points: number;
  windowSeconds: number;
  /** Finishes "Too many … Try again in N minutes." */
  what: string;
}

export const LIMITS = {
  /** Each sign-up creates IVS resources and runs scrypt. */
  'signup-per-address': { points: 5, windowSeconds: 3600, what: 'sign-ups from your network' },
  /** A ceiling across all addresses, against a botnet filling the IVS quotas. */
  'signup-overall': { points: 60, windowSeconds: 60, what: 'sign-ups on this server right now' },
  /** Failed log-ins from one address; beyond it the address waits with growing backoff (loginBackoffSeconds). */
  'login-failures-per-address': { points: 10, windowSeconds: 15 * 60, what: 'failed log-ins from your network' },
  /** Failed log-ins to one account from one address: guessing one account gets slow early, others unaffected. */
  'login-failures-per-account-address': { points: 5, windowSeconds: 15 * 60, what: 'failed log-ins to this account from your network' },
  /** Backoff steps already taken by an address today (counts, never refuses by itself). */
  'login-lockouts-per-address': { points: 1_000_000, windowSeconds: 24 * 3600, what: 'lock-outs' },
} as const satisfies Record<string, LimitPolicy>;

export type LimitName = keyof typeof LIMITS;
export type LimitTable = Record<LimitName, LimitPolicy>;

/**
 * The wait after an address's n-th lock-out today: one minute, doubling, at most an hour.
 * The owner of an account is never locked out by someone else's failures: only the
 * failing address waits.
 */
export function loginBackoffSeconds(lockoutsToday: number): number {
  const n = Math.max(1, lockoutsToday);
  return Math.min(60 * 2 ** (n - 1), 3600);
}

/**
 * `RATE_LIMITS` overrides entries of the table: `name=points/window` pairs separated by
 * commas, window in s, m or h (e.g. `signup-per-address=20/1h,login-failures-per-address=50/15m`).
 */
export function parseLimitOverrides(value: string, base: LimitTable = LIMITS): LimitTable | { errors: string[] } {
  const table: LimitTable = { ...base };
  const errors: string[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z-]+)=(\d{1,9})\/(\d{1,6})([smh])$/.exec(part);
    if (!m) {
      errors.push(`"${part}" is not name=points/window (window like 30s, 15m, 1h)`);
      continue;
    }
    const [, name, points, amount, unit] = m as unknown as [string, string, string, string, 's' | 'm' | 'h'];
    if (!(name in base)) {
      errors.push(`"${name}" is not a limit (known: ${Object.keys(base).join(', ')})`);
      continue;
    }
    const windowSeconds = Number(amount) * { s: 1, m: 60, h: 3600 }[unit];
    if (Number(points) < 1 || windowSeconds < 1) {
      errors.push(`"${part}": points and window must be at least 1`);
      continue;
    }
    table[name as LimitName] = { ...base[name as LimitName], points: Number(points), windowSeconds };
  }
  return errors.length ? { errors } : table;
}

/** "Try again in 3 minutes." for a wait in milliseconds (rounded up; seconds under a minute). */
export function retrySentence(waitMs: number): string {
  const s = Math.max(1, Math.ceil(waitMs / 1000));
  if (s < 60) return `Try again in ${s} second${s === 1 ? '' : 's'}.`;
  const min = Math.ceil(s / 60);
  return `Try again in ${min} minute${min === 1 ? '' : 's'}.`;
}

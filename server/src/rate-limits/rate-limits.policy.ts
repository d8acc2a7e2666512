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
  /**
   * New real-time viewer tokens for anonymous viewers from one address (each is an IVS
   * participant token and a row). A viewer session reuses its token, so only a client that
   * keeps dropping its cookie reaches this.
   */
  'viewer-token-per-address': { points: 30, windowSeconds: 60, what: 'viewers from your network joining right now' },
  /** Brand image uploads by one account (each up to 2 MB written to PostgreSQL; the per-studio cap bounds what stays). */
  'brand-uploads-per-user': { points: 30, windowSeconds: 3600, what: 'brand image uploads from your account' },
} as const satisfies Record<string, LimitPolicy>;

/** A ceiling on what one client holds at the same time (not a rate: nothing refills with time). */
export interface CapPolicy {
  max: number;
  /** Completes the refusal sentence. */
  what: string;
}

/**
 * Watch-room caps, so one client cannot inflate a viewer count: overridable like the limits
 * above (`RATE_LIMITS=watch-sessions-per-address=500`, no window).
 */
export const CAPS = {
  /** Sockets (tabs) one viewer session (user, link guest or anonymous viewer cookie) keeps in one watch room. */
  'watch-sockets-per-session': { max: 10, what: 'pages of this channel open' },
  /** Anonymous viewer sessions one client address keeps in one watch room; logged-in viewers are not capped by address. */
  'watch-sessions-per-address': { max: 20, what: 'anonymous viewers of this channel from your network' },
} as const satisfies Record<string, CapPolicy>;

export type LimitName = keyof typeof LIMITS;
export type CapName = keyof typeof CAPS;
export type LimitTable = Record<LimitName, LimitPolicy> & Record<CapName, CapPolicy>;

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
 * commas, window in s, m or h (e.g. `signup-per-address=20/1h,login-failures-per-address=50/15m`);
 * caps take a bare number (`watch-sockets-per-session=20`).
 */
export function parseLimitOverrides(value: string, base: LimitTable = { ...LIMITS, ...CAPS }): LimitTable | { errors: string[] } {
  const table: LimitTable = { ...base };
  const errors: string[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const cap = /^([a-z-]+)=(\d{1,9})$/.exec(part);
    if (cap && cap[1] in CAPS) {
      const name = cap[1] as CapName;
      if (Number(cap[2]) < 1) errors.push(`"${part}": a cap must be at least 1`);
      else table[name] = { ...base[name], max: Number(cap[2]) };
      continue;
    }
    const m = /^([a-z-]+)=(\d{1,9})\/(\d{1,6})([smh])$/.exec(part);
    if (!m) {
      errors.push(`"${part}" is not name=points/window (window like 30s, 15m, 1h)`);
      continue;
    }
    const [, name, points, amount, unit] = m as unknown as [string, string, string, string, 's' | 'm' | 'h'];
    if (!(name in LIMITS)) {
      errors.push(
        name in CAPS
          ? `"${part}": ${name} is a cap, give a number without a window`
          : `"${name}" is not a limit (known: ${Object.keys(base).join(', ')})`,
      );
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

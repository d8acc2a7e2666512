/**
 * Failed-login throttling per username and per client IP: a sliding window of
 * failure times, decided by a pure function so the policy is testable without I/O.
 * Kept per server process: with N replicas an attacker gets at most N× the budget,
 * which still bounds guessing to a handful per minute per account.
 */
export interface ThrottlePolicy {
  windowMs: number;
  maxFailuresPerUsername: number;
  maxFailuresPerIp: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = { windowMs: 15 * 60_000, maxFailuresPerUsername: 10, maxFailuresPerIp: 50 };

/** Failures still inside the window, oldest first. */
export function prune(failures: readonly number[], now: number, windowMs: number): number[] {
  return failures.filter((t) => now - t < windowMs);
}

/** Milliseconds until another attempt is allowed, or 0 if allowed now. */
export function retryAfterMs(failures: readonly number[], max: number, now: number, windowMs: number): number {
  const recent = prune(failures, now, windowMs);
  if (recent.length < max) return 0;
  return recent[recent.length - max] + windowMs - now;
}

export class LoginThrottle {
  private readonly byKey = new Map<string, number[]>();

  constructor(private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE) {}

  /** 0 when this attempt may proceed, else how long to wait. */
  check(username: string, ip: string, now = Date.now()): number {
    const { windowMs } = this.policy;
    return Math.max(
      retryAfterMs(this.byKey.get(`u:${username}`) ?? [], this.policy.maxFailuresPerUsername, now, windowMs),
      retryAfterMs(this.byKey.get(`ip:${ip}`) ?? [], this.policy.maxFailuresPerIp, now, windowMs),
    );
  }

  recordFailure(username: string, ip: string, now = Date.now()): void {
    for (const key of [`u:${username}`, `ip:${ip}`]) {
      const kept = prune(this.byKey.get(key) ?? [], now, this.policy.windowMs);
      kept.push(now);
      this.byKey.set(key, kept);
    }
    if (this.byKey.size > 100_000) this.sweep(now);
  }

  /** A successful login clears the username's failures (not the IP's). */
  recordSuccess(username: string): void {
    this.byKey.delete(`u:${username}`);
  }

  private sweep(now: number): void {
    for (const [key, times] of this.byKey) {
      if (prune(times, now, this.policy.windowMs).length === 0) this.byKey.delete(key);
    }
  }
}

import type { RatePolicy } from './emulator-limits';

/** Calls left to spend right now, and when that was last brought up to date (ms since epoch). */
export interface TokenBucket {
  tokens: number;
  updatedAt: number;
}

export type TakeOutcome = { admitted: true; bucket: TokenBucket } | { admitted: false; bucket: TokenBucket; retryAfterMs: number };

/**
 * One call against a token bucket of `rate.points` tokens refilled evenly over `rate.windowMs`:
 * an idle caller may burst `points` calls, then gets one call per `windowMs / points`. A clock
 * that steps back refills nothing (it never hands out extra calls).
 */
export function takeToken(bucket: TokenBucket | undefined, rate: RatePolicy, now: number): TakeOutcome {
  const perMs = rate.points / rate.windowMs;
  const elapsed = bucket ? Math.max(0, now - bucket.updatedAt) : 0;
  const tokens = bucket ? Math.min(rate.points, bucket.tokens + elapsed * perMs) : rate.points;
  const updatedAt = bucket ? Math.max(now, bucket.updatedAt) : now;
  if (tokens >= 1) return { admitted: true, bucket: { tokens: tokens - 1, updatedAt } };
  return { admitted: false, bucket: { tokens, updatedAt }, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
}

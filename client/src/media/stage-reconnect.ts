/**
 * When a stage connection drops (socket closed without `left`, or heartbeat gone silent), the
 * stage joins again by itself with the same token, as the IVS Web Broadcast SDK does: same
 * participant id, publishing and subscriptions restored. These are the decisions; LocalStage
 * does the I/O.
 */

/** How long a dropped stage keeps trying before it gives up ("lost"): the product's default. */
export const STAGE_RECONNECT_LIMIT_MS = 30_000;
/**
 * Waits before each rejoin attempt: the first at once (most drops are one socket), then a little
 * further apart, never more than 1 s, so a network that comes back is used within about 1 s (an
 * attempt on a dead network fails at once: about 30 cheap attempts in 30 s).
 */
export const STAGE_RECONNECT_DELAYS_MS = [0, 250, 500, 1_000] as const;
/** An attempt that has not been answered `joined` by then is abandoned and the next one started. */
export const STAGE_REJOIN_ATTEMPT_TIMEOUT_MS = 5_000;

/** Join refusals that no retry can change: the token is spent, expired or the stage is gone. */
const FINAL_REFUSALS = new Set(['TOKEN_EXPIRED', 'TOKEN_INVALID', 'TOKEN_DISCONNECTED', 'STAGE_DELETED']);

export type ReconnectStep = { kind: 'attempt'; delayMs: number } | { kind: 'give-up'; why: 'limit' | 'refused' };

/**
 * What to do next, `attempt` rejoin attempts after the drop (0: none yet) and `elapsedMs` after
 * it: attempt (again) after a delay, or give up (limit reached, or the last attempt was refused
 * for good). An attempt is never scheduled to start after the limit.
 */
export function nextReconnectStep(input: {
  attempt: number;
  elapsedMs: number;
  limitMs: number;
  refusedWith?: string | null;
}): ReconnectStep {
  if (input.refusedWith && FINAL_REFUSALS.has(input.refusedWith)) return { kind: 'give-up', why: 'refused' };
  const delays: readonly number[] = STAGE_RECONNECT_DELAYS_MS;
  const delayMs = delays[Math.min(Math.max(input.attempt, 0), delays.length - 1)] ?? 0;
  if (input.elapsedMs + delayMs >= input.limitMs) return { kind: 'give-up', why: 'limit' };
  return { kind: 'attempt', delayMs };
}

/**
 * The reconnect limit for this page: the product's 30 s, or a shorter one a test set in
 * localStorage (`streamcat.stageReconnectLimitMs`, 1–30 s) so a drop past the limit does not
 * take 30 s to test. Never longer than the default.
 */
export function reconnectLimitFrom(stored: string | null): number {
  const n = stored === null ? NaN : Number(stored);
  if (!Number.isFinite(n) || n < 1_000) return STAGE_RECONNECT_LIMIT_MS;
  return Math.min(Math.round(n), STAGE_RECONNECT_LIMIT_MS);
}

export const STAGE_RECONNECT_LIMIT_KEY = 'streamcat.stageReconnectLimitMs';

/** The limit this page uses (see reconnectLimitFrom). */
export function stageReconnectLimitMs(): number {
  try {
    return reconnectLimitFrom(globalThis.localStorage?.getItem(STAGE_RECONNECT_LIMIT_KEY) ?? null);
  } catch {
    return STAGE_RECONNECT_LIMIT_MS;
  }
}

/**
 * Decisions of the disconnect worker, as pure functions: how much to claim at once, when to
 * try a failed disconnect again (or give up), and how often to tell the host.
 */

/** A claim covers about this many seconds of calls at the operation's rate. */
export const CLAIM_WINDOW_SECONDS = 5;
/** A claim lapses after this long: rows of a node that died are taken over then. */
export const CLAIM_LEASE_MS = 30_000;
/** Attempts (each already retried by the call queue) before a disconnect is given up. */
export const MAX_DISCONNECT_ATTEMPTS = 6;
/** At most this often per batch a progress push; the last one always goes. */
export const PROGRESS_EVERY_MS = 250;

/** Rows one node claims at once: what it can send within the claim window, so its lease does not lapse mid-work. */
export function claimSize(ratePerSecond: number): number {
  return Math.max(1, Math.min(500, Math.ceil(ratePerSecond * CLAIM_WINDOW_SECONDS)));
}

/** After the n-th failed attempt of one row: try again later (2 s, 4 s … at most a minute), or give it up. */
export function afterFailedDisconnect(attempts: number, now: Date): { giveUp: true } | { giveUp: false; notBefore: Date } {
  if (attempts >= MAX_DISCONNECT_ATTEMPTS) return { giveUp: true };
  return { giveUp: false, notBefore: new Date(now.getTime() + Math.min(60_000, 1_000 * 2 ** attempts)) };
}

/** Whether to push progress now. */
export function shouldPushProgress(lastPushAt: number | undefined, now: number, finished: boolean): boolean {
  return finished || lastPushAt === undefined || now - lastPushAt >= PROGRESS_EVERY_MS;
}

/**
 * How a live player rides out its stream pausing (the broadcaster's network dropped; the
 * playlist stops growing, then carries on after a discontinuity) or failing to load. Pure: the
 * player feeds it how long the picture has stood still or how many loads failed in a row.
 */

/** Standing still this long while live is more than a buffer hiccup: the viewer is told the player is on it. */
export const STALL_NOTICE_MS = 3_000;
/**
 * The first reload of a stalled live player, then every 20 s. Late on purpose: hls.js picks a
 * resumed stream up by itself, while a fresh player needs seconds to start and lands later.
 */
const FIRST_RELOAD_MS = 20_000;
const RELOAD_INTERVAL_MS = 20_000;

export type StallStep = 'none' | 'reconnecting' | 'reload';

/**
 * What a live player does when its picture has stood still for `stalledMs` (not paused by the
 * viewer) after `reloads` reloads in this stall: nothing yet, say "reconnecting" (hls.js keeps
 * polling the playlist and picks the stream up by itself), or load the source afresh (a player
 * stuck on a gap or a broken buffer). Reloads come at 20 s, 40 s, 60 s… into the stall.
 */
export function stallStep(stalledMs: number, reloads: number): StallStep {
  if (stalledMs < STALL_NOTICE_MS) return 'none';
  let due = FIRST_RELOAD_MS;
  due += reloads * RELOAD_INTERVAL_MS;
  return stalledMs >= due ? 'reload' : 'reconnecting';
}

/**
 * Milliseconds before loading a live source again after `failures` loads in a row failed on
 * the network: every 2 s at first (a channel that just went live has no playlist for a few
 * seconds), then backing off to 15 s so a long outage does not hammer the server.
 */
export function loadRetryDelay(failures: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, failures - 3), 15_000);
}

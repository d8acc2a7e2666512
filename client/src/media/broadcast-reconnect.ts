/**
 * When a broadcast sink whose connection dropped mid-show tries again. Pure: the sink feeds it
 * how many tries it made and how long ago the connection went, and waits what it returns.
 */

/**
 * How long a sink keeps trying after its connection dropped: a 30 s drop (the bar) and
 * a few tries after it. The local ingest keeps the stream open for its reconnect grace
 * (INGEST_RECONNECT_GRACE_SECONDS, 40 s by default) and says NOTHING_TO_RESUME once it is over,
 * which ends the tries sooner; on IVS the recording's reconnect window joins the new stream to
 * the same recording.
 */
export const BROADCAST_RECONNECT_LIMIT_MS = 36_000;

/** Quick first tries (a blip), then every second: a try is one small socket, and every second waited is a second viewers wait. */
const SCHEDULE_MS = [250, 500, 1_000];

/**
 * Milliseconds to wait before try number `attempt` (0 = the first after the drop), or null
 * when that try would start after the limit: the sink gives up and fails.
 */
export function reconnectDelay(attempt: number, sinceDropMs: number, limitMs = BROADCAST_RECONNECT_LIMIT_MS): number | null {
  const delay = SCHEDULE_MS[Math.min(Math.max(0, attempt), SCHEDULE_MS.length - 1)]!;
  return sinceDropMs + delay > limitMs ? null : delay;
}

/**
 * Whether a refusal while reconnecting is worth another try. SOURCE_CONNECTED: the ingest has
 * not yet noticed that our old connection is dead (it lets a silent source be replaced after a
 * few seconds); INGEST_FAILED and a lost connection are passing. A bad key, no ffmpeg, or no
 * stream left to carry on (the grace is over) will not change by trying again.
 */
export function reconnectRetries(code: string | undefined): boolean {
  return code === 'SOURCE_CONNECTED' || code === 'INGEST_FAILED' || code === 'CONNECTION_LOST';
}

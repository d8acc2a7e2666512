/**
 * How a standalone emulator delivers its IVS events to the server, the way an EventBridge API
 * destination does: HTTP POST with the API key, retried with backoff on a network failure, a
 * timeout, 429 or 5xx, for up to a day; other 4xx answers are final (the request itself is wrong,
 * sending it again cannot help). Pure: the sink (http-event-sink.ts) does the I/O.
 */

/** The server accepts up to 100 envelopes per request (IvsEventsController). */
export const MAX_BATCH = 100;
/** EventBridge gives up on an event after 24 hours of retries. */
export const MAX_EVENT_AGE_MS = 24 * 3600_000;
/** Events waiting beyond this many are dropped oldest first (a server down for hours under load). */
export const MAX_QUEUED = 50_000;

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 30_000;

export type DeliveryOutcome = 'delivered' | 'retry' | 'rejected';

/** An HTTP status (or `undefined` for no answer at all: refused, reset, timed out) → what to do. */
export function deliveryOutcome(status: number | undefined): DeliveryOutcome {
  if (status === undefined || status === 408 || status === 429 || status >= 500) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  return 'rejected';
}

/**
 * Wait before retry number `attempt` (1 = first retry): doubling from 250 ms to 30 s, with up to
 * half of it random (`random` in [0, 1)) so emulators retrying together do not arrive together.
 */
export function retryDelayMs(attempt: number, random: number): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(base / 2 + (base / 2) * random);
}

/** How many queued events the next request carries. */
export function nextBatchSize(queued: number): number {
  return Math.min(queued, MAX_BATCH);
}

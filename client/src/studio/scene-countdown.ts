import { sceneOf, type StudioDocument } from '@streamcat/protocol';

/**
 * Going live when the countdown reaches zero. Only the owner's studio page does it (it is the
 * page that sends the browser programme, through the same path as the Go live button); if no
 * such page is open at zero, nothing goes live by itself: the card stays at 00:00 until a host
 * goes live. A page that opens (or reloads) just after zero still does it, but not one that
 * opens long after: a show must not start on its own hours later.
 */
export const GO_LIVE_LATE_MS = 60_000;

export interface GoLiveAtZero {
  /** The countdown's end, as the document spells it (sent back as `ifCountdownAt`). */
  at: string;
  /** Milliseconds from `nowMs` to zero (0 when it has passed). */
  inMs: number;
  /** Whether to start the broadcast too (it is offline), or only switch to the show. */
  startBroadcast: boolean;
}

/** What this page should do at the countdown's zero, or null (not the sender, no such countdown, long past). */
export function goLiveAtZero(doc: StudioDocument | null, sender: boolean, nowMs: number): GoLiveAtZero | null {
  if (!doc || !sender) return null;
  const countdown = sceneOf(doc.layout).countdown;
  if (!countdown?.goLive) return null;
  const at = Date.parse(countdown.at);
  if (!Number.isFinite(at) || nowMs - at > GO_LIVE_LATE_MS) return null;
  return { at: countdown.at, inMs: Math.max(0, at - nowMs), startBroadcast: doc.live.broadcast.state === 'offline' };
}

/** A time as a `datetime-local` input's value in this browser's zone, to the second ("2026-12-04T18:05:00"). */
export function localInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A `datetime-local` value (this browser's zone) as an ISO time, or null when it is not a time. */
export function isoFromLocalInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

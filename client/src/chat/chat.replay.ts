import type { ChatMessage } from '@streamcat/protocol/chat';

export interface ReplayEntry {
  message: ChatMessage;
  /** Seconds into the recording at which the message was sent. */
  offset: number;
}

/**
 * Places each message on the recording's clock: its offset from the stream's start. A message
 * sent in the moment before the first frame shows from 0; the result is sorted by offset.
 */
export function replayTimeline(messages: readonly ChatMessage[], startedAt: string): ReplayEntry[] {
  const start = new Date(startedAt).getTime();
  return messages
    .map((message) => ({ message, offset: Math.max(0, (new Date(message.sentAt).getTime() - start) / 1000) }))
    .sort((a, b) => a.offset - b.offset);
}

/** The messages a viewer at `time` seconds has seen: every entry with offset ≤ time (binary search). */
export function visibleAt(timeline: readonly ReplayEntry[], time: number): ReplayEntry[] {
  let lo = 0;
  let hi = timeline.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeline[mid]!.offset <= time) lo = mid + 1;
    else hi = mid;
  }
  return timeline.slice(0, lo);
}

/** "12:04" / "1:02:09": a message's place in the recording. */
export function formatOffset(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

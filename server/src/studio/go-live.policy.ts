import type { BroadcastState } from '@streamcat/protocol';

export type GoLiveVerdict = 'wait' | 'ask-ivs' | 'confirm-live' | 'give-up';

/**
 * A go-live that heard no Stream Start: events are best effort, so after `timeoutMs` in
 * `starting` IVS is asked (GetStream, `stream` once known). Live: apply the Start the event
 * would have brought. Not live: the switch goes back to offline and the host is told why,
 * instead of "Starting broadcast…" forever.
 */
export function goLiveVerdict(input: {
  broadcast: { state: BroadcastState; since: string };
  now: Date;
  timeoutMs: number;
  /** GetStream's answer: the live stream, null when not broadcasting, undefined when not asked yet. */
  stream?: { streamId: string } | null;
}): GoLiveVerdict {
  const { broadcast, now, timeoutMs, stream } = input;
  if (broadcast.state !== 'starting') return 'wait';
  const since = Date.parse(broadcast.since);
  if (Number.isFinite(since) && now.getTime() - since < timeoutMs) return 'wait';
  if (stream === undefined) return 'ask-ivs';
  return stream ? 'confirm-live' : 'give-up';
}

/** What the host reads when the switch went back by itself. */
export function goLiveGiveUpNote(timeoutSeconds: number): string {
  return `The broadcast did not start: Amazon IVS received no stream within ${timeoutSeconds} s. Check your connection (and the encoder), then go live again.`;
}

/** How often each node looks for go-lives past their time: a fraction of the timeout, between 1 and 5 s. */
export function goLiveCheckIntervalMs(timeoutMs: number): number {
  return Math.max(1_000, Math.min(5_000, Math.floor(timeoutMs / 3)));
}

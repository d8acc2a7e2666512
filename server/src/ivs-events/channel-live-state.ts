import type { StreamHealth } from '../channels/channel.entity';
import { compareLifecycle, lifecycleRank, LifecycleStamp } from './ivs-event.lifecycle';

/** What the streams table knows about one broadcast, as far as the channel's live state goes. */
export interface StreamFacts {
  streamId: string;
  /** Set only by Stream Start, with that event's id. */
  startedAt: Date | null;
  startEventId: string | null;
  /** Set only by Stream End / Stream Failure. */
  endedAt: Date | null;
  endEventId: string | null;
  sessionEndedAt: Date | null;
  /** GetStream said "not broadcasting" while this was the live stream and no End had come. */
  offlineAt: Date | null;
  /** From the newest Starvation event of this stream; null before any. */
  health: StreamHealth | null;
}

export interface ChannelLiveState {
  isLive: boolean;
  currentStreamId: string | null;
  health: StreamHealth;
  /** Time and envelope id of the event that decided `isLive` (null before any stream). */
  stateAt: Date | null;
  stateEventId: string | null;
}

const START_RANK = lifecycleRank('Stream Start');

function startStamp(s: StreamFacts): LifecycleStamp | null {
  return s.startedAt ? { time: s.startedAt, rank: START_RANK, id: s.startEventId ?? '' } : null;
}

/** The first thing that closed a broadcast: its End/Failure, else Session Ended, else reconciliation. */
function endStamp(s: StreamFacts): LifecycleStamp | null {
  if (s.endedAt) return { time: s.endedAt, rank: lifecycleRank('Stream End'), id: s.endEventId ?? '' };
  if (s.sessionEndedAt) return { time: s.sessionEndedAt, rank: lifecycleRank('Session Ended'), id: '' };
  if (s.offlineAt) return { time: s.offlineAt, rank: Number.MAX_SAFE_INTEGER, id: '' };
  return null;
}

/**
 * A channel's live state as a pure function of its streams (so it is the same for every
 * arrival order). The broadcast with the newest Stream Start is the current one; the channel
 * is live while that broadcast has not ended. An End of an older broadcast never ends a newer
 * one. An End whose Start never arrived cannot be placed, so it counts only if it is newer
 * than the current Start (the plain "newest event wins" rule).
 */
export function deriveChannelLiveState(streams: readonly StreamFacts[]): ChannelLiveState {
  let current: StreamFacts | null = null;
  let currentStart: LifecycleStamp | null = null;
  for (const s of streams) {
    const st = startStamp(s);
    if (st && (!currentStart || compareLifecycle(st, currentStart) > 0)) {
      current = s;
      currentStart = st;
    }
  }
  if (!current || !currentStart) return { isLive: false, currentStreamId: null, health: 'UNKNOWN', stateAt: null, stateEventId: null };

  const ownEnd = endStamp(current);
  if (ownEnd) return offline(current, ownEnd);
  for (const s of streams) {
    if (s.startedAt) continue;
    const end = endStamp(s);
    if (end && compareLifecycle(end, currentStart) > 0) return offline(s, end);
  }
  return {
    isLive: true,
    currentStreamId: current.streamId,
    health: current.health ?? 'HEALTHY',
    stateAt: currentStart.time,
    stateEventId: currentStart.id || null,
  };
}

function offline(s: StreamFacts, end: LifecycleStamp): ChannelLiveState {
  return { isLive: false, currentStreamId: s.streamId, health: 'UNKNOWN', stateAt: end.time, stateEventId: end.id || null };
}

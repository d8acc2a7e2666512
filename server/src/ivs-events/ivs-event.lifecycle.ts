import { compareEvents } from '@streamcat/ivs-events';

/**
 * Where an event sits in the life of one subject (a stream, a participant, a composition).
 * IVS stamps whole seconds, so a Stream Start and the Stream End of a two-second test
 * broadcast can share a `time`; then this order, not the arbitrary envelope id, decides.
 */
const RANKS: Record<string, number> = {
  'Session Created': 0,
  'Stream Start': 1,
  'Stream End': 2,
  'Stream Failure': 2,
  'Session Ended': 3,
  'Recording Start': 0,
  'Recording Start Failure': 0,
  'Recording End': 1,
  'Recording End Failure': 1,
  'Starvation Start': 0,
  'Starvation End': 1,
  'Participant Publish Error': 0,
  'Participant Published': 1,
  'Participant Unpublished': 2,
  'Session Start': 0,
  'Destination Start': 1,
  'Destination Reconnecting': 2,
  'Destination End': 3,
  'Destination Failure': 3,
  'Session End': 4,
  'Session Failure': 4,
};

export function lifecycleRank(name: string): number {
  return RANKS[name] ?? 0;
}

/** One event's position in a subject's history: time, then lifecycle rank, then envelope id. */
export interface LifecycleStamp {
  time: Date;
  rank: number;
  id: string;
}

export function stampOf(e: { time: Date; id: string; name: string }): LifecycleStamp {
  return { time: e.time, rank: lifecycleRank(e.name), id: e.id };
}

/** Total order over events of ONE subject; across subjects only `time` is meaningful. */
export function compareLifecycle(a: LifecycleStamp, b: LifecycleStamp): -1 | 0 | 1 {
  const ta = a.time.getTime();
  const tb = b.time.getTime();
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.rank !== b.rank) return a.rank < b.rank ? -1 : 1;
  return compareEvents(a, b);
}

/** True when `a` should replace state last set by `b` (a redelivery of `b` is not newer). */
export function supersedes(a: LifecycleStamp, b: LifecycleStamp | null | undefined): boolean {
  return !b || compareLifecycle(a, b) > 0;
}

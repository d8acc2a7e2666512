/** The two facts every IVS event carries that say where it sits in history. */
export interface EventStamp {
  time: Date;
  id: string;
}

/**
 * Total order over events: earlier `time` first; equal times ordered by `id`.
 * EventBridge delivers late, twice and out of order, and AWS stamps whole seconds, so two
 * events often share a time. Breaking that tie by id (arbitrary but fixed) makes every
 * server node, retry and replay pick the same winner, whatever the arrival order.
 */
export function compareEvents(a: EventStamp, b: EventStamp): -1 | 0 | 1 {
  const ta = a.time.getTime();
  const tb = b.time.getTime();
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** True when `a` should replace state last set by `b`. A redelivery of `b` itself is not newer. */
export function isNewer(a: EventStamp, b: EventStamp | null | undefined): boolean {
  return !b || compareEvents(a, b) > 0;
}

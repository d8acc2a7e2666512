/** One media probe's outcome and when it finished. */
export interface ProbeResult {
  state: 'up' | 'down';
  at: number;
}

/** Health checks ask IVS at most this often per replica; every probe in between reads the last answer. */
export const MEDIA_PROBE_INTERVAL_MS = 10_000;

/**
 * Whether a health request may answer from the last probe or must wait for a new one. A load
 * balancer probing 20 times a second would otherwise spend IVS's ListStages budget (5 calls per
 * second per account) and, once throttled, mark healthy replicas down.
 */
export function probeDecision(last: ProbeResult | null, now: number, intervalMs = MEDIA_PROBE_INTERVAL_MS): 'cached' | 'probe' {
  return last && now - last.at < intervalMs && now >= last.at ? 'cached' : 'probe';
}

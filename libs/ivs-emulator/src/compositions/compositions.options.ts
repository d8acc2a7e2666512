/**
 * Timings of the composition lifecycle. AWS's values by default; a host or a test binds
 * COMPOSITION_OPTIONS to shorten them (e.g. the idle minute) instead of waiting in real time.
 */
export interface CompositionOptions {
  /** A composition ends this long after its stage has no publisher ("after a 1-minute timeout"). */
  idleStopMs: number;
  /** "Composition: maximum duration" 24 h (not adjustable): the composition is stopped then. */
  maxDurationMs: number;
  /** A STOPPED or FAILED composition is deleted this long after it ended ("after a few minutes"). */
  stoppedRetentionMs: number;
  /** How often the process running a composition marks it alive. */
  heartbeatMs: number;
  /** A running composition not marked alive for this long belonged to a process that is gone: it is failed. */
  staleAfterMs: number;
}

export const COMPOSITION_OPTIONS = Symbol('COMPOSITION_OPTIONS');

export const DEFAULT_COMPOSITION_OPTIONS: CompositionOptions = {
  idleStopMs: 60_000,
  maxDurationMs: 24 * 60 * 60_000,
  stoppedRetentionMs: 5 * 60_000,
  heartbeatMs: 10_000,
  staleAfterMs: 45_000,
};

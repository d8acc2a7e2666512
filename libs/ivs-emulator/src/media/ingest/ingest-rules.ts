/**
 * When a live ingest reports starvation, starts, or ends on its own, and whether a new source
 * resumes it. Pure: the session feeds it what it observed (data arrived, ffmpeg's input full or
 * drained, the source's connection dropped, the live playlist exists, the viewer count) and
 * carries out the actions it returns.
 */
export interface IngestState {
  /** Last time the source sent data (or was let go after a backlog). */
  lastDataAt: number;
  /** Since when ffmpeg's input has been full (the source is paused on our side), or null. */
  backloggedSince: number | null;
  starving: boolean;
  /** Stream Start was sent (viewers can load the playlist). */
  streamStarted: boolean;
  /** Viewer count last reported to the control plane. */
  reportedViewers: number;
  /**
   * Since when no source has been attached: its connection dropped without `stop` (a studio
   * reloading, a network blip). Null while a source is attached.
   */
  sourceGoneSince: number | null;
}

export interface IngestRuleOptions {
  /** Input silence after which viewers get Starvation Start. */
  starvationAfterMs: number;
  /** Input silence after which the stream ends; a stuck encoder gets three times as long. */
  endAfterMs: number;
  /** How long a stream whose source dropped waits for a new one before it ends (0: ends at once). */
  reconnectGraceMs: number;
}

/** What the session saw on this tick, besides the clock. */
export interface IngestObservation {
  /** ffmpeg has written the live playlist. */
  playlistReady: boolean;
  viewers: number;
}

export type IngestAction =
  | { do: 'end'; reason: 'STALLED'; why: 'encoder-stuck' | 'input-silent' }
  | { do: 'end'; reason: 'ENDED'; why: 'source-gone' }
  | { do: 'starvation-start' }
  | { do: 'starvation-end' }
  | { do: 'stream-start' }
  | { do: 'report-viewers'; viewers: number };

export interface IngestStep {
  state: IngestState;
  actions: IngestAction[];
}

export function initialIngestState(now: number): IngestState {
  return { lastDataAt: now, backloggedSince: null, starving: false, streamStarted: false, reportedViewers: 0, sourceGoneSince: null };
}

const SOURCE_GONE: IngestAction = { do: 'end', reason: 'ENDED', why: 'source-gone' };

/** The periodic check (every 250 ms): silence, backlog, starvation, Stream Start, viewers. */
export function nextIngestStep(state: IngestState, now: number, options: IngestRuleOptions, seen: IngestObservation): IngestStep {
  // No source: the grace decides, not the silence rules (the quiet is the source being away).
  const sourceGone = state.sourceGoneSince !== null;
  if (sourceGone && now - state.sourceGoneSince! >= options.reconnectGraceMs) return { state, actions: [SOURCE_GONE] };
  // While ffmpeg's input is full we stop reading the source: that quiet is our encoder being
  // slow (a starved CPU), not the broadcaster going away. Only a stuck encoder ends the stream.
  const backlogged = state.backloggedSince !== null;
  if (backlogged && now - state.backloggedSince! >= options.endAfterMs * 3) {
    return { state, actions: [{ do: 'end', reason: 'STALLED', why: 'encoder-stuck' }] };
  }
  // Only the silence rules wait for a backlog: Stream Start and viewer counts below still run.
  const silentFor = backlogged ? 0 : now - state.lastDataAt;
  if (!sourceGone && silentFor >= options.endAfterMs) return { state, actions: [{ do: 'end', reason: 'STALLED', why: 'input-silent' }] };
  const next = { ...state };
  const actions: IngestAction[] = [];
  if (!next.starving && next.streamStarted && silentFor >= options.starvationAfterMs) {
    next.starving = true;
    actions.push({ do: 'starvation-start' });
  }
  // Stream Start once viewers can actually load the playlist, as on IVS.
  if (!next.streamStarted && seen.playlistReady) {
    next.streamStarted = true;
    actions.push({ do: 'stream-start' });
  }
  if (seen.viewers !== next.reportedViewers) {
    next.reportedViewers = seen.viewers;
    actions.push({ do: 'report-viewers', viewers: seen.viewers });
  }
  return { state: next, actions };
}

/** The source sent a chunk; `accepted` false means ffmpeg's input is now full. */
export function ingestDataArrived(state: IngestState, now: number, accepted: boolean): IngestStep {
  const actions: IngestAction[] = state.starving ? [{ do: 'starvation-end' }] : [];
  return {
    state: {
      ...state,
      lastDataAt: now,
      starving: false,
      backloggedSince: accepted ? state.backloggedSince : (state.backloggedSince ?? now),
    },
    actions,
  };
}

/** ffmpeg took the backlog: the source was held back by us, so its silence clock starts again now. */
export function ingestDrained(state: IngestState, now: number): IngestState {
  return { ...state, backloggedSince: null, lastDataAt: now };
}

/**
 * The source's connection closed without `stop`. The stream waits for a new source (a reloaded
 * studio, a reconnecting encoder) for the grace; viewers get Starvation meanwhile, as for silence.
 */
export function ingestSourceDropped(state: IngestState, now: number, options: IngestRuleOptions): IngestStep {
  if (options.reconnectGraceMs <= 0) return { state, actions: [SOURCE_GONE] };
  return { state: { ...state, sourceGoneSince: state.sourceGoneSince ?? now, backloggedSince: null }, actions: [] };
}

/**
 * A new source asks for the channel while this stream runs: `resume` carries on the same stream
 * (same stream id, same recording) with it; `takeover` ends this stream and starts a new one.
 * Resumed: a source that dropped within the grace, or one still connected that has sent nothing
 * for the starvation time (a dead network whose connection has not closed yet). A healthy
 * source is replaced by a new stream, as before. A source that asks only to resume (a reloaded
 * studio page) is refused instead of taking over: another encoder is sending, or the wait is over.
 */
export function ingestStartVerdict(
  state: IngestState,
  now: number,
  options: IngestRuleOptions,
  resumeOnly = false,
): 'resume' | 'takeover' | 'source-connected' | 'nothing-to-resume' {
  if (state.sourceGoneSince !== null) {
    if (now - state.sourceGoneSince < options.reconnectGraceMs) return 'resume';
    return resumeOnly ? 'nothing-to-resume' : 'takeover';
  }
  const silent = state.backloggedSince === null && now - state.lastDataAt >= options.starvationAfterMs;
  if (silent && options.reconnectGraceMs > 0) return 'resume';
  return resumeOnly ? 'source-connected' : 'takeover';
}

/** A new source carries the stream on: its silence clock starts now (Starvation ends with its first data). */
export function ingestSourceAttached(state: IngestState, now: number): IngestState {
  return { ...state, sourceGoneSince: null, backloggedSince: null, lastDataAt: now };
}

/**
 * When a live ingest reports starvation, starts, or ends on its own. Pure: the session feeds it
 * what it observed (data arrived, ffmpeg's input full or drained, the live playlist exists,
 * the viewer count) and carries out the actions it returns.
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
}

export interface IngestRuleOptions {
  /** Input silence after which viewers get Starvation Start. */
  starvationAfterMs: number;
  /** Input silence after which the stream ends; a stuck encoder gets three times as long. */
  endAfterMs: number;
}

/** What the session saw on this tick, besides the clock. */
export interface IngestObservation {
  /** ffmpeg has written the live playlist. */
  playlistReady: boolean;
  viewers: number;
}

export type IngestAction =
  | { do: 'end'; reason: 'STALLED'; why: 'encoder-stuck' | 'input-silent' }
  | { do: 'starvation-start' }
  | { do: 'starvation-end' }
  | { do: 'stream-start' }
  | { do: 'report-viewers'; viewers: number };

export interface IngestStep {
  state: IngestState;
  actions: IngestAction[];
}

export function initialIngestState(now: number): IngestState {
  return { lastDataAt: now, backloggedSince: null, starving: false, streamStarted: false, reportedViewers: 0 };
}

/** The periodic check (every 250 ms): silence, backlog, starvation, Stream Start, viewers. */
export function nextIngestStep(state: IngestState, now: number, options: IngestRuleOptions, seen: IngestObservation): IngestStep {
  // While ffmpeg's input is full we stop reading the source: that quiet is our encoder being
  // slow (a starved CPU), not the broadcaster going away. Only a stuck encoder ends the stream.
  const backlogged = state.backloggedSince !== null;
  if (backlogged && now - state.backloggedSince! >= options.endAfterMs * 3) {
    return { state, actions: [{ do: 'end', reason: 'STALLED', why: 'encoder-stuck' }] };
  }
  // Only the silence rules wait for a backlog: Stream Start and viewer counts below still run.
  const silentFor = backlogged ? 0 : now - state.lastDataAt;
  if (silentFor >= options.endAfterMs) return { state, actions: [{ do: 'end', reason: 'STALLED', why: 'input-silent' }] };
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

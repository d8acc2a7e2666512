import {
  IngestState,
  ingestDataArrived,
  ingestDrained,
  ingestSourceAttached,
  ingestSourceDropped,
  ingestStartVerdict,
  initialIngestState,
  nextIngestStep,
} from './ingest-rules';

const options = { starvationAfterMs: 3_000, endAfterMs: 30_000, reconnectGraceMs: 20_000 };
const quiet = { playlistReady: false, viewers: 0 };
const T0 = 1_000_000;

function live(overrides: Partial<IngestState> = {}): IngestState {
  return { ...initialIngestState(T0), streamStarted: true, ...overrides };
}

describe('nextIngestStep', () => {
  it('ends a stream whose input has been silent for 30 s, not before', () => {
    expect(nextIngestStep(live(), T0 + 29_999, options, quiet).actions).not.toContainEqual(expect.objectContaining({ do: 'end' }));
    expect(nextIngestStep(live(), T0 + 30_000, options, quiet).actions).toEqual([{ do: 'end', reason: 'STALLED', why: 'input-silent' }]);
  });

  it('reports Starvation Start once after 3 s of silence, only once the stream has started', () => {
    const first = nextIngestStep(live(), T0 + 3_000, options, quiet);
    expect(first.actions).toEqual([{ do: 'starvation-start' }]);
    expect(nextIngestStep(first.state, T0 + 4_000, options, quiet).actions).toEqual([]);
    expect(nextIngestStep(live({ streamStarted: false }), T0 + 5_000, options, quiet).actions).toEqual([]);
  });

  it('a backlogged encoder (ffmpeg input full, source paused by us) is not a silent broadcaster', () => {
    // Regression: a slow CPU held the browser back for over 30 s and the stream was ended as stalled.
    const backlogged = live({ backloggedSince: T0 });
    const step = nextIngestStep(backlogged, T0 + 2 * options.endAfterMs, options, quiet);
    expect(step.actions).toEqual([]);
  });

  it('a backlog pauses only the silence rules: Stream Start and viewer counts still happen', () => {
    // Regression: a slow go-live stayed "starting" because Stream Start waited for the backlog too.
    const starting = { ...initialIngestState(T0), backloggedSince: T0 + 1_000 };
    const step = nextIngestStep(starting, T0 + 40_000, options, { playlistReady: true, viewers: 2 });
    expect(step.actions).toEqual([{ do: 'stream-start' }, { do: 'report-viewers', viewers: 2 }]);
    expect(step.state.streamStarted).toBe(true);
  });

  it('a stuck encoder (backlogged for three times the silence limit) ends the stream', () => {
    const stuck = live({ backloggedSince: T0 });
    expect(nextIngestStep(stuck, T0 + 3 * options.endAfterMs - 1, options, quiet).actions).toEqual([]);
    expect(nextIngestStep(stuck, T0 + 3 * options.endAfterMs, options, quiet).actions).toEqual([
      { do: 'end', reason: 'STALLED', why: 'encoder-stuck' },
    ]);
  });

  it('sends Stream Start when the live playlist exists, once', () => {
    const started = nextIngestStep(initialIngestState(T0), T0 + 500, options, { playlistReady: true, viewers: 0 });
    expect(started.actions).toEqual([{ do: 'stream-start' }]);
    expect(nextIngestStep(started.state, T0 + 750, options, { playlistReady: true, viewers: 0 }).actions).toEqual([]);
  });

  it('reports the viewer count only when it changes', () => {
    const one = nextIngestStep(live(), T0 + 100, options, { playlistReady: true, viewers: 1 });
    expect(one.actions).toEqual([{ do: 'report-viewers', viewers: 1 }]);
    expect(nextIngestStep(one.state, T0 + 200, options, { playlistReady: true, viewers: 1 }).actions).toEqual([]);
  });
});

describe('ingest input', () => {
  it('data after starvation ends it and restarts the silence clock', () => {
    const starving = live({ starving: true });
    const step = ingestDataArrived(starving, T0 + 10_000, true);
    expect(step.actions).toEqual([{ do: 'starvation-end' }]);
    expect(step.state).toMatchObject({ starving: false, lastDataAt: T0 + 10_000, backloggedSince: null });
  });

  it('a refused write starts the backlog clock, later refusals keep its start; a drain clears it and restarts silence', () => {
    const full = ingestDataArrived(live(), T0 + 1_000, false).state;
    expect(full.backloggedSince).toBe(T0 + 1_000);
    expect(ingestDataArrived(full, T0 + 2_000, false).state.backloggedSince).toBe(T0 + 1_000);
    const drained = ingestDrained(full, T0 + 50_000);
    expect(drained).toMatchObject({ backloggedSince: null, lastDataAt: T0 + 50_000 });
    expect(nextIngestStep(drained, T0 + 50_000 + 29_000, options, quiet).actions).toEqual([{ do: 'starvation-start' }]);
  });
});

describe('a source that drops without stop (a studio reloading)', () => {
  it('the stream waits the grace, with Starvation Start on the way, then ends as ENDED', () => {
    const dropped = ingestSourceDropped(live(), T0, options);
    expect(dropped.actions).toEqual([]);
    const starving = nextIngestStep(dropped.state, T0 + 3_000, options, quiet);
    expect(starving.actions).toEqual([{ do: 'starvation-start' }]);
    expect(nextIngestStep(starving.state, T0 + 19_999, options, quiet).actions).toEqual([]);
    expect(nextIngestStep(starving.state, T0 + 20_000, options, quiet).actions).toEqual([
      { do: 'end', reason: 'ENDED', why: 'source-gone' },
    ]);
  });

  it('the grace, not the silence limit, decides while no source is attached', () => {
    // Silent for 25 s before it dropped: a grace longer than what is left of endAfterMs still applies.
    const long = { ...options, reconnectGraceMs: 60_000 };
    const dropped = ingestSourceDropped(live({ starving: true }), T0 + 25_000, long).state;
    expect(nextIngestStep(dropped, T0 + 84_999, long, quiet).actions).toEqual([]);
    expect(nextIngestStep(dropped, T0 + 85_000, long, quiet).actions).toEqual([{ do: 'end', reason: 'ENDED', why: 'source-gone' }]);
  });

  it('a second drop keeps the first drop time (the grace is not extended)', () => {
    const once = ingestSourceDropped(live(), T0, options).state;
    expect(ingestSourceDropped(once, T0 + 10_000, options).state.sourceGoneSince).toBe(T0);
  });

  it('with no grace the stream ends at once, as before', () => {
    expect(ingestSourceDropped(live(), T0, { ...options, reconnectGraceMs: 0 }).actions).toEqual([
      { do: 'end', reason: 'ENDED', why: 'source-gone' },
    ]);
  });

  it('a backlog at the drop is forgotten: the old encoder is flushed, the next source starts clean', () => {
    expect(ingestSourceDropped(live({ backloggedSince: T0 - 5_000 }), T0, options).state.backloggedSince).toBeNull();
  });
});

describe('ingestStartVerdict', () => {
  it('a source arriving within the grace resumes the stream; after it, a new stream starts', () => {
    const dropped = ingestSourceDropped(live(), T0, options).state;
    expect(ingestStartVerdict(dropped, T0 + 19_999, options)).toBe('resume');
    expect(ingestStartVerdict(dropped, T0 + 20_000, options)).toBe('takeover');
  });

  it('a healthy connected source is taken over (a new stream), a silent one is resumed', () => {
    expect(ingestStartVerdict(live({ lastDataAt: T0 }), T0 + 1_000, options)).toBe('takeover');
    expect(ingestStartVerdict(live({ lastDataAt: T0 }), T0 + 3_000, options)).toBe('resume');
    // Quiet because our encoder is slow, not because the source went: not a dead connection.
    expect(ingestStartVerdict(live({ lastDataAt: T0, backloggedSince: T0 }), T0 + 10_000, options)).toBe('takeover');
  });

  it('a source that asks only to resume is refused instead of taking over', () => {
    expect(ingestStartVerdict(live({ lastDataAt: T0 }), T0 + 1_000, options, true)).toBe('source-connected');
    const dropped = ingestSourceDropped(live(), T0, options).state;
    expect(ingestStartVerdict(dropped, T0 + 5_000, options, true)).toBe('resume');
    expect(ingestStartVerdict(dropped, T0 + 20_000, options, true)).toBe('nothing-to-resume');
  });

  it('with no grace every new source starts a new stream', () => {
    const none = { ...options, reconnectGraceMs: 0 };
    expect(ingestStartVerdict(live({ lastDataAt: T0 }), T0 + 10_000, none)).toBe('takeover');
  });

  it('the resumed source gets a fresh silence clock; its first data ends the starvation', () => {
    const waiting = nextIngestStep(ingestSourceDropped(live(), T0, options).state, T0 + 5_000, options, quiet).state;
    expect(waiting.starving).toBe(true);
    const resumed = ingestSourceAttached(waiting, T0 + 8_000);
    expect(resumed).toMatchObject({ sourceGoneSince: null, lastDataAt: T0 + 8_000, starving: true });
    expect(nextIngestStep(resumed, T0 + 8_000 + 29_000, options, quiet).actions).toEqual([]);
    expect(ingestDataArrived(resumed, T0 + 9_000, true).actions).toEqual([{ do: 'starvation-end' }]);
  });
});

import {
  applyCompositionFact,
  checkDestinations,
  compositeRecordingPrefix,
  CompositionFact,
  CompositionSnapshot,
  idempotencyDecision,
  isVisible,
  localBucketDir,
  requestFingerprint,
  resolveLayout,
  resolveVideo,
} from './compositions.rules';
import type { StartCompositionRequest } from './compositions.schemas';

const CHANNEL = { channel: { channelArn: 'arn:aws:ivs:us-east-1:123456789012:channel/abcdABCD1234' } };
const S3 = {
  s3: {
    storageConfigurationArn: 'arn:aws:ivs:us-east-1:123456789012:storage-configuration/abcdABCD1234',
    encoderConfigurationArns: ['arn:aws:ivs:us-east-1:123456789012:encoder-configuration/abcdABCD1234'],
  },
};

describe('resolveVideo: encoder configuration defaults and bounds', () => {
  it('fills IVS defaults (1280×720, 30 fps, 2.5 Mbps) for what is left out', () => {
    expect(resolveVideo(undefined)).toEqual({ video: { width: 1280, height: 720, framerate: 30, bitrate: 2_500_000 }, problems: [] });
    expect(resolveVideo({ width: 1920, height: 1080 }).video).toEqual({ width: 1920, height: 1080, framerate: 30, bitrate: 2_500_000 });
  });

  it('accepts portrait 1080×1920 (the same pixel count) and refuses odd sides and more than 1920×1080 pixels', () => {
    expect(resolveVideo({ width: 1080, height: 1920 }).problems).toEqual([]);
    expect(resolveVideo({ width: 1281 }).problems).toEqual(['video.width: must be an even number']);
    expect(resolveVideo({ height: 721 }).problems).toEqual(['video.height: must be an even number']);
    expect(resolveVideo({ width: 1920, height: 1920 }).problems).toEqual([
      'video: width × height is 3686400 pixels, more than 2073600 (1920x1080 or 1080x1920)',
    ]);
  });
});

describe('resolveLayout: IVS layout defaults', () => {
  it('is a grid when nothing is asked, with gap 2, VIDEO tiles, no featured participant', () => {
    const { view, engine, problems } = resolveLayout(undefined);
    expect(problems).toEqual([]);
    expect(view).toEqual({
      grid: {
        featuredParticipantAttribute: '',
        participantOrderAttribute: '',
        omitStoppedVideo: false,
        videoAspectRatio: 'VIDEO',
        gridGap: 2,
      },
    });
    // The engine needs one fill mode: the grid tiles' COVER when none is set.
    expect(engine).toMatchObject({ kind: 'grid', gridGap: 2, videoFillMode: 'COVER' });
  });

  it('gives PiP its defaults: gap 0, STATIC, BOTTOM_RIGHT, offset 0, COVER; size only when asked', () => {
    const { view, engine } = resolveLayout({ pip: { pipParticipantAttribute: 'pip' } });
    expect(view).toEqual({
      pip: {
        featuredParticipantAttribute: '',
        participantOrderAttribute: '',
        omitStoppedVideo: false,
        videoFillMode: 'COVER',
        gridGap: 0,
        pipParticipantAttribute: 'pip',
        pipBehavior: 'STATIC',
        pipOffset: 0,
        pipPosition: 'BOTTOM_RIGHT',
      },
    });
    expect(engine).toMatchObject({ kind: 'pip', pipParticipantAttribute: 'pip' });
    expect(resolveLayout({ pip: { pipWidth: 320, pipHeight: 180 } }).engine).toMatchObject({ pipWidth: 320, pipHeight: 180 });
  });

  it('keeps what is asked and refuses grid and pip together', () => {
    expect(resolveLayout({ grid: { gridGap: 0, videoFillMode: 'CONTAIN', featuredParticipantAttribute: 'featured' } }).view).toMatchObject({
      grid: { gridGap: 0, videoFillMode: 'CONTAIN', featuredParticipantAttribute: 'featured' },
    });
    expect(resolveLayout({ grid: {}, pip: {} }).problems).toEqual(['layout: specify either grid or pip, not both']);
  });
});

describe('checkDestinations: one channel and/or one s3', () => {
  it('accepts a channel, an s3, or one of each', () => {
    expect(checkDestinations([CHANNEL])).toEqual([]);
    expect(checkDestinations([S3])).toEqual([]);
    expect(checkDestinations([CHANNEL, S3])).toEqual([]);
  });

  it('refuses a destination with neither or both, and two of a kind', () => {
    expect(checkDestinations([{ name: 'x' }])).toEqual(['destinations.0: specify a channel or an s3 destination']);
    expect(checkDestinations([{ ...CHANNEL, ...S3 }])).toEqual(['destinations.0: specify either a channel or an s3 destination, not both']);
    expect(checkDestinations([CHANNEL, CHANNEL])).toEqual([
      'destinations: two destinations must be one channel and one s3, not two channel',
    ]);
    expect(checkDestinations([S3, S3])).toEqual(['destinations: two destinations must be one channel and one s3, not two s3']);
  });
});

describe('idempotency', () => {
  const req = (over: Partial<StartCompositionRequest> = {}): StartCompositionRequest => ({
    stageArn: 'arn:aws:ivs:us-east-1:123456789012:stage/abcdABCD1234',
    destinations: [CHANNEL],
    ...over,
  });

  it('fingerprints the request without its token and regardless of key order', () => {
    expect(requestFingerprint(req({ idempotencyToken: 'a' }))).toBe(requestFingerprint(req({ idempotencyToken: 'b' })));
    const reordered = JSON.parse(JSON.stringify({ destinations: [CHANNEL], stageArn: req().stageArn })) as StartCompositionRequest;
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(req()));
    expect(requestFingerprint(req({ tags: { a: '1' } }))).not.toBe(requestFingerprint(req()));
  });

  it('replays the same request, refuses a different one, starts a new one for an unseen token', () => {
    const f = requestFingerprint(req());
    expect(idempotencyDecision(undefined, f)).toBe('new');
    expect(idempotencyDecision({ fingerprint: f }, f)).toBe('replay');
    expect(idempotencyDecision({ fingerprint: f }, requestFingerprint(req({ layout: { pip: {} } })))).toBe('conflict');
  });
});

describe('where a composite recording goes', () => {
  it('prefixes with stage id / stage session id / composition id (composition id without a session)', () => {
    expect(compositeRecordingPrefix('Stage1234567', 'st-abcdefghijklm', 'Comp12345678')).toBe('Stage1234567/st-abcdefghijklm/Comp12345678');
    expect(compositeRecordingPrefix('Stage1234567', null, 'Comp12345678')).toBe('Stage1234567/Comp12345678/Comp12345678');
  });

  it("maps the emulator's bucket to the recordings folder and other buckets beside its tree", () => {
    expect(localBucketDir('/data/recordings', 'streamcat-local-recordings', 'streamcat-local-recordings')).toBe('/data/recordings');
    expect(localBucketDir('/data/recordings', 'streamcat-local-recordings', 'my-bucket')).toBe('/data/recordings/_buckets/my-bucket');
  });
});

describe('applyCompositionFact: states and events in the order AWS sends them', () => {
  const T0 = new Date('2026-12-03T12:00:00Z');
  const start = (): CompositionSnapshot => ({
    state: 'STARTING',
    failure: null,
    destinations: [
      { id: 'ch', state: 'STARTING', configuration: CHANNEL },
      { id: 's3', state: 'STARTING', configuration: S3 },
    ],
  });
  /** Applies facts one after another; returns the last snapshot, every event name (with destination) and whether media was to be stopped. */
  const run = (facts: CompositionFact[], from = start()) => {
    let s = from;
    const events: string[] = [];
    const stops: boolean[] = [];
    for (const f of facts) {
      const t = applyCompositionFact(s, f, T0);
      s = t.next;
      events.push(...t.events.map((e) => (e.destinationId ? `${e.name}:${e.destinationId}` : e.name)));
      stops.push(t.stopMedia);
    }
    return { s, events, stops };
  };

  it('starts the session, then each destination; a stop ends every destination before the session', () => {
    const { s, events, stops } = run([
      { kind: 'sessionStarted' },
      { kind: 'destination', destinationId: 'ch', state: 'ACTIVE' },
      { kind: 'destination', destinationId: 's3', state: 'ACTIVE' },
      { kind: 'stopRequested' },
      { kind: 'mediaStopped' },
    ]);
    expect(events).toEqual([
      'Session Start',
      'Destination Start:ch',
      'Destination Start:s3',
      'Destination End:ch',
      'Destination End:s3',
      'Session End',
    ]);
    expect(stops).toEqual([false, false, false, true, false]);
    expect(s.state).toBe('STOPPED');
    expect(s.endTime).toBe(T0.toISOString());
    expect(s.destinations.map((d) => [d.state, d.startTime, d.endTime])).toEqual([
      ['STOPPED', T0.toISOString(), T0.toISOString()],
      ['STOPPED', T0.toISOString(), T0.toISOString()],
    ]);
  });

  it('announces the session before a destination the media reports active first', () => {
    const { s, events } = run([{ kind: 'destination', destinationId: 'ch', state: 'ACTIVE' }, { kind: 'sessionStarted' }]);
    expect(events).toEqual(['Session Start', 'Destination Start:ch']);
    expect(s.state).toBe('ACTIVE');
  });

  it('reports a reconnect, and a destination that fails for good fails the whole composition', () => {
    const { s, events, stops } = run([
      { kind: 'sessionStarted' },
      { kind: 'destination', destinationId: 'ch', state: 'ACTIVE' },
      { kind: 'destination', destinationId: 's3', state: 'ACTIVE' },
      { kind: 'destination', destinationId: 'ch', state: 'RECONNECTING' },
      { kind: 'destination', destinationId: 'ch', state: 'FAILED', error: { code: 'X', message: 'retries exhausted' } },
      { kind: 'mediaStopped' },
    ]);
    expect(events).toEqual([
      'Session Start',
      'Destination Start:ch',
      'Destination Start:s3',
      'Destination Reconnecting:ch',
      'Destination Failure:ch',
      'Destination End:s3',
      'Session Failure',
    ]);
    expect(stops).toEqual([false, false, false, false, true, false]);
    expect(s.state).toBe('FAILED');
    expect(s.destinations.map((d) => d.state)).toEqual(['FAILED', 'STOPPED']);
    expect(s.failure).toEqual({ code: 'X', message: 'retries exhausted' });
  });

  it('fails at once when the pipeline never came up: no Session Start, destinations FAILED', () => {
    const { s, events } = run([{ kind: 'failed', error: { code: 'E', message: 'no ffmpeg' }, mediaRunning: false }]);
    expect(events).toEqual(['Session Failure']);
    expect(s.state).toBe('FAILED');
    expect(s.destinations.map((d) => d.state)).toEqual(['FAILED', 'FAILED']);
  });

  it('stops the media when the pipeline fails while running, and ends FAILED once it has stopped', () => {
    const { s, events, stops } = run([
      { kind: 'sessionStarted' },
      { kind: 'failed', error: { code: 'STAGE_DELETED', message: 'The stage was deleted.' }, mediaRunning: true },
      { kind: 'mediaStopped' },
    ]);
    expect(stops).toEqual([false, true, false]);
    expect(events).toEqual(['Session Start', 'Destination End:ch', 'Destination End:s3', 'Session Failure']);
    expect(s.state).toBe('FAILED');
  });

  it('ends the composition when its last destination ends on its own', () => {
    const one: CompositionSnapshot = {
      state: 'STARTING',
      failure: null,
      destinations: [{ id: 'ch', state: 'STARTING', configuration: CHANNEL }],
    };
    const { s, events, stops } = run(
      [
        { kind: 'sessionStarted' },
        { kind: 'destination', destinationId: 'ch', state: 'ACTIVE' },
        { kind: 'destination', destinationId: 'ch', state: 'STOPPED' },
        { kind: 'mediaStopped' },
      ],
      one,
    );
    expect(stops).toEqual([false, false, true, false]);
    expect(events).toEqual(['Session Start', 'Destination Start:ch', 'Destination End:ch', 'Session End']);
    expect(s.state).toBe('STOPPED');
  });

  it('ignores repeated and late reports: a stop while stopping, anything after the end', () => {
    const stopping = run([{ kind: 'sessionStarted' }, { kind: 'stopRequested' }]).s;
    expect(applyCompositionFact(stopping, { kind: 'stopRequested' }, T0)).toEqual({ next: stopping, events: [], stopMedia: false });
    const ended = run([{ kind: 'mediaStopped' }], stopping).s;
    for (const fact of [
      { kind: 'sessionStarted' },
      { kind: 'destination', destinationId: 'ch', state: 'ACTIVE' },
      { kind: 'failed', error: { code: 'E', message: 'late' }, mediaRunning: true },
      { kind: 'mediaStopped' },
    ] as CompositionFact[]) {
      expect(applyCompositionFact(ended, fact, T0)).toEqual({ next: ended, events: [], stopMedia: false });
    }
  });
});

describe('isVisible: a stopped composition is deleted a few minutes after it ended', () => {
  const now = new Date('2026-12-03T12:10:00Z');
  it('shows running ones always and ended ones until the retention has passed', () => {
    expect(isVisible({ state: 'ACTIVE', endTime: null }, now, 300_000)).toBe(true);
    expect(isVisible({ state: 'STOPPED', endTime: new Date('2026-12-03T12:06:00Z') }, now, 300_000)).toBe(true);
    expect(isVisible({ state: 'STOPPED', endTime: new Date('2026-12-03T12:05:00Z') }, now, 300_000)).toBe(false);
  });
});

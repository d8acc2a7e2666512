import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatIvsEventErrors, IvsEvent, parseIvsEvent, parseIvsEventBatch, ParseResult } from './ivs-events.parser';

const FIXTURES = resolve(__dirname, '../fixtures');
const CHANNEL_ARN = 'arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij';
const STAGE_ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/XyZabc3D4efg';

function fixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8'));
}

function parsed(input: unknown): IvsEvent {
  const result = parseIvsEvent(input);
  if (!result.ok) throw new Error(`expected ok, got ${formatIvsEventErrors(result.errors)}`);
  return result.event;
}

function errorsOf(result: ParseResult) {
  if (result.ok) throw new Error(`expected errors, got a ${result.event.kind} event`);
  return result.errors;
}

/** Deep copy of a fixture with one change applied. */
function mutate(name: string, change: (e: Record<string, any>) => void): Record<string, any> {
  const event = fixture(name);
  change(event);
  return event;
}

describe('parseIvsEvent on the sample events', () => {
  const expected: Record<string, Partial<Record<string, unknown>>> = {
    'session-created': {
      kind: 'stream-state',
      name: 'Session Created',
      channelArn: CHANNEL_ARN,
      channelName: 'alice',
      streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ',
    },
    'stream-start': {
      kind: 'stream-state',
      name: 'Stream Start',
      channelArn: CHANNEL_ARN,
      streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ',
      code: null,
      reason: null,
    },
    'stream-end': { kind: 'stream-state', name: 'Stream End', streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ' },
    'session-ended': { kind: 'stream-state', name: 'Session Ended' },
    'stream-failure': {
      kind: 'stream-state',
      name: 'Stream Failure',
      streamId: 'st-2G7kEk1u4aW12dYLf6eTdJK',
      code: 'InvalidInput',
      reason: 'unsupported codec',
    },
    'recording-start': {
      kind: 'recording',
      name: 'Recording Start',
      channelArn: CHANNEL_ARN,
      s3BucketName: 'streamcat-vod',
      s3KeyPrefix: 'ivs/v1/123456789012/AbCdef1G2hij/2026/11/20/18/5/k9Zp2Qr7Xy1w',
      durationMs: null,
      recordingSessionId: 'k9Zp2Qr7Xy1w',
      recordingSessionStreamIds: ['st-1F6jDj0t3zV01cXKe5dScIJ'],
      reason: null,
    },
    'recording-end': { kind: 'recording', name: 'Recording End', durationMs: 2429000, streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ' },
    'recording-start-failure': {
      kind: 'recording',
      name: 'Recording Start Failure',
      reason: 'S3 access denied',
      s3KeyPrefix: null,
      recordingSessionId: null,
      recordingSessionStreamIds: [],
    },
    'starvation-start': {
      kind: 'stream-health',
      name: 'Starvation Start',
      channelArn: CHANNEL_ARN,
      streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ',
    },
    'starvation-end': { kind: 'stream-health', name: 'Starvation End' },
    'limit-breach': {
      kind: 'limit-breach',
      resourceArn: CHANNEL_ARN,
      limitName: 'Stream Bitrate',
      limitValue: 8500000,
      exceededBy: 1000000,
      limitUnit: 'bits per second',
    },
    'stage-participant-published': {
      kind: 'stage-update',
      name: 'Participant Published',
      stageArn: STAGE_ARN,
      sessionId: 'st-ZyXwvu1T2s3r4q5',
      userId: '2',
      participantId: 'xYz1c2d3e4f5',
      eventTime: null,
      errorCode: null,
    },
    'stage-participant-unpublished': { kind: 'stage-update', name: 'Participant Unpublished', participantId: 'xYz1c2d3e4f5' },
    'stage-publish-error': { kind: 'stage-update', name: 'Participant Publish Error', userId: '3', errorCode: 'BITRATE_EXCEEDED' },
    'composition-session-start': {
      kind: 'composition',
      name: 'Session Start',
      compositionArn: 'arn:aws:ivs:us-east-1:123456789012:composition/cOmPoSiTiOn1',
      stageArn: STAGE_ARN,
    },
    'participant-recording-end': {
      kind: 'participant-recording',
      name: 'Recording End',
      stageArn: STAGE_ARN,
      sessionId: 'st-ZyXwvu1T2s',
      participantId: 'xYz1c2d3e4f5',
      s3BucketName: 'streamcat-recordings',
      s3KeyPrefix: 'XyZabc3D4efg/st-ZyXwvu1T2s/xYz1c2d3e4f5/1763662080000',
      reason: null,
    },
  };

  it('has an expectation for every fixture file (a new fixture must be added here)', () => {
    const files = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s parses to the expected normalised event', (name, fields) => {
    const raw = fixture(name);
    const event = parsed(raw);
    expect(event).toMatchObject(fields);
    expect(event.id).toBe(raw.id);
    expect(event.time.toISOString()).toBe(new Date(raw.time).toISOString());
    expect(event.account).toBe('123456789012');
    expect(event.region).toBe('us-east-1');
    expect(event.detailType).toBe(raw['detail-type']);
    expect(event.raw).toEqual(raw);
  });
});

describe('parseIvsEvent tolerance', () => {
  it('accepts extra fields AWS may add, inside detail and on the envelope', () => {
    const event = parsed(
      mutate('stream-start', (e) => {
        e.detail.new_aws_field = { nested: [1, 2] };
        e['replay-name'] = 'replay-1';
      }),
    );
    expect(event).toMatchObject({ kind: 'stream-state', name: 'Stream Start' });
    expect((event.raw.detail as any).new_aws_field).toEqual({ nested: [1, 2] });
  });

  it('reads `limit` when AWS spells the limit name that way', () => {
    const event = parsed(
      mutate('limit-breach', (e) => {
        e.detail.limit = e.detail.limit_name;
        delete e.detail.limit_name;
      }),
    );
    expect(event).toMatchObject({ kind: 'limit-breach', limitName: 'Stream Bitrate' });
  });

  it('accepts timestamps with offsets and fractions', () => {
    const event = parsed(mutate('stream-start', (e) => (e.time = '2026-11-20T20:05:00.250+02:00')));
    expect(event.time.toISOString()).toBe('2026-11-20T18:05:00.250Z');
  });

  it('reads the optional stage event_time', () => {
    const event = parsed(mutate('stage-participant-published', (e) => (e.detail.event_time = '2026-11-20T18:05:59Z')));
    expect(event).toMatchObject({ kind: 'stage-update', eventTime: new Date('2026-11-20T18:05:59Z') });
  });

  it('marks a well-formed event we do not handle as unhandled rather than an error', () => {
    const otherType = parsed(
      mutate('stream-start', (e) => {
        e['detail-type'] = 'IVS Participant Replication State Change';
        e.detail = { event_name: 'Replication Start', anything: true };
      }),
    );
    expect(otherType).toMatchObject({
      kind: 'unhandled',
      detailType: 'IVS Participant Replication State Change',
      name: 'Replication Start',
      resources: [CHANNEL_ARN],
    });

    const otherName = parsed(mutate('stream-start', (e) => (e.detail = { event_name: 'Stream Teleport' })));
    expect(otherName).toMatchObject({ kind: 'unhandled', detailType: 'IVS Stream State Change', name: 'Stream Teleport' });

    const otherStatus = parsed(mutate('recording-start', (e) => (e.detail.recording_status = 'Recording Paused')));
    expect(otherStatus).toMatchObject({ kind: 'unhandled', name: 'Recording Paused' });
  });
});

describe('parseIvsEvent rejects malformed events, naming the field', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['missing id', mutate('stream-start', (e) => delete e.id), 'id', /required/],
    ['empty id', mutate('stream-start', (e) => (e.id = '')), 'id', /.+/],
    ['id over 128 characters', mutate('stream-start', (e) => (e.id = 'a'.repeat(129))), 'id', /128/],
    ['unparseable time', mutate('stream-start', (e) => (e.time = 'yesterday')), 'time', /RFC 3339/],
    ['impossible date', mutate('stream-start', (e) => (e.time = '2026-02-30T10:00:00Z')), 'time', /RFC 3339/],
    ['time as epoch number', mutate('stream-start', (e) => (e.time = 1795197900000)), 'time', /.+/],
    ['empty resources', mutate('stream-start', (e) => (e.resources = [])), 'resources', /1/],
    ['resource not an ARN', mutate('stream-start', (e) => (e.resources = ['channel/AbCdef1G2hij'])), 'resources.0', /ARN/],
    ['ARN over 256 characters', mutate('stream-start', (e) => (e.resources = [`${CHANNEL_ARN}${'x'.repeat(250)}`])), 'resources.0', /256/],
    ['wrong source', mutate('stream-start', (e) => (e.source = 'aws.s3')), 'source', /aws\.ivs/],
    ['wrong version', mutate('stream-start', (e) => (e.version = 0)), 'version', /.+/],
    ['bad account', mutate('stream-start', (e) => (e.account = '1234')), 'account', /12-digit/],
    ['bad region', mutate('stream-start', (e) => (e.region = 'US EAST')), 'region', /region/],
    ['detail not an object', mutate('stream-start', (e) => (e.detail = 'Stream Start')), 'detail', /object/],
    ['detail missing stream_id', mutate('stream-start', (e) => delete e.detail.stream_id), 'detail.stream_id', /^required$/],
    [
      'stream_id is a number',
      mutate('stream-start', (e) => (e.detail.stream_id = 42)),
      'detail.stream_id',
      /expected string, received number/,
    ],
    [
      'stream_id over 128 characters',
      mutate('stream-start', (e) => (e.detail.stream_id = 'st-'.padEnd(129, 'x'))),
      'detail.stream_id',
      /128/,
    ],
    [
      'channel_name over 128 characters',
      mutate('stream-end', (e) => (e.detail.channel_name = 'c'.repeat(129))),
      'detail.channel_name',
      /128/,
    ],
    ['event_name missing', mutate('stream-start', (e) => delete e.detail.event_name), 'detail.event_name', /^required$/],
    [
      'event_name a number',
      mutate('stream-start', (e) => (e.detail.event_name = 7)),
      'detail.event_name',
      /expected string, received number/,
    ],
    ['channel event naming a stage', mutate('stream-start', (e) => (e.resources = [STAGE_ARN])), 'resources.0', /channel ARN/],
    [
      'stage event naming a channel',
      mutate('stage-participant-published', (e) => (e.resources = [CHANNEL_ARN])),
      'resources.0',
      /stage ARN/,
    ],
    ['recording status missing', mutate('recording-end', (e) => delete e.detail.recording_status), 'detail.recording_status', /^required$/],
    ['negative duration', mutate('recording-end', (e) => (e.detail.recording_duration_ms = -5)), 'detail.recording_duration_ms', /.+/],
    [
      'duration as a string',
      mutate('recording-end', (e) => (e.detail.recording_duration_ms = '2429000')),
      'detail.recording_duration_ms',
      /expected number/,
    ],
    [
      'session stream ids not strings',
      mutate('recording-end', (e) => (e.detail.recording_session_stream_ids = [1])),
      'detail.recording_session_stream_ids.0',
      /expected string/,
    ],
    ['limit name missing in both spellings', mutate('limit-breach', (e) => delete e.detail.limit_name), 'detail.limit_name', /required/],
    ['limit value as a string', mutate('limit-breach', (e) => (e.detail.limit_value = '8500000')), 'detail.limit_value', /expected number/],
    [
      'participant_id missing',
      mutate('stage-participant-published', (e) => delete e.detail.participant_id),
      'detail.participant_id',
      /^required$/,
    ],
    ['session_id missing', mutate('stage-participant-unpublished', (e) => delete e.detail.session_id), 'detail.session_id', /^required$/],
    ['bad event_time', mutate('stage-participant-published', (e) => (e.detail.event_time = 'soon')), 'detail.event_time', /RFC 3339/],
    [
      'composition stage_arn missing',
      mutate('composition-session-start', (e) => delete e.detail.stage_arn),
      'detail.stage_arn',
      /^required$/,
    ],
    [
      'participant recording without participant_id',
      mutate('participant-recording-end', (e) => delete e.detail.participant_id),
      'detail.participant_id',
      /^required$/,
    ],
    [
      'participant recording naming a channel',
      mutate('participant-recording-end', (e) => (e.resources = [CHANNEL_ARN])),
      'resources.0',
      /stage ARN/,
    ],
    [
      'composition stage_arn not a stage',
      mutate('composition-session-start', (e) => (e.detail.stage_arn = CHANNEL_ARN)),
      'detail.stage_arn',
      /stage ARN/,
    ],
  ];

  it.each(cases)('%s', (_label, input, path, message) => {
    const errors = errorsOf(parseIvsEvent(input));
    const hit = errors.find((e) => e.path === path);
    expect(hit).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('refuses what PostgreSQL cannot store (a NUL in any string or key, however deep; absurd nesting), naming where', () => {
    expect(errorsOf(parseIvsEvent(mutate('stream-start', (e) => (e.detail.note = 'a \u0000 byte'))))).toEqual([
      { path: 'detail.note', message: 'must not contain NUL characters' },
    ]);
    expect(errorsOf(parseIvsEvent(mutate('stream-start', (e) => (e.detail.extra = { list: ['ok', 'x\u0000'] }))))).toEqual([
      { path: 'detail.extra.list.1', message: 'must not contain NUL characters' },
    ]);
    expect(errorsOf(parseIvsEvent(mutate('stream-start', (e) => (e['replay\u0000name'] = 'r'))))).toEqual([
      { path: 'replay\\0name', message: 'names must not contain NUL characters' },
    ]);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 40; i++) deep = (deep.next = {}) as Record<string, unknown>;
    const nested = errorsOf(parseIvsEvent(mutate('stream-start', (e) => (e.detail.extra = root))));
    expect(nested).toHaveLength(1);
    expect(nested[0]!.message).toMatch(/nested too deeply/);
    // The same event without them is fine.
    expect(parseIvsEvent(mutate('stream-start', (e) => (e.detail.note = 'a byte'))).ok).toBe(true);
  });

  it('reports every bad field at once, not just the first', () => {
    const errors = errorsOf(
      parseIvsEvent(
        mutate('stream-start', (e) => {
          delete e.id;
          e.time = 'nope';
        }),
      ),
    );
    expect(errors.map((e) => e.path).sort()).toEqual(['id', 'time']);
  });

  it.each([null, undefined, 'Stream Start', 42, true, [], [fixture('stream-start')]])('rejects non-object input %p', (input) => {
    const errors = errorsOf(parseIvsEvent(input));
    expect(errors).toEqual([{ path: '', message: expect.stringMatching(/^expected an event object, received \w+$/) }]);
  });

  it('formats errors as one readable line', () => {
    const errors = errorsOf(parseIvsEvent(mutate('stream-start', (e) => delete e.detail.stream_id)));
    expect(formatIvsEventErrors(errors)).toBe('detail.stream_id: required');
    expect(formatIvsEventErrors([{ path: '', message: 'x' }])).toBe('event: x');
  });
});

describe('parseIvsEventBatch', () => {
  it('treats a single object as a batch of one', () => {
    const result = parseIvsEventBatch(fixture('stream-start'));
    expect(result).toMatchObject({ ok: true, results: [{ ok: true, event: { kind: 'stream-state' } }] });
  });

  it('judges each item on its own, keeping order', () => {
    const result = parseIvsEventBatch([fixture('stream-start'), { nope: true }, fixture('recording-end')]);
    if (!result.ok) throw new Error('expected ok');
    expect(result.results.map((r) => (r.ok ? r.event.kind : 'error'))).toEqual(['stream-state', 'error', 'recording']);
  });

  it('accepts exactly 100 and rejects 0 or 101 as a whole', () => {
    const event = fixture('stream-start');
    const hundred = parseIvsEventBatch(Array.from({ length: 100 }, () => event));
    expect(hundred.ok && hundred.results.length).toBe(100);

    expect(parseIvsEventBatch([])).toEqual({ ok: false, errors: [{ path: '', message: 'expected at least 1 event' }] });
    const tooMany = parseIvsEventBatch(Array.from({ length: 101 }, () => event));
    expect(tooMany).toEqual({ ok: false, errors: [{ path: '', message: expect.stringMatching(/at most 100.*101/) }] });
  });
});

describe('parseIvsEvent never throws on junk', () => {
  // Small deterministic PRNG so a failure is reproducible from the printed seed.
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      return s / 0x100000000;
    };
  }

  function junk(rand: () => number, depth: number): unknown {
    const pick = Math.floor(rand() * 10);
    switch (pick) {
      case 0:
        return null;
      case 1:
        return undefined;
      case 2:
        return rand() * 1e6 - 5e5;
      case 3:
        return 'x'.repeat(Math.floor(rand() * 300));
      case 4:
        return rand() < 0.5;
      case 5:
        return depth > 0 ? Array.from({ length: Math.floor(rand() * 4) }, () => junk(rand, depth - 1)) : [];
      case 6:
        return NaN;
      case 7:
        return '2026-11-20T18:05:00Z';
      default: {
        if (depth <= 0) return {};
        const o: Record<string, unknown> = {};
        for (let i = Math.floor(rand() * 4); i > 0; i--) o[`k${Math.floor(rand() * 5)}`] = junk(rand, depth - 1);
        return o;
      }
    }
  }

  const samples = ['stream-start', 'recording-end', 'limit-breach', 'stage-publish-error', 'composition-session-start'].map(fixture);
  const fields = ['id', 'time', 'source', 'detail-type', 'resources', 'detail', 'version', 'account', 'region'];
  const detailFields = [
    'event_name',
    'recording_status',
    'stream_id',
    'channel_name',
    'limit_value',
    'participant_id',
    'stage_arn',
    'recording_session_stream_ids',
  ];

  it('returns a result for 2000 random inputs and corrupted real events', () => {
    for (let seed = 1; seed <= 1000; seed++) {
      const rand = rng(seed);
      const pure = junk(rand, 3);
      const corrupted = structuredClone(samples[seed % samples.length]);
      corrupted[fields[Math.floor(rand() * fields.length)]] = junk(rand, 2);
      if (corrupted.detail && typeof corrupted.detail === 'object') {
        corrupted.detail[detailFields[Math.floor(rand() * detailFields.length)]] = junk(rand, 2);
      }
      for (const input of [pure, corrupted]) {
        let result: ParseResult | undefined;
        expect(() => (result = parseIvsEvent(input))).not.toThrow();
        expect(typeof result!.ok).toBe('boolean');
        if (!result!.ok) expect(result!.errors.length).toBeGreaterThan(0);
      }
    }
  });

  it('survives an object whose getter throws', () => {
    const hostile = fixture('stream-start');
    Object.defineProperty(hostile, 'id', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(parseIvsEvent(hostile)).toEqual({ ok: false, errors: [{ path: '', message: 'unreadable input' }] });
  });
});

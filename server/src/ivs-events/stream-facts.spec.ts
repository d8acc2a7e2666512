import { buildRecordingEvent, buildStreamHealthEvent, buildStreamStateEvent, parseIvsEvent } from '@streamcat/ivs-events';
import { emptyStreamRow, mergeStreamEvent, recordingReady, StreamEvent, StreamRow } from './stream-facts';

const channelArn = 'arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij';
const common = { channelArn, channelName: 'alice', streamId: 'st-1' };
const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 18, 5, s));

function parsed(envelope: unknown): StreamEvent {
  const r = parseIvsEvent(envelope);
  if (!r.ok || (r.event.kind !== 'stream-state' && r.event.kind !== 'recording' && r.event.kind !== 'stream-health'))
    throw new Error('bad fixture');
  return r.event;
}

const prefix = 'ivs/v1/123456789012/AbCdef1G2hij/2026/11/20/18/5/k9Zp2Qr7Xy1w';
const broadcast: StreamEvent[] = [
  parsed(buildStreamStateEvent({ ...common, name: 'Session Created', time: at(0), id: 'e1' })),
  parsed(buildStreamStateEvent({ ...common, name: 'Stream Start', time: at(1), id: 'e2' })),
  parsed(buildRecordingEvent({ ...common, status: 'Recording Start', time: at(1), id: 'e3', s3BucketName: 'b', s3KeyPrefix: prefix })),
  parsed(buildStreamHealthEvent({ ...common, name: 'Starvation Start', time: at(20), id: 'e4' })),
  parsed(buildStreamHealthEvent({ ...common, name: 'Starvation End', time: at(20), id: 'e0' })),
  parsed(buildStreamStateEvent({ ...common, name: 'Stream End', time: at(40), id: 'e6' })),
  parsed(
    buildRecordingEvent({
      ...common,
      status: 'Recording End',
      time: at(41),
      id: 'e7',
      s3BucketName: 'b',
      s3KeyPrefix: prefix,
      durationMs: 40000,
    }),
  ),
  parsed(buildStreamStateEvent({ ...common, name: 'Session Ended', time: at(45), id: 'e8' })),
];

const channel = { id: 'c1', title: 'Cooking live', categoryId: 2 };
const fold = (events: StreamEvent[]): StreamRow => events.reduce(mergeStreamEvent, emptyStreamRow('st-1', channel));

// Small seeded PRNG (mulberry32): failures are reproducible from the seed.
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mergeStreamEvent', () => {
  it('builds the broadcast row: start only from Start, end only from End, recording and health facts', () => {
    const row = fold(broadcast);
    expect(row).toMatchObject({
      title: 'Cooking live',
      categoryId: 2,
      startedAt: at(1),
      startEventId: 'e2',
      endedAt: at(40),
      endReason: null,
      sessionCreatedAt: at(0),
      sessionEndedAt: at(45),
      // Starvation End shares Starvation Start's second and sorts before it by id: the lifecycle wins.
      health: 'HEALTHY',
      recordingStartedAt: at(1),
      recordingEndedAt: at(41),
      recordingDurationMs: 40000,
      recordingKeyPrefix: prefix,
    });
    expect(recordingReady(row)).toBe(true);
  });

  it('ends in the same row for 200 random orders with random redeliveries', () => {
    const expected = fold(broadcast);
    const random = rng(42);
    for (let run = 0; run < 200; run++) {
      const events = [...broadcast, ...broadcast.filter(() => random() < 0.3)];
      for (let i = events.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [events[i], events[j]] = [events[j]!, events[i]!];
      }
      expect(fold(events)).toEqual(expected);
    }
  });

  it('keeps the reason of a Stream Failure and never lets it set started_at', () => {
    const failure = parsed(
      buildStreamStateEvent({ ...common, name: 'Stream Failure', time: at(9), id: 'f', code: 'InvalidInput', reason: 'unsupported codec' }),
    );
    const row = fold([failure]);
    expect(row).toMatchObject({ startedAt: null, endedAt: at(9), endReason: 'InvalidInput: unsupported codec' });
  });

  it('keeps the first recording start even when a later Start arrives first (the sample overwrote it)', () => {
    const late = parsed(
      buildRecordingEvent({ ...common, status: 'Recording Start', time: at(30), id: 'r2', s3BucketName: 'b', s3KeyPrefix: prefix }),
    );
    expect(fold([late, broadcast[2]!]).recordingStartedAt).toEqual(at(1));
  });

  it('records a recording failure reason without inventing a VOD', () => {
    const failed = parsed(
      buildRecordingEvent({
        ...common,
        status: 'Recording Start Failure',
        time: at(3),
        id: 'rf',
        s3BucketName: 'b',
        s3KeyPrefix: '',
        reason: 'S3 access denied',
      }),
    );
    const row = fold([failed]);
    expect(row).toMatchObject({ recordingFailureReason: 'S3 access denied', recordingKeyPrefix: null });
    expect(recordingReady(row)).toBe(false);
  });
});

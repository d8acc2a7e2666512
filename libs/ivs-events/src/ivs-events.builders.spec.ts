import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  buildCompositionEvent,
  buildLimitBreachEvent,
  buildRecordingEvent,
  buildStageUpdateEvent,
  buildStreamHealthEvent,
  buildStreamStateEvent,
  formatIvsTime,
} from './ivs-events.builders';
import { IvsEvent, parseIvsEvent } from './ivs-events.parser';

const FIXTURES = resolve(__dirname, '../fixtures');
const CHANNEL_ARN = 'arn:aws:ivs:us-east-1:123456789012:channel/AbCdef1G2hij';
const STAGE_ARN = 'arn:aws:ivs:us-east-1:123456789012:stage/XyZabc3D4efg';
const T = new Date('2026-11-20T18:05:00Z');

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(resolve(FIXTURES, `${name}.json`), 'utf8'));
}

function roundTrip(envelope: unknown): IvsEvent {
  const result = parseIvsEvent(envelope);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.event;
}

describe('builders produce what AWS sends', () => {
  it('a built Stream Start is identical to the AWS sample', () => {
    const built = buildStreamStateEvent({
      id: '0a1b2c3d-0000-4000-8000-000000000002',
      time: new Date('2026-11-20T18:05:01Z'),
      name: 'Stream Start',
      channelArn: CHANNEL_ARN,
      channelName: 'alice',
      streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ',
    });
    expect(built).toEqual(fixture('stream-start'));
  });

  it('a built Recording End is identical to the AWS sample', () => {
    const built = buildRecordingEvent({
      id: '0a1b2c3d-0000-4000-8000-000000000007',
      time: new Date('2026-11-20T18:45:31Z'),
      status: 'Recording End',
      channelArn: CHANNEL_ARN,
      channelName: 'alice',
      streamId: 'st-1F6jDj0t3zV01cXKe5dScIJ',
      s3BucketName: 'streamcat-vod',
      s3KeyPrefix: 'ivs/v1/123456789012/AbCdef1G2hij/2026/11/20/18/5/k9Zp2Qr7Xy1w',
      durationMs: 2429000,
      recordingSessionId: 'k9Zp2Qr7Xy1w',
    });
    expect(built).toEqual(fixture('recording-end'));
  });

  it('a built Participant Published is identical to the AWS sample', () => {
    const built = buildStageUpdateEvent({
      id: '0a1b2c3d-0000-4000-8000-00000000000c',
      time: new Date('2026-11-20T18:06:00Z'),
      name: 'Participant Published',
      stageArn: STAGE_ARN,
      sessionId: 'st-ZyXwvu1T2s3r4q5',
      participantId: 'xYz1c2d3e4f5',
      userId: '2',
    });
    expect(built).toEqual(fixture('stage-participant-published'));
  });

  it('round-trips every builder through the parser', () => {
    expect(
      roundTrip(
        buildStreamStateEvent({
          time: T,
          name: 'Stream Failure',
          channelArn: CHANNEL_ARN,
          channelName: 'alice',
          streamId: 'st-1',
          code: 'InvalidInput',
          reason: 'bad codec',
        }),
      ),
    ).toMatchObject({
      kind: 'stream-state',
      name: 'Stream Failure',
      channelArn: CHANNEL_ARN,
      streamId: 'st-1',
      code: 'InvalidInput',
      reason: 'bad codec',
      time: T,
    });
    expect(
      roundTrip(
        buildRecordingEvent({
          time: T,
          status: 'Recording Start',
          channelArn: CHANNEL_ARN,
          channelName: 'alice',
          streamId: 'st-1',
          s3BucketName: 'b',
          s3KeyPrefix: 'ivs/v1/x',
          recordingSessionId: 'r1',
        }),
      ),
    ).toMatchObject({
      kind: 'recording',
      name: 'Recording Start',
      s3KeyPrefix: 'ivs/v1/x',
      durationMs: null,
      recordingSessionStreamIds: ['st-1'],
    });
    expect(
      roundTrip(
        buildStreamHealthEvent({ time: T, name: 'Starvation Start', channelArn: CHANNEL_ARN, channelName: 'alice', streamId: 'st-1' }),
      ),
    ).toMatchObject({
      kind: 'stream-health',
      name: 'Starvation Start',
    });
    expect(
      roundTrip(
        buildLimitBreachEvent({
          time: T,
          resourceArn: CHANNEL_ARN,
          limitName: 'Stream Bitrate',
          limitValue: 8500000,
          exceededBy: 1,
          limitUnit: 'bits per second',
        }),
      ),
    ).toMatchObject({
      kind: 'limit-breach',
      limitName: 'Stream Bitrate',
      exceededBy: 1,
    });
    const eventTime = new Date('2026-11-20T18:04:59.500Z');
    expect(
      roundTrip(
        buildStageUpdateEvent({
          time: T,
          name: 'Participant Publish Error',
          stageArn: STAGE_ARN,
          sessionId: 's1',
          participantId: 'p1',
          errorCode: 'BITRATE_EXCEEDED',
          eventTime,
        }),
      ),
    ).toMatchObject({
      kind: 'stage-update',
      userId: null,
      errorCode: 'BITRATE_EXCEEDED',
      eventTime,
    });
    expect(
      roundTrip(
        buildCompositionEvent({
          time: T,
          name: 'Destination Reconnecting',
          compositionArn: 'arn:aws:ivs:eu-west-1:000000000000:composition/c1',
          stageArn: 'arn:aws:ivs:eu-west-1:000000000000:stage/s1',
        }),
      ),
    ).toMatchObject({
      kind: 'composition',
      name: 'Destination Reconnecting',
      region: 'eu-west-1',
      account: '000000000000',
    });
  });

  it('takes account and region from the ARN, and gives each event a fresh uuid', () => {
    const input = {
      time: T,
      name: 'Stream End' as const,
      channelArn: 'arn:aws:ivs:ap-south-1:111122223333:channel/x1',
      channelName: 'c',
      streamId: 's',
    };
    const a = buildStreamStateEvent(input);
    const b = buildStreamStateEvent(input);
    expect(a).toMatchObject({ account: '111122223333', region: 'ap-south-1', source: 'aws.ivs', version: '0' });
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
  });

  it('refuses to guess account and region from something that is not an IVS ARN', () => {
    expect(() =>
      buildStreamHealthEvent({ time: T, name: 'Starvation End', channelArn: 'not-an-arn', channelName: 'c', streamId: 's' }),
    ).toThrow(/account\/region/);
  });

  it('writes times like AWS, keeping milliseconds only when present', () => {
    expect(formatIvsTime(new Date('2026-11-20T18:05:00.000Z'))).toBe('2026-11-20T18:05:00Z');
    expect(formatIvsTime(new Date('2026-11-20T18:05:00.042Z'))).toBe('2026-11-20T18:05:00.042Z');
  });
});

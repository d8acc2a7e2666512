import {
  buildParticipantRecordingEvent,
  parseIvsEvent,
  type ParticipantRecordingEvent,
  type ParticipantRecordingName,
} from '@streamcat/ivs-events';
import { emptyFacts, mergeParticipantRecording, recordingDurationMs, recordingState } from './participant-recording-facts';

const STAGE = 'arn:aws:ivs:us-east-1:123456789012:stage/AbCdEf123456';
const PREFIX = 'AbCdEf123456/st-1/p1/1000';

function event(name: ParticipantRecordingName, at: string, id: string, reason?: string): ParticipantRecordingEvent {
  const r = parseIvsEvent(
    buildParticipantRecordingEvent({
      name,
      time: new Date(at),
      id,
      stageArn: STAGE,
      sessionId: 'st-1',
      participantId: 'p1',
      bucketName: 'b',
      keyPrefix: PREFIX,
      ...(reason ? { reason } : {}),
    }),
  );
  if (!r.ok || r.event.kind !== 'participant-recording') throw new Error('bad sample');
  return r.event;
}

const fold = (events: ParticipantRecordingEvent[]) => events.reduce(mergeParticipantRecording, emptyFacts(events[0], PREFIX));

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('mergeParticipantRecording', () => {
  const start = event('Recording Start', '2026-12-04T10:00:00.000Z', 'a');
  const end = event('Recording End', '2026-12-04T10:00:20.400Z', 'b');

  it('Start then End: ready, with the span between them', () => {
    const f = fold([start, end]);
    expect(recordingState(f)).toBe('ready');
    expect(recordingDurationMs(f)).toBe(20_400);
  });

  it('gives the same row for every order and any repeats', () => {
    const restart = event('Recording Start', '2026-12-04T10:00:05.000Z', 'c');
    const laterEnd = event('Recording End', '2026-12-04T10:00:10.000Z', 'd');
    const all = [start, end, restart, laterEnd];
    const expected = fold(all);
    for (const order of permutations(all)) {
      expect(fold(order)).toEqual(expected);
      expect(fold([...order, ...order.slice(0, 2)])).toEqual(expected);
    }
    expect(expected).toMatchObject({ startEventId: 'a', endEventId: 'b' });
  });

  it('an End before its Start is ready but has no duration until the Start comes', () => {
    const f = fold([end]);
    expect(recordingState(f)).toBe('ready');
    expect(recordingDurationMs(f)).toBeNull();
    expect(recordingDurationMs(mergeParticipantRecording(f, start))).toBe(20_400);
  });

  it('a failure wins over an End and says why', () => {
    const f = fold([start, end, event('Recording End Failure', '2026-12-04T10:00:21Z', 'e', 'disk full')]);
    expect(recordingState(f)).toBe('failed');
    expect(f.failure).toBe('Recording End Failure: disk full');
  });
});

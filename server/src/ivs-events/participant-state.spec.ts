import { buildStageUpdateEvent, parseIvsEvent, StageUpdateEvent } from '@streamcat/ivs-events';
import { mergeParticipantEvent, ParticipantRow } from './participant-state';

const stageArn = 'arn:aws:ivs:us-east-1:123456789012:stage/XyZabc3D4efg';
const at = (s: number) => new Date(Date.UTC(2026, 10, 20, 18, 6, s));

function stageEvent(name: StageUpdateEvent['name'], s: number, id: string, extra: { errorCode?: string } = {}): StageUpdateEvent {
  const r = parseIvsEvent(
    buildStageUpdateEvent({ name, stageArn, sessionId: 'ses', participantId: 'p1', userId: '2', time: at(s), id, ...extra }),
  );
  if (!r.ok || r.event.kind !== 'stage-update') throw new Error('bad event');
  return r.event;
}

const fold = (events: StageUpdateEvent[]) => events.reduce<ParticipantRow | null>(mergeParticipantEvent, null);

describe('mergeParticipantEvent', () => {
  const published = stageEvent('Participant Published', 0, 'b');
  const unpublished = stageEvent('Participant Unpublished', 30, 'a');

  it('lets the newest event win whatever the arrival order', () => {
    expect(fold([published, unpublished])?.state).toBe('unpublished');
    expect(fold([unpublished, published])?.state).toBe('unpublished');
  });

  it('puts Unpublished after Published within the same second even when its id sorts first', () => {
    const sameSecond = stageEvent('Participant Unpublished', 0, 'a');
    expect(fold([sameSecond, published])?.state).toBe('unpublished');
    expect(fold([published, sameSecond])?.state).toBe('unpublished');
  });

  it('keeps the error code of a publish error, and ignores replication events', () => {
    const error = stageEvent('Participant Publish Error', 40, 'c', { errorCode: 'BITRATE_EXCEEDED' });
    expect(fold([published, error])).toMatchObject({ state: 'publish-error', errorCode: 'BITRATE_EXCEEDED' });
    const row = fold([published]);
    expect(mergeParticipantEvent(row, stageEvent('Participant Replication Started', 50, 'd'))).toBe(row);
  });
});

import { describe, expect, it } from '@jest/globals';
import { initialStudioDocument } from '@streamcat/protocol';
import { showStageRetryDelayMs, showStageStandby, showStageWanted } from './show-stage.plan';

describe('showStageWanted', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const doc = (onAir: boolean, realtime: 'open' | 'closed') => {
    const d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'me', ownerName: 'alice', now });
    d.members[0]!.status = onAir ? 'on-air' : 'backstage';
    d.live.realtime = { state: realtime, since: now.toISOString() };
    return d;
  };

  it('publishes only while on air and real-time viewing is open', () => {
    expect(showStageWanted(doc(true, 'open'), 'me')).toBe(true);
    expect(showStageWanted(doc(false, 'open'), 'me')).toBe(false);
    expect(showStageWanted(doc(true, 'closed'), 'me')).toBe(false);
    expect(showStageWanted(doc(true, 'open'), 'someone-else')).toBe(false);
    expect(showStageWanted(null, 'me')).toBe(false);
    expect(showStageWanted(doc(true, 'open'), null)).toBe(false);
  });

  it('stands by (a connection ready, nothing sent) only backstage while someone watches', () => {
    expect(showStageStandby(doc(false, 'open'), 'me')).toBe(true);
    expect(showStageStandby(doc(true, 'open'), 'me')).toBe(false);
    expect(showStageStandby(doc(false, 'closed'), 'me')).toBe(false);
    expect(showStageStandby(doc(false, 'open'), 'someone-else')).toBe(false);
    expect(showStageStandby(null, 'me')).toBe(false);
  });

  it('backs off, then tries every 10 s', () => {
    expect([0, 1, 2, 3, 4, 9].map(showStageRetryDelayMs)).toEqual([500, 1_000, 2_000, 5_000, 10_000, 10_000]);
  });
});

import { idleStageVerdict, idleSweepIntervalMs, StudioStageUse } from './idle-stages.policy';

const MIN = 60_000;
const now = new Date('2027-01-01T12:00:00Z');
const idle: StudioStageUse = { lastUsedAt: new Date(now.getTime() - 31 * MIN), realtimeOpen: false, broadcast: 'offline' };

describe('idle studio stages', () => {
  it('keeps a stage used within the idle time', () => {
    expect(idleStageVerdict({ ...idle, lastUsedAt: new Date(now.getTime() - 29 * MIN) }, now, 30 * MIN)).toBe('keep');
  });

  it('keeps a stage while real-time viewing is open or a broadcast is not offline', () => {
    expect(idleStageVerdict({ ...idle, realtimeOpen: true, activeSession: false }, now, 30 * MIN)).toBe('keep');
    for (const broadcast of ['starting', 'live', 'stopping'] as const)
      expect(idleStageVerdict({ ...idle, broadcast, activeSession: false }, now, 30 * MIN)).toBe('keep');
  });

  it('asks IVS before giving back, and keeps it while anyone is connected', () => {
    expect(idleStageVerdict(idle, now, 30 * MIN)).toBe('ask-ivs');
    expect(idleStageVerdict({ ...idle, activeSession: true }, now, 30 * MIN)).toBe('keep');
    expect(idleStageVerdict({ ...idle, activeSession: false }, now, 30 * MIN)).toBe('give-back');
  });

  it('gives back the stage of a studio never opened since it was made', () => {
    expect(idleStageVerdict({ ...idle, broadcast: null, activeSession: false }, now, 30 * MIN)).toBe('give-back');
  });

  it('sweeps every quarter of the idle time, between once a second and once a minute', () => {
    expect(idleSweepIntervalMs(30 * MIN)).toBe(60_000);
    expect(idleSweepIntervalMs(2 * MIN)).toBe(30_000);
    expect(idleSweepIntervalMs(1_000)).toBe(1_000);
  });
});

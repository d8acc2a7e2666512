import { DEFAULT_EMULATOR_LIMITS } from '../../limits/emulator-limits';
import { decidePublish, decideSubscribe, heartbeatDead } from './stage-rules';

const MAX_PUBLISHERS_PER_STAGE = DEFAULT_EMULATOR_LIMITS.quotas.publishersPerStage;

describe('stage rules', () => {
  const publishing = { canPublish: true, maxPublishers: MAX_PUBLISHERS_PER_STAGE };

  it('refuses the 13th publisher (IVS allows 12) but lets a publisher renegotiate at capacity', () => {
    expect(MAX_PUBLISHERS_PER_STAGE).toBe(12);
    expect(decidePublish({ ...publishing, publishers: 11, alreadyPublishing: false }).ok).toBe(true);
    expect(decidePublish({ ...publishing, publishers: 12, alreadyPublishing: false })).toMatchObject({
      ok: false,
      code: 'STAGE_AT_CAPACITY',
      message: 'The stage already has 12 publishers.',
    });
    expect(decidePublish({ ...publishing, publishers: 12, alreadyPublishing: true }).ok).toBe(true);
  });

  it('counts against the configured publishersPerStage quota', () => {
    expect(decidePublish({ ...publishing, maxPublishers: 2, publishers: 2, alreadyPublishing: false })).toMatchObject({
      code: 'STAGE_AT_CAPACITY',
    });
  });

  it('refuses publishing without the PUBLISH capability before counting', () => {
    expect(decidePublish({ ...publishing, canPublish: false, publishers: 0, alreadyPublishing: false })).toMatchObject({
      code: 'PUBLISH_NOT_ALLOWED',
    });
  });

  it('limits distinct subscribers, not subscriptions', () => {
    const base = { canSubscribe: true, maxSubscribers: 2, targetPublishing: true, targetIsSelf: false };
    expect(decideSubscribe({ ...base, subscribers: 2, alreadySubscriber: true }).ok).toBe(true);
    expect(decideSubscribe({ ...base, subscribers: 2, alreadySubscriber: false })).toMatchObject({ code: 'STAGE_AT_CAPACITY' });
    expect(decideSubscribe({ ...base, canSubscribe: false, subscribers: 0, alreadySubscriber: false })).toMatchObject({
      code: 'SUBSCRIBE_NOT_ALLOWED',
    });
    expect(decideSubscribe({ ...base, targetPublishing: false, subscribers: 0, alreadySubscriber: false })).toMatchObject({
      code: 'PARTICIPANT_NOT_PUBLISHING',
    });
  });

  it('drops a heartbeating socket silent for the dead time, but never one that does not ping or while the check ran late', () => {
    const base = { heartbeating: true, deadMs: 4000, checkIntervalMs: 1000, sinceLastCheckMs: 1000 };
    expect(heartbeatDead({ ...base, silentMs: 3999 })).toBe(false);
    expect(heartbeatDead({ ...base, silentMs: 4000 })).toBe(true);
    expect(heartbeatDead({ ...base, heartbeating: false, silentMs: 60_000 })).toBe(false);
    // The loop stalled 5 s: the socket's pings may be queued behind this timer.
    expect(heartbeatDead({ ...base, silentMs: 6000, sinceLastCheckMs: 5000 })).toBe(false);
    expect(heartbeatDead({ ...base, silentMs: 6000, sinceLastCheckMs: 2000 })).toBe(true);
  });
});

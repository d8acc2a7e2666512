import { decidePublish, decideSubscribe, MAX_PUBLISHERS_PER_STAGE } from './stage-rules';

describe('stage rules', () => {
  it('refuses the 13th publisher but lets a publisher renegotiate at capacity', () => {
    expect(decidePublish({ canPublish: true, publishers: MAX_PUBLISHERS_PER_STAGE - 1, alreadyPublishing: false }).ok).toBe(true);
    expect(decidePublish({ canPublish: true, publishers: MAX_PUBLISHERS_PER_STAGE, alreadyPublishing: false })).toMatchObject({
      ok: false,
      code: 'STAGE_AT_CAPACITY',
    });
    expect(decidePublish({ canPublish: true, publishers: MAX_PUBLISHERS_PER_STAGE, alreadyPublishing: true }).ok).toBe(true);
  });

  it('refuses publishing without the PUBLISH capability before counting', () => {
    expect(decidePublish({ canPublish: false, publishers: 0, alreadyPublishing: false })).toMatchObject({ code: 'PUBLISH_NOT_ALLOWED' });
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
});

import { admitCall, checkQuota, PENDING_VERIFICATION_OPERATIONS } from './emulator-admission';
import { DEFAULT_EMULATOR_LIMITS, EmulatorLimits, parseEmulatorLimits } from './emulator-limits';

const limits = (overrides: string): EmulatorLimits => parseEmulatorLimits(overrides) as EmulatorLimits;

describe('admitting a call', () => {
  it('throttles an operation over its rate without touching other operations', () => {
    const l = limits('DisconnectParticipant=1/s');
    const first = admitCall({ operation: 'DisconnectParticipant', limits: l, bucket: undefined, now: 0 });
    expect(first.refusal).toBeNull();
    const second = admitCall({ operation: 'DisconnectParticipant', limits: l, bucket: first.bucket, now: 10 });
    expect(second).toMatchObject({
      refusal: { errorName: 'ThrottlingException', message: 'Request was denied due to request throttling.' },
      retryAfterMs: 990,
    });
    expect(admitCall({ operation: 'GetStage', limits: l, bucket: undefined, now: 10 }).refusal).toBeNull();
  });

  it('answers PendingVerification to changes only, while the account awaits verification', () => {
    const pending = limits('pendingVerification=true');
    expect(admitCall({ operation: 'CreateStage', limits: pending, bucket: undefined, now: 0 }).refusal).toEqual({
      errorName: 'PendingVerification',
      message: 'Your account is pending verification.',
    });
    expect(admitCall({ operation: 'ListStages', limits: pending, bucket: undefined, now: 0 }).refusal).toBeNull();
    expect(admitCall({ operation: 'CreateStage', limits: DEFAULT_EMULATOR_LIMITS, bucket: undefined, now: 0 }).refusal).toBeNull();
    expect([...PENDING_VERIFICATION_OPERATIONS].every((op) => /^(Create|Delete|Disconnect|Start|Update)/.test(op))).toBe(true);
  });

  it('throttles before judging the account: a refused flood is a ThrottlingException', () => {
    const l = limits('pendingVerification=true,CreateStage=1/s');
    const first = admitCall({ operation: 'CreateStage', limits: l, bucket: undefined, now: 0 });
    expect(first.refusal?.errorName).toBe('PendingVerification');
    expect(admitCall({ operation: 'CreateStage', limits: l, bucket: first.bucket, now: 1 }).refusal?.errorName).toBe('ThrottlingException');
  });
});

describe('checking a quota', () => {
  it("refuses the resource past the quota with AWS's sentence and the quota it hit", () => {
    const l = limits('stages=3');
    expect(checkQuota('stages', l, 2, { region: 'eu-west-1' })).toBeNull();
    expect(checkQuota('stages', l, 3, { region: 'eu-west-1' })).toEqual({
      errorName: 'ServiceQuotaExceededException',
      message: 'Request would cause a service quota to be exceeded. Quota: 3 stages per account in eu-west-1.',
    });
    expect(checkQuota('streamKeysPerChannel', DEFAULT_EMULATOR_LIMITS, 1, { region: 'eu-west-1' })?.message).toBe(
      'Request would cause a service quota to be exceeded. Quota: 1 stream keys per channel.',
    );
  });

  it('counts several resources made at once', () => {
    expect(checkQuota('channels', limits('channels=10'), 8, { region: 'us-east-1' }, 2)).toBeNull();
    expect(checkQuota('channels', limits('channels=10'), 9, { region: 'us-east-1' }, 2)).not.toBeNull();
  });
});

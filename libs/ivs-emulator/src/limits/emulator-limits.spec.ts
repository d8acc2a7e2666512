import { DEFAULT_EMULATOR_LIMITS, describeRate, IVS_OPERATION_RATES, parseEmulatorLimits } from './emulator-limits';

describe('emulator limits table', () => {
  it("holds AWS's defaults: 100 stages, 12 publishers, 1 key per channel, 5 compositions, 20 encoder configurations, token mints at 50/s and other calls at 5/s", () => {
    expect(DEFAULT_EMULATOR_LIMITS.quotas).toEqual({
      stages: 100,
      channels: 5000,
      streamKeysPerChannel: 1,
      publishersPerStage: 12,
      compositions: 5,
      encoderConfigurations: 20,
    });
    expect(DEFAULT_EMULATOR_LIMITS.rates.CreateParticipantToken).toEqual({ points: 50, windowMs: 1000 });
    for (const [name, rate] of Object.entries(DEFAULT_EMULATOR_LIMITS.rates)) {
      if (name !== 'CreateParticipantToken') expect([name, rate]).toEqual([name, { points: 5, windowMs: 1000 }]);
    }
    expect(DEFAULT_EMULATOR_LIMITS.pendingVerification).toBe(false);
  });

  it('overrides quotas, rates with any window, and the account standing', () => {
    const limits = parseEmulatorLimits(
      ' stages=3, DisconnectParticipant=5/s,CreateParticipantToken=10/s, ListStages=1/10s,GetStream=30/m,pendingVerification=true ',
    );
    expect(limits).toMatchObject({
      quotas: { stages: 3, channels: 5000 },
      rates: {
        DisconnectParticipant: { points: 5, windowMs: 1000 },
        CreateParticipantToken: { points: 10, windowMs: 1000 },
        ListStages: { points: 1, windowMs: 10_000 },
        GetStream: { points: 30, windowMs: 60_000 },
        CreateStage: { points: 5, windowMs: 1000 },
      },
      pendingVerification: true,
    });
    expect(parseEmulatorLimits('')).toEqual(DEFAULT_EMULATOR_LIMITS);
    expect(parseEmulatorLimits('stages=0')).toMatchObject({ quotas: { stages: 0 } });
  });

  it('lists every bad entry at once, naming what is known', () => {
    const result = parseEmulatorLimits(
      'stage=3,stages=3/s,CreateStage=5,CreateStage=0/s,pendingVerification=yes,streamKeysPerChannel=0,oops',
    );
    expect(result).toEqual({
      errors: [
        expect.stringMatching(
          /^"stage" is neither a quota \(stages, channels, .*\), an operation \(CreateParticipantToken, .*StopStream\) nor pendingVerification$/,
        ),
        '"stages=3/s": stages is a quota, give a whole number (e.g. stages=100)',
        '"CreateStage=5": CreateStage takes a rate like CreateStage=5/s (or 1/10s, 30/m)',
        '"CreateStage=0/s": calls and window must be at least 1',
        '"pendingVerification=yes": pendingVerification is true or false',
        '"streamKeysPerChannel=0": streamKeysPerChannel must be at least 1',
        '"oops" is not name=value',
      ],
    });
  });

  it('does not take inherited object keys for names', () => {
    expect(parseEmulatorLimits('constructor=1,toString=1/s')).toEqual({
      errors: [expect.stringContaining('"constructor"'), expect.stringContaining('"toString"')],
    });
  });

  it('gives every operation an API, and describes rates for messages', () => {
    for (const op of Object.values(IVS_OPERATION_RATES)) expect(['channels', 'realtime']).toContain(op.api);
    expect(describeRate({ points: 5, windowMs: 1000 })).toBe('5 per second');
    expect(describeRate({ points: 1, windowMs: 10_000 })).toBe('1 per 10 seconds');
    expect(describeRate({ points: 30, windowMs: 60_000 })).toBe('30 per minute');
  });
});

import {
  admit,
  backoffMs,
  defaultIvsRates,
  nextAttempt,
  parseIvsRates,
  pauseAfterThrottle,
  queueWaitMs,
  RETRY_BUDGETS,
} from './ivs-call-queue.policy';

describe('IVS call queue policy', () => {
  it('defaults to AWS documented rates: 5 per second, 50 for participant tokens', () => {
    const rates = defaultIvsRates();
    expect(rates.DisconnectParticipant).toBe(5);
    expect(rates.CreateStage).toBe(5);
    expect(rates.CreateParticipantToken).toBe(50);
  });

  it('overrides named operations and names every bad pair', () => {
    const rates = parseIvsRates('DisconnectParticipant=20/s, CreateParticipantToken=10/s, GetStream=30/m, StopStream=1/10s');
    if ('errors' in rates) throw new Error(rates.errors.join());
    expect(rates).toMatchObject({ DisconnectParticipant: 20, CreateParticipantToken: 10, CreateStage: 5, GetStream: 0.5, StopStream: 0.1 });
    expect(parseIvsRates('')).toEqual(defaultIvsRates());
    expect(parseIvsRates('Nope=1/s,GetStream=fast,CreateStage=0/s')).toEqual({
      errors: [
        expect.stringContaining('"Nope" is not an IVS operation'),
        expect.stringContaining('"GetStream=fast" is not Operation=N/window'),
        expect.stringContaining('must be above 0'),
      ],
    });
  });

  it('spaces calls evenly at the rate, from whenever they are asked for', () => {
    let pace = { nextFreeAt: 0 };
    const starts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const a = admit(pace, 1_000, 5);
      starts.push(a.startAt);
      pace = a.pace;
    }
    expect(starts).toEqual([1_000, 1_200, 1_400, 1_600]);
    expect(queueWaitMs(pace, 1_000)).toBe(800);
    // An idle operation starts at once.
    expect(admit(pace, 10_000, 5).startAt).toBe(10_000);
    expect(queueWaitMs(pace, 10_000)).toBe(0);
  });

  it('pauses the whole operation after a rate refusal, never bringing its next turn earlier', () => {
    expect(pauseAfterThrottle({ nextFreeAt: 1_000 }, 1_000, 400)).toEqual({ nextFreeAt: 1_400 });
    expect(pauseAfterThrottle({ nextFreeAt: 5_000 }, 1_000, 400)).toEqual({ nextFreeAt: 5_000 });
  });

  it('backs off exponentially with jitter, capped at 8 s', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 0))).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 0.999999))).toEqual([200, 400, 800, 1600]);
    expect(backoffMs(20, 0.5)).toBe(6_000);
  });

  it('retries rate refusals, retries network failures only when the operation may run twice, and stops at the budget', () => {
    const base = { failedAttempts: 1, elapsedMs: 0, budget: RETRY_BUDGETS.bulk, random: 0 };
    expect(nextAttempt({ ...base, failure: 'throttled', idempotent: false })).toEqual({ retry: true, delayMs: 100 });
    expect(nextAttempt({ ...base, failure: 'transient', idempotent: true })).toEqual({ retry: true, delayMs: 100 });
    expect(nextAttempt({ ...base, failure: 'transient', idempotent: false })).toEqual({ retry: false });
    expect(nextAttempt({ ...base, failure: 'final', idempotent: true })).toEqual({ retry: false });
    expect(nextAttempt({ ...base, failure: 'throttled', idempotent: true, failedAttempts: 10 })).toEqual({ retry: false });
    expect(nextAttempt({ ...base, failure: 'throttled', idempotent: true, elapsedMs: 119_950 })).toEqual({ retry: false });
    expect(nextAttempt({ ...base, failure: 'throttled', idempotent: true, budget: RETRY_BUDGETS.interactive, elapsedMs: 7_950 })).toEqual({
      retry: false,
    });
  });
});

import { CAPS, LIMITS, loginBackoffSeconds, parseLimitOverrides, retrySentence } from './rate-limits.policy';

describe('rate limit policy', () => {
  it('backs an address off one minute, doubling, to an hour at most', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(loginBackoffSeconds)).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
    expect(loginBackoffSeconds(0)).toBe(60);
  });

  it('overrides named limits and keeps the rest', () => {
    const t = parseLimitOverrides('signup-per-address=20/1h, login-failures-per-address=50/15m');
    if ('errors' in t) throw new Error(t.errors.join());
    expect(t['signup-per-address']).toMatchObject({ points: 20, windowSeconds: 3600 });
    expect(t['login-failures-per-address']).toMatchObject({ points: 50, windowSeconds: 900 });
    expect(t['signup-overall']).toEqual(LIMITS['signup-overall']);
  });

  it('overrides caps with a bare number, and says so when a cap is given a window', () => {
    const t = parseLimitOverrides('watch-sessions-per-address=500,viewer-token-per-address=100/1m');
    if ('errors' in t) throw new Error(t.errors.join());
    expect(t['watch-sessions-per-address']).toEqual({ ...CAPS['watch-sessions-per-address'], max: 500 });
    expect(t['watch-sockets-per-session']).toEqual(CAPS['watch-sockets-per-session']);
    expect(t['viewer-token-per-address']).toMatchObject({ points: 100, windowSeconds: 60 });
    expect(parseLimitOverrides('watch-sockets-per-session=5/1m,watch-sockets-per-session=0')).toEqual({
      errors: [expect.stringContaining('is a cap, give a number without a window'), expect.stringContaining('a cap must be at least 1')],
    });
    expect(parseLimitOverrides('signup-per-address=5')).toEqual({ errors: [expect.stringContaining('is not name=points/window')] });
  });

  it('names every bad override', () => {
    const t = parseLimitOverrides('signup=1/1h,signup-per-address=ten/1h,signup-overall=0/1m');
    expect(t).toEqual({
      errors: [
        expect.stringContaining('"signup" is not a limit'),
        expect.stringContaining('is not name=points/window'),
        expect.stringContaining('must be at least 1'),
      ],
    });
  });

  it('says how long to wait in words', () => {
    expect(retrySentence(400)).toBe('Try again in 1 second.');
    expect(retrySentence(42_000)).toBe('Try again in 42 seconds.');
    expect(retrySentence(61_000)).toBe('Try again in 2 minutes.');
    expect(retrySentence(60_000)).toBe('Try again in 1 minute.');
  });
});

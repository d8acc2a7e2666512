import { LoginThrottle, retryAfterMs } from './login-throttle';

describe('login throttle', () => {
  const policy = { windowMs: 60_000, maxFailuresPerUsername: 3, maxFailuresPerIp: 5 };

  it('blocks a username after the allowed failures until the oldest leaves the window', () => {
    const t = new LoginThrottle(policy);
    for (let i = 0; i < 3; i++) t.recordFailure('alice', `10.0.0.${i}`, 1_000 + i);
    expect(t.check('alice', '10.9.9.9', 2_000)).toBe(1_000 + 60_000 - 2_000);
    expect(t.check('alice', '10.9.9.9', 61_000)).toBe(0);
    expect(t.check('bob', '10.9.9.9', 2_000)).toBe(0);
  });

  it('blocks an IP spraying many usernames', () => {
    const t = new LoginThrottle(policy);
    for (let i = 0; i < 5; i++) t.recordFailure(`user${i}`, '10.0.0.1', 1_000);
    expect(t.check('fresh-user', '10.0.0.1', 1_500)).toBeGreaterThan(0);
    expect(t.check('fresh-user', '10.0.0.2', 1_500)).toBe(0);
  });

  it('a success clears the username but not the IP', () => {
    const t = new LoginThrottle(policy);
    for (let i = 0; i < 3; i++) t.recordFailure('alice', '10.0.0.1', 1_000);
    t.recordSuccess('alice');
    expect(t.check('alice', '10.0.0.2', 1_001)).toBe(0);
  });

  it('retryAfterMs is zero below the limit', () => {
    expect(retryAfterMs([1, 2], 3, 10, 100)).toBe(0);
    expect(retryAfterMs([1, 2, 3], 3, 10, 100)).toBe(91);
  });
});

import { afterFailedDisconnect, claimSize, MAX_DISCONNECT_ATTEMPTS, shouldPushProgress } from './stage-disconnects.policy';

describe('stage disconnect policy', () => {
  it('claims what the rate sends in a few seconds, at least one and at most 500', () => {
    expect(claimSize(5)).toBe(25);
    expect(claimSize(0.2)).toBe(1);
    expect(claimSize(10_000)).toBe(500);
  });

  it('tries a failed disconnect again later, backing off, then gives it up', () => {
    const now = new Date('2027-01-01T00:00:00Z');
    expect(afterFailedDisconnect(1, now)).toEqual({ giveUp: false, notBefore: new Date(now.getTime() + 2_000) });
    expect(afterFailedDisconnect(3, now)).toEqual({ giveUp: false, notBefore: new Date(now.getTime() + 8_000) });
    expect(afterFailedDisconnect(MAX_DISCONNECT_ATTEMPTS, now)).toEqual({ giveUp: true });
  });

  it('pushes progress at most every 250 ms, and always the end', () => {
    expect(shouldPushProgress(undefined, 1_000, false)).toBe(true);
    expect(shouldPushProgress(1_000, 1_100, false)).toBe(false);
    expect(shouldPushProgress(1_000, 1_100, true)).toBe(true);
    expect(shouldPushProgress(1_000, 1_250, false)).toBe(true);
  });
});

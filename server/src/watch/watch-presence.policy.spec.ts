import { admit, seatOf, VIEWER_PUSH_DEBOUNCE_MS, viewerPushDelayMs, WatchCaps } from './watch-presence.policy';

const caps: WatchCaps = { socketsPerSession: 3, sessionsPerAddress: 2 };

describe('watch presence policy', () => {
  it('gives one session per user, per link guest and per anonymous viewer session', () => {
    expect(seatOf({ kind: 'user', id: 'u1', username: 'ann', role: 'user' }, 'cookie-a', '10.0.0.1')).toEqual({
      session: 'user:u1',
      address: null,
    });
    expect(seatOf({ kind: 'guest', guestId: 'g1', stageId: 's', displayName: 'G' }, 'cookie-a', '10.0.0.1')).toEqual({
      session: 'guest:g1',
      address: null,
    });
    expect(seatOf({ kind: 'anonymous' }, 'cookie-a', '10.0.0.1')).toEqual({ session: 'anon:cookie-a', address: '10.0.0.1' });
  });

  it('caps the sockets of one session, and always lets a counted socket back in', () => {
    const seat = { session: 'user:u1', address: null };
    const held = (sockets: string[]) => ({ socketsOfSession: new Set(sockets), sessionsOfAddress: new Set<string>() });
    expect(admit(seat, 's3', held(['s1', 's2']), caps)).toBeNull();
    expect(admit(seat, 's4', held(['s1', 's2', 's3']), caps)).toBe('watch/too-many-pages');
    expect(admit(seat, 's2', held(['s1', 's2', 's3']), caps)).toBeNull();
  });

  it('caps the anonymous sessions of one address; a session already in, and logged-in viewers, are not refused', () => {
    const anon = (session: string) => ({ session, address: '10.0.0.1' });
    const full = { socketsOfSession: new Set<string>(), sessionsOfAddress: new Set(['anon:a', 'anon:b']) };
    expect(admit(anon('anon:c'), 'x', full, caps)).toBe('watch/network-full');
    expect(admit(anon('anon:a'), 'x', { ...full, socketsOfSession: new Set(['y']) }, caps)).toBeNull();
    expect(admit({ session: 'user:u1', address: null }, 'x', full, caps)).toBeNull();
    expect(admit(anon('anon:c'), 'x', { socketsOfSession: new Set<string>(), sessionsOfAddress: new Set(['anon:a']) }, caps)).toBeNull();
  });

  it("pushes a small room's count within the debounce, and a large room's at a bounded delivery rate", () => {
    expect(viewerPushDelayMs(0)).toBe(VIEWER_PUSH_DEBOUNCE_MS);
    expect(viewerPushDelayMs(1_000)).toBe(VIEWER_PUSH_DEBOUNCE_MS);
    expect(viewerPushDelayMs(2_000)).toBe(500);
    expect(viewerPushDelayMs(10_000)).toBe(2_500);
    // Deliveries per second (room size / delay) never exceed 4,000, whatever the room.
    for (const n of [1_001, 7_777, 50_000, 1_000_000]) expect(n / (viewerPushDelayMs(n) / 1000)).toBeLessThanOrEqual(4_000);
  });
});

import { clientAddressGroup, countViewers, PlaybackSessions, VIEWER_COUNT_RULES } from './playback-sessions';

const rules = { activeWindowMs: 15_000, perAddressCap: 3 };
const now = 1_000_000;

describe('countViewers', () => {
  it('counts distinct active sessions across addresses', () => {
    const seen = [
      { address: '198.51.100.1', lastSeenMs: now - 1_000 },
      { address: '198.51.100.2', lastSeenMs: now - 14_000 },
      { address: '198.51.100.3', lastSeenMs: now },
    ];
    expect(countViewers(seen, now, rules)).toBe(3);
  });

  it('drops sessions idle longer than the window', () => {
    expect(countViewers([{ address: 'a', lastSeenMs: now - 15_001 }], now, rules)).toBe(0);
    expect(countViewers([{ address: 'a', lastSeenMs: now - 15_000 }], now, rules)).toBe(1);
  });

  it('caps what one address contributes, whatever the number of sessions', () => {
    const many = Array.from({ length: 50 }, () => ({ address: '203.0.113.9', lastSeenMs: now }));
    expect(countViewers([...many, { address: '203.0.113.10', lastSeenMs: now }], now, rules)).toBe(4);
  });
});

describe('clientAddressGroup', () => {
  it('keeps IPv4, unwraps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(clientAddressGroup('203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressGroup('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientAddressGroup('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddressGroup('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(clientAddressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressGroup('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressGroup(undefined)).toBe('unknown');
  });
});

describe('PlaybackSessions', () => {
  it('counts a player once however often it fetches, and forgets it after the window', () => {
    const s = new PlaybackSessions(rules);
    for (let t = 0; t < 10; t++) s.note('ch', 'session-a', '198.51.100.1', now + t * 2_000);
    expect(s.count('ch', now + 18_000)).toBe(1);
    expect(s.count('ch', now + 18_000 + 15_001)).toBe(0);
  });

  it('one address minting sessions in a loop counts as the cap and is kept to the cap in memory', () => {
    const s = new PlaybackSessions(VIEWER_COUNT_RULES);
    for (let i = 0; i < 1_000; i++) s.note('ch', `s${i}`, '203.0.113.9', now);
    s.note('ch', 'other', '203.0.113.10', now);
    expect(s.count('ch', now)).toBe(VIEWER_COUNT_RULES.perAddressCap + 1);
    const held = (s as unknown as { channels: Map<string, Map<string, Map<string, number>>> }).channels.get('ch')!.get('203.0.113.9')!;
    expect([...held.keys()]).toEqual(['s997', 's998', 's999']);
  });

  it('keeps channels apart and starts over when a stream ends', () => {
    const s = new PlaybackSessions(rules);
    s.note('a', 'x', '1.1.1.1', now);
    s.note('b', 'y', '1.1.1.2', now);
    s.forget('a');
    expect([s.count('a', now), s.count('b', now)]).toEqual([0, 1]);
  });
});

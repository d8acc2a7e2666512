import { canBeSanctioned, channelRole, CHAT_RATE_MAX, decideSend, staffRole, strongestSanction } from './chat.rules';

const now = new Date('2025-01-01T12:00:00Z');
const at = (secondsFromNow: number) => new Date(now.getTime() + secondsFromNow * 1000);
const base = { sanction: null, recentSends: [], lastHere: null, slowModeSeconds: 0, exemptFromSlowMode: false, now };

describe('chat rules', () => {
  it('resolves roles on a channel: owner is host, staff outrank ownership, link guests are guests', () => {
    const user = (id: string, role: 'user' | 'moderator' | 'admin' = 'user') => ({ kind: 'user' as const, id, username: id, role });
    expect(channelRole({ kind: 'anonymous' }, 'o')).toBe('anonymous');
    expect(channelRole({ kind: 'guest', guestId: 'g', stageId: 's', displayName: 'G' }, 'o')).toBe('guest');
    expect(channelRole(user('o'), 'o')).toBe('host');
    expect(channelRole(user('v'), 'o')).toBe('viewer');
    expect(channelRole(user('o', 'moderator'), 'o')).toBe('moderator');
    expect(channelRole(user('a', 'admin'), 'o')).toBe('admin');
    expect(staffRole(user('o'))).toBe('viewer');
    expect(staffRole(user('m', 'moderator'))).toBe('moderator');
  });

  it('picks the sanction in force that matters most and ignores expired ones', () => {
    expect(strongestSanction([{ kind: 'timeout', channelId: 'c', reason: 'old', expiresAt: at(-1) }], now)).toBeNull();
    const timeout = { kind: 'timeout' as const, channelId: 'c', reason: 'spam', expiresAt: at(60) };
    const longer = { kind: 'timeout' as const, channelId: 'c', reason: 'more spam', expiresAt: at(600) };
    expect(strongestSanction([timeout, longer], now)).toEqual({
      kind: 'timeout',
      scope: 'channel',
      reason: 'more spam',
      until: at(600).toISOString(),
    });
    const channelBan = { kind: 'ban' as const, channelId: 'c', reason: 'abuse', expiresAt: null };
    const siteBan = { kind: 'ban' as const, channelId: null, reason: 'bot', expiresAt: null };
    expect(strongestSanction([timeout, channelBan], now)).toMatchObject({ kind: 'ban', scope: 'channel', reason: 'abuse', until: null });
    expect(strongestSanction([channelBan, siteBan, timeout], now)).toMatchObject({ kind: 'ban', scope: 'site', reason: 'bot' });
  });

  it('refuses a sanctioned sender with the reason', () => {
    const sanction = { kind: 'ban' as const, scope: 'site' as const, reason: 'bot', until: null };
    expect(decideSend({ ...base, sanction })).toEqual({ code: 'chat/banned', sanction });
    expect(decideSend({ ...base, sanction: { ...sanction, kind: 'timeout', until: at(5).toISOString() } })?.code).toBe('chat/timed-out');
  });

  it('rate-limits a sender across channels and says when to retry', () => {
    const sends = Array.from({ length: CHAT_RATE_MAX }, (_, i) => at(-9 + i));
    expect(decideSend({ ...base, recentSends: sends })).toEqual({ code: 'chat/rate-limited', retryAfterMs: 1000 });
    expect(decideSend({ ...base, recentSends: sends.slice(1) })).toBeNull();
    expect(decideSend({ ...base, recentSends: Array.from({ length: 10 }, () => at(-11)) })).toBeNull();
  });

  it('enforces slow mode per channel, except for the owner and staff', () => {
    expect(decideSend({ ...base, slowModeSeconds: 10, lastHere: at(-4) })).toEqual({ code: 'chat/slow-mode', retryAfterMs: 6000 });
    expect(decideSend({ ...base, slowModeSeconds: 10, lastHere: at(-10) })).toBeNull();
    expect(decideSend({ ...base, slowModeSeconds: 10, lastHere: at(-4), exemptFromSlowMode: true })).toBeNull();
    expect(decideSend({ ...base, slowModeSeconds: 0, lastHere: at(-1) })).toBeNull();
  });

  it('never sanctions the channel owner or site staff', () => {
    expect(canBeSanctioned({ id: 'u', role: 'user' }, 'o')).toBe(true);
    expect(canBeSanctioned({ id: 'o', role: 'user' }, 'o')).toBe(false);
    expect(canBeSanctioned({ id: 'm', role: 'moderator' }, 'o')).toBe(false);
    expect(canBeSanctioned({ id: 'a', role: 'admin' }, null)).toBe(false);
  });
});

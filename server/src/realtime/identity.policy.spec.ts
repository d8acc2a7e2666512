import type { ChatSanction } from '@streamcat/protocol';
import { decideIdentity, HeldIdentity, sanctionSignature } from './identity.policy';

describe('decideIdentity', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const ban: ChatSanction = { kind: 'ban', scope: 'site', reason: 'spam', until: null };
  const timeout: ChatSanction = { kind: 'timeout', scope: 'site', reason: 'calm down', until: '2026-12-01T12:10:00.000Z' };
  const mod: HeldIdentity = { role: 'moderator', expiresAt: now + 60_000, siteSanction: null };

  it('keeps a socket whose login is valid and whose row has not changed', () => {
    expect(decideIdentity(mod, { role: 'moderator', siteSanction: null }, now)).toEqual({ kind: 'keep' });
  });

  it('ends a socket at its login expiry, even if nothing else changed', () => {
    expect(decideIdentity(mod, { role: 'moderator', siteSanction: null }, now + 60_000)).toEqual({
      kind: 'end',
      reason: 'session-expired',
    });
    expect(decideIdentity(mod, { role: 'moderator', siteSanction: null }, now + 59_999)).toEqual({ kind: 'keep' });
  });

  it('ends the socket of a deleted account', () => {
    expect(decideIdentity(mod, null, now)).toEqual({ kind: 'end', reason: 'account-deleted' });
  });

  it('ends the socket on any role change, demotion or promotion', () => {
    expect(decideIdentity(mod, { role: 'user', siteSanction: null }, now)).toEqual({ kind: 'end', reason: 'role-changed' });
    expect(decideIdentity(mod, { role: 'admin', siteSanction: null }, now)).toEqual({ kind: 'end', reason: 'role-changed' });
    const user: HeldIdentity = { ...mod, role: 'user' };
    expect(decideIdentity(user, { role: 'moderator', siteSanction: null }, now)).toEqual({ kind: 'end', reason: 'role-changed' });
  });

  it('tells a connected user of a new or lifted site-wide sanction once, keeping the socket', () => {
    const user: HeldIdentity = { role: 'user', expiresAt: now + 60_000, siteSanction: null };
    expect(decideIdentity(user, { role: 'user', siteSanction: ban }, now)).toEqual({
      kind: 'sanction',
      sanction: ban,
      signature: sanctionSignature(ban),
      notify: true,
    });
    const banned: HeldIdentity = { ...user, siteSanction: sanctionSignature(ban) };
    expect(decideIdentity(banned, { role: 'user', siteSanction: ban }, now)).toEqual({ kind: 'keep' });
    expect(decideIdentity(banned, { role: 'user', siteSanction: null }, now)).toMatchObject({
      kind: 'sanction',
      sanction: null,
      notify: true,
    });
    expect(decideIdentity(banned, { role: 'user', siteSanction: timeout }, now)).toMatchObject({ sanction: timeout, notify: true });
  });

  it('records the sanction silently the first time (the watch snapshot already told the client)', () => {
    const fresh: HeldIdentity = { role: 'user', expiresAt: now + 60_000 };
    expect(decideIdentity(fresh, { role: 'user', siteSanction: ban }, now)).toMatchObject({ kind: 'sanction', notify: false });
    expect(decideIdentity(fresh, { role: 'user', siteSanction: null }, now)).toMatchObject({ kind: 'sanction', notify: false });
  });

  it('puts expiry before every other reason', () => {
    expect(decideIdentity(mod, null, now + 60_000)).toEqual({ kind: 'end', reason: 'session-expired' });
  });
});

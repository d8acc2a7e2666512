import type { StudioDocument } from '@streamcat/protocol';
import { ActorContext, applyStudioCommand, initialStudioDocument, nextExpiry, resolveStudioRole, StudioAction } from './studio.reducer';

const now = new Date('2026-11-20T18:00:00Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);
const host: ActorContext = { role: 'host', memberId: 'owner', userId: 'owner', label: 'owner' };
const system: ActorContext = { role: 'admin', memberId: null, userId: null, label: 'system' };

function ok(doc: StudioDocument, action: StudioAction, actor = host, at = now) {
  const r = applyStudioCommand(doc, action, actor, at);
  if (!r.ok) throw new Error(`${action.type} refused: ${r.code}`);
  return r;
}

function studioWith(...ids: string[]): StudioDocument {
  let d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
  for (const id of ids) {
    d = ok(d, {
      type: 'invite',
      invite: {
        id: `inv-${id}`,
        userId: id,
        username: id,
        role: 'guest',
        invitedBy: 'owner',
        createdAt: now.toISOString(),
        expiresAt: later(600).toISOString(),
      },
    }).doc;
    d = ok(
      d,
      { type: 'respond-invite', inviteId: `inv-${id}`, accept: true },
      { role: 'viewer', memberId: null, userId: id, label: `user:${id}` },
    ).doc;
  }
  return d;
}

describe('applyStudioCommand', () => {
  it('invites, then the invitee (and only they) accepts: a seat and a token to mint', () => {
    const d0 = studioWith();
    const inv = {
      id: 'i1',
      userId: 'bob',
      username: 'bob',
      role: 'cohost' as const,
      invitedBy: 'owner',
      createdAt: now.toISOString(),
      expiresAt: later(600).toISOString(),
    };
    const r1 = ok(d0, { type: 'invite', invite: inv });
    expect(r1.effects).toEqual([{ kind: 'invite-sent', invite: inv }]);
    expect(d0.invites).toHaveLength(0); // the input is never mutated
    const mallory = { role: 'viewer' as const, memberId: null, userId: 'mallory', label: 'user:mallory' };
    expect(applyStudioCommand(r1.doc, { type: 'respond-invite', inviteId: 'i1', accept: true }, mallory, now)).toMatchObject({
      ok: false,
      code: 'invite/not-found',
    });
    const bob = { role: 'viewer' as const, memberId: null, userId: 'bob', label: 'user:bob' };
    const r2 = ok(r1.doc, { type: 'respond-invite', inviteId: 'i1', accept: true }, bob);
    expect(r2.doc.members.map((m) => [m.id, m.role])).toEqual([
      ['owner', 'host'],
      ['bob', 'cohost'],
    ]);
    expect(r2.effects.map((e) => e.kind)).toEqual(['invite-closed', 'mint-token']);
    expect(r2.doc.invites).toEqual([]);
  });

  it('refuses an expired invite and the sweep pushes it as expired', () => {
    const d = ok(studioWith(), {
      type: 'invite',
      invite: {
        id: 'i1',
        userId: 'bob',
        username: 'bob',
        role: 'guest',
        invitedBy: 'owner',
        createdAt: now.toISOString(),
        expiresAt: later(10).toISOString(),
      },
    }).doc;
    expect(nextExpiry(d)).toEqual(later(10));
    const bob = { role: 'viewer' as const, memberId: null, userId: 'bob', label: 'user:bob' };
    expect(applyStudioCommand(d, { type: 'respond-invite', inviteId: 'i1', accept: true }, bob, later(11))).toMatchObject({
      ok: false,
      code: 'invite/expired',
    });
    const swept = ok(d, { type: 'expire' }, system, later(11));
    expect(swept.doc.invites).toEqual([]);
    expect(swept.effects).toEqual([expect.objectContaining({ kind: 'invite-closed', reason: 'expired' })]);
    expect(applyStudioCommand(d, { type: 'expire' }, host, later(11))).toMatchObject({ ok: false, code: 'auth/forbidden' });
  });

  it('validates layouts with libs/layouts and mirrors the order into on-air status', () => {
    const d = studioWith('b', 'c');
    expect(applyStudioCommand(d, { type: 'layout', patch: { name: 'solo', order: ['b'] } }, host, now)).toMatchObject({
      ok: false,
      code: 'layout/featured-required',
    });
    expect(applyStudioCommand(d, { type: 'layout', patch: { order: ['b', 'ghost'] } }, host, now)).toMatchObject({
      ok: false,
      code: 'layout/unknown-member',
    });
    const r = ok(d, { type: 'layout', patch: { name: 'spotlight', order: ['c', 'b'], featuredId: 'c' } });
    expect(
      r.doc.members
        .filter((m) => m.status === 'on-air')
        .map((m) => m.id)
        .sort(),
    ).toEqual(['b', 'c']);
    // Removing the featured member keeps the layout drawable.
    const removed = ok(r.doc, { type: 'remove', memberId: 'c', reason: 'bye' });
    expect(removed.doc.layout).toMatchObject({ name: 'spotlight', order: ['b'], featuredId: 'b' });
    expect(removed.doc.removed).toEqual([{ id: 'c', kind: 'user', at: now.toISOString() }]);
  });

  it('refuses more than 12 on air', () => {
    const ids = Array.from({ length: 13 }, (_, i) => `m${i}`);
    const d = studioWith(...ids);
    expect(applyStudioCommand(d, { type: 'layout', patch: { order: ids } }, host, now)).toMatchObject({
      ok: false,
      code: 'layout/too-many',
    });
  });

  it('co-hosts remove guests but not hosts; nobody removes the owner', () => {
    const d = ok(studioWith('co', 'g'), { type: 'set-role', memberId: 'co', role: 'cohost' }).doc;
    const co: ActorContext = { role: 'cohost', memberId: 'co', userId: 'co', label: 'co' };
    expect(applyStudioCommand(d, { type: 'remove', memberId: 'owner', reason: '' }, co, now)).toMatchObject({
      ok: false,
      code: 'studio/cannot-remove-owner',
    });
    expect(ok(d, { type: 'remove', memberId: 'g', reason: '' }, co).effects[0]).toMatchObject({ kind: 'member-removed' });
    const d2 = ok(d, { type: 'set-role', memberId: 'g', role: 'cohost' }).doc;
    expect(applyStudioCommand(d2, { type: 'remove', memberId: 'g', reason: '' }, co, now)).toMatchObject({
      ok: false,
      code: 'auth/forbidden',
    });
  });

  it('broadcast: intent start/stop, confirmed live/offline by the events pipeline', () => {
    let d = studioWith();
    d = ok(d, { type: 'broadcast', action: 'start' }).doc;
    expect(d.live.broadcast.state).toBe('starting');
    expect(applyStudioCommand(d, { type: 'broadcast', action: 'start' }, host, now)).toMatchObject({
      ok: false,
      code: 'studio/invalid-transition',
    });
    d = ok(d, { type: 'broadcast-confirmed', state: 'live', at: later(3).toISOString() }, system).doc;
    expect(d.live.broadcast).toEqual({ state: 'live', since: later(3).toISOString() });
    d = ok(d, { type: 'broadcast', action: 'stop' }).doc;
    expect(d.live.broadcast.state).toBe('stopping');
    d = ok(d, { type: 'broadcast-confirmed', state: 'offline', at: later(9).toISOString() }, system).doc;
    expect(d.live.broadcast.state).toBe('offline');
    // Stopping before anything went out goes straight to offline (no Stream End will come).
    const s = ok(ok(d, { type: 'broadcast', action: 'start' }).doc, { type: 'broadcast', action: 'stop' }).doc;
    expect(s.live.broadcast.state).toBe('offline');
  });

  it('admitting a green-room guest seats them; removing them revokes their link', () => {
    let d = ok(studioWith(), {
      type: 'add-link',
      link: { id: 'L', maxUses: 2, uses: 0, expiresAt: later(3600).toISOString(), revoked: false },
    }).doc;
    d = ok(
      d,
      {
        type: 'green-room-enter',
        linkUses: 1,
        entry: { guestId: 'gg', displayName: 'Gus', linkId: 'L', requestedAt: now.toISOString(), expiresAt: later(60).toISOString() },
      },
      system,
    ).doc;
    expect(d.links[0].uses).toBe(1);
    const admitted = ok(d, { type: 'admit', guestId: 'gg', admit: true });
    expect(admitted.doc.members.find((m) => m.id === 'gg')).toMatchObject({ kind: 'guest', linkId: 'L', role: 'guest' });
    expect(admitted.effects.map((e) => e.kind)).toEqual(['admission', 'mint-token']);
    const removed = ok(admitted.doc, { type: 'remove', memberId: 'gg', reason: 'x' });
    expect(removed.doc.links[0].revoked).toBe(true);
    expect(removed.effects[0]).toMatchObject({ kind: 'member-removed', linkId: 'L' });
  });
});

describe('resolveStudioRole', () => {
  const doc = studioWith('bob');
  it('seat first, then site staff, then viewer; guests only on their own stage', () => {
    expect(resolveStudioRole({ kind: 'anonymous' }, doc)).toBe('anonymous');
    expect(resolveStudioRole({ kind: 'user', id: 'owner', role: 'admin' }, doc)).toBe('host');
    expect(resolveStudioRole({ kind: 'user', id: 'bob', role: 'user' }, doc)).toBe('guest');
    expect(resolveStudioRole({ kind: 'user', id: 'zed', role: 'moderator' }, doc)).toBe('moderator');
    expect(resolveStudioRole({ kind: 'user', id: 'zed', role: 'admin' }, doc)).toBe('admin');
    expect(resolveStudioRole({ kind: 'user', id: 'zed', role: 'user' }, doc)).toBe('viewer');
    expect(resolveStudioRole({ kind: 'guest', guestId: 'bob', stageId: 'st' }, doc)).toBe('anonymous');
    expect(resolveStudioRole({ kind: 'guest', guestId: 'x', stageId: 'other' }, doc)).toBe('anonymous');
  });
});

import { initialStudioDocument, type StudioDocument } from '@streamcat/protocol';
import { ActorContext, actorContext, applyStudioCommand, mayReplay, nextExpiry, resolveStudioRole, StudioAction } from './studio.reducer';

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

  it('says who left the air, whatever the command: taken off, dropped from the layout, or removed', () => {
    const d = ok(studioWith('b', 'c'), { type: 'layout', patch: { order: ['b', 'c'] } }).doc;
    const leftAir = (r: ReturnType<typeof ok>) => r.effects.flatMap((e) => (e.kind === 'left-air' ? [e.member.id] : []));
    expect(leftAir(ok(d, { type: 'set-status', memberId: 'b', status: 'backstage' }))).toEqual(['b']);
    expect(leftAir(ok(d, { type: 'layout', patch: { order: ['c'] } }))).toEqual(['b']);
    expect(leftAir(ok(d, { type: 'remove', memberId: 'c', reason: '' }))).toEqual(['c']);
    // Going on air, reordering or a banner takes nobody off.
    expect(leftAir(ok(d, { type: 'layout', patch: { order: ['c', 'b'] } }))).toEqual([]);
    expect(leftAir(ok(d, { type: 'set-status', memberId: 'owner', status: 'on-air' }))).toEqual([]);
    // Removing someone backstage is a removal, not a departure from the air.
    const backstage = ok(studioWith('b', 'c'), { type: 'remove', memberId: 'b', reason: '' });
    expect(leftAir(backstage)).toEqual([]);
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
    const d = studioWith(...ids.slice(0, 11));
    // Seated past the capacity by hand: the reducer itself refuses a 13th guest (studio/full).
    d.members.push(...ids.slice(11).map((id) => ({ ...d.members[1], id, userId: id, displayName: id })));
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

  it('broadcast: a go-live that timed out goes back to offline with the reason, only for the attempt judged', () => {
    const starting = ok(studioWith(), { type: 'broadcast', action: 'start' }).doc;
    const since = starting.live.broadcast.since;
    const note = 'The broadcast did not start: Amazon IVS received no stream within 30 s.';
    expect(applyStudioCommand(starting, { type: 'broadcast-timed-out', since, note }, host, later(31))).toMatchObject({
      ok: false,
      code: 'auth/forbidden',
    });
    const gaveUp = ok(starting, { type: 'broadcast-timed-out', since, note }, system, later(31)).doc;
    expect(gaveUp.live.broadcast).toEqual({ state: 'offline', since: later(31).toISOString(), note });
    // The Start came first, or the host started again meanwhile: nothing to undo.
    const live = ok(starting, { type: 'broadcast-confirmed', state: 'live', at: later(2).toISOString() }, system).doc;
    expect(applyStudioCommand(live, { type: 'broadcast-timed-out', since, note }, system, later(31))).toMatchObject({ ok: false });
    const again = ok(
      ok(gaveUp, { type: 'broadcast', action: 'start' }, host, later(40)).doc,
      { type: 'broadcast', action: 'stop' },
      host,
      later(41),
    ).doc;
    expect(again.live.broadcast).toEqual({ state: 'offline', since: later(41).toISOString() });
    // A Start that arrives after the switch went back still puts the studio on air.
    expect(ok(gaveUp, { type: 'broadcast-confirmed', state: 'live', at: later(33).toISOString() }, system).doc.live.broadcast.state).toBe(
      'live',
    );
  });

  it('admitting a green-room guest seats them; removing them revokes their link', () => {
    let d = ok(studioWith(), {
      type: 'add-link',
      link: { id: 'L', maxUses: 2, uses: 0, expiresAt: later(3600).toISOString(), revoked: false, createdBy: 'owner' },
    }).doc;
    d = ok(
      d,
      {
        type: 'green-room-enter',
        linkUses: 1,
        knownGuestId: null,
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

describe('removal closes every door the member opened; only the owner reopens them', () => {
  const co: ActorContext = { role: 'cohost', memberId: 'co', userId: 'co', label: 'co' };
  const link = (id: string, createdBy: string) => ({
    type: 'add-link' as const,
    link: { id, maxUses: 5, uses: 0, expiresAt: later(3600).toISOString(), revoked: false, createdBy },
  });
  const invite = (id: string, userId: string, invitedBy: string): StudioAction => ({
    type: 'invite',
    invite: {
      id,
      userId,
      username: userId,
      role: 'guest',
      invitedBy,
      createdAt: now.toISOString(),
      expiresAt: later(600).toISOString(),
    },
  });
  const enter = (guestId: string, linkId: string, knownGuestId: string | null = null): StudioAction => ({
    type: 'green-room-enter',
    linkUses: 1,
    knownGuestId,
    entry: { guestId, displayName: guestId, linkId, requestedAt: now.toISOString(), expiresAt: later(60).toISOString() },
  });
  const withCohost = () => ok(studioWith('co', 'g'), { type: 'set-role', memberId: 'co', role: 'cohost' }).doc;

  it('removing a co-host revokes the links they created (sending their waiting guests away) and the invites they sent', () => {
    let d = ok(withCohost(), link('Lco', 'co'), co).doc;
    d = ok(d, link('Lhost', 'owner')).doc;
    d = ok(d, enter('w1', 'Lco'), system).doc;
    d = ok(d, enter('w2', 'Lhost'), system).doc;
    d = ok(d, invite('i-co', 'zed', 'co'), co).doc;
    d = ok(d, invite('i-host', 'amy', 'owner')).doc;
    const r = ok(d, { type: 'remove', memberId: 'co', reason: 'bye' });
    expect(r.doc.links.map((l) => [l.id, l.revoked])).toEqual([
      ['Lco', true],
      ['Lhost', false],
    ]);
    expect(r.doc.greenRoom.map((g) => g.guestId)).toEqual(['w2']);
    expect(r.doc.invites.map((i) => i.id)).toEqual(['i-host']);
    expect(r.effects).toEqual([
      expect.objectContaining({ kind: 'member-removed', member: expect.objectContaining({ id: 'co' }) }),
      { kind: 'admission', guestId: 'w1', admitted: false },
      { kind: 'link-revoked', linkId: 'Lco' },
      expect.objectContaining({ kind: 'invite-closed', reason: 'revoked', invite: expect.objectContaining({ id: 'i-co' }) }),
    ]);
  });

  it('a removed user can be invited back by the owner only (not by a co-host), which lifts the removal', () => {
    const d = ok(withCohost(), { type: 'remove', memberId: 'g', reason: 'bye' }).doc;
    expect(applyStudioCommand(d, invite('again', 'g', 'co'), co, now)).toMatchObject({ ok: false, code: 'auth/forbidden' });
    const promotedHost: ActorContext = { role: 'host', memberId: 'co', userId: 'co', label: 'co' };
    expect(applyStudioCommand(d, invite('again', 'g', 'co'), promotedHost, now)).toMatchObject({ ok: false, code: 'auth/forbidden' });
    const back = ok(d, invite('again', 'g', 'owner'));
    expect(back.doc.removed).toEqual([]);
    expect(back.doc.invites.map((i) => i.userId)).toEqual(['g']);
    // Someone never removed: a co-host invites them as before.
    expect(ok(d, invite('new', 'newbie', 'co'), co).doc.invites.map((i) => i.userId)).toEqual(['newbie']);
  });

  it('a removed link guest recognised at another link: refused unless the link is the owner’s; then only the owner admits them', () => {
    let d = ok(withCohost(), link('L1', 'owner')).doc;
    d = ok(d, link('Lco', 'co'), co).doc;
    d = ok(d, link('Lhost2', 'owner')).doc;
    d = ok(d, enter('gg', 'L1'), system).doc;
    d = ok(d, { type: 'admit', guestId: 'gg', admit: true }).doc;
    d = ok(d, { type: 'remove', memberId: 'gg', reason: 'bye' }, co).doc;
    expect(d.links.find((l) => l.id === 'L1')?.revoked).toBe(true);

    // Through a co-host's link: refused, nothing changes.
    expect(applyStudioCommand(d, enter('fresh', 'Lco', 'gg'), system, now)).toMatchObject({ ok: false, code: 'studio/removed' });
    // A stranger (no earlier visit) through the same link waits as usual under a fresh id.
    expect(ok(d, enter('fresh', 'Lco', null), system).doc.greenRoom.map((g) => g.guestId)).toEqual(['fresh']);
    // A guest id that was never removed is not "known": a fresh id is used.
    expect(ok(d, enter('fresh', 'Lco', 'someone-else'), system).change.subject).toBe('fresh');

    // Through the owner's link: back in the green room under their old id; a co-host cannot admit them, the owner can.
    const waiting = ok(d, enter('fresh', 'Lhost2', 'gg'), system);
    expect(waiting.change.subject).toBe('gg');
    expect(waiting.doc.greenRoom.map((g) => g.guestId)).toEqual(['gg']);
    expect(applyStudioCommand(waiting.doc, enter('other', 'Lhost2', 'gg'), system, now)).toMatchObject({
      ok: false,
      code: 'invite/already-member',
    });
    expect(applyStudioCommand(waiting.doc, { type: 'admit', guestId: 'gg', admit: true }, co, now)).toMatchObject({
      ok: false,
      code: 'auth/forbidden',
    });
    // A co-host may still send them away.
    expect(ok(waiting.doc, { type: 'admit', guestId: 'gg', admit: false }, co).doc.greenRoom).toEqual([]);
    const admitted = ok(waiting.doc, { type: 'admit', guestId: 'gg', admit: true });
    expect(admitted.doc.removed.some((r) => r.id === 'gg')).toBe(false);
    expect(admitted.doc.members.find((m) => m.id === 'gg')).toMatchObject({ kind: 'guest', linkId: 'Lhost2' });
  });
});

describe('mayReplay', () => {
  const d = ok(studioWith('g', 'gone'), { type: 'remove', memberId: 'gone', reason: 'bye' }).doc;
  const as = (role: ActorContext['role'], userId: string): ActorContext => ({ role, memberId: null, userId, label: userId });
  it('answers a retry only to an actor who may still send the command', () => {
    expect(mayReplay('studio:layout', host, d)).toBe(true);
    expect(mayReplay('studio:layout', as('guest', 'g'), d)).toBe(false);
    // A co-host who was removed is a viewer now: their old layout change is not answered.
    expect(mayReplay('studio:layout', as('viewer', 'gone'), d)).toBe(false);
  });
  it('an invitee who accepted holds the seat it gave them; a removed invitee gets nothing', () => {
    expect(mayReplay('studio:invite-respond', as('viewer', 'zed'), d)).toBe(true);
    expect(mayReplay('studio:invite-respond', as('guest', 'g'), d)).toBe(true);
    expect(mayReplay('studio:invite-respond', as('viewer', 'gone'), d)).toBe(false);
    expect(mayReplay('studio:invite-respond', as('anonymous', ''), d)).toBe(false);
  });
});

describe('actorContext', () => {
  const doc = studioWith('bob');
  it('labels who acted for the change log: their seat, the server, staff, or a user without a seat', () => {
    expect(actorContext({ kind: 'user', id: 'bob', role: 'user' }, doc)).toEqual({
      role: 'guest',
      memberId: 'bob',
      userId: 'bob',
      label: 'bob',
    });
    expect(actorContext({ kind: 'user', id: 'zed', role: 'user' }, doc)).toEqual({
      role: 'viewer',
      memberId: null,
      userId: 'zed',
      label: 'user:zed',
    });
    expect(actorContext({ kind: 'system' }, doc)).toEqual({ role: 'admin', memberId: null, userId: null, label: 'system' });
    expect(actorContext({ kind: 'moderator', userId: 'mo' }, doc)).toMatchObject({ role: 'moderator', label: 'moderator:mo' });
    // A guest token of another stage holds no seat here.
    expect(actorContext({ kind: 'guest', guestId: 'bob', stageId: 'other' }, doc)).toMatchObject({ role: 'anonymous', memberId: null });
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

describe('screen share alongside the camera', () => {
  const bob: ActorContext = { role: 'guest', memberId: 'bob', userId: 'bob', label: 'bob' };

  it('the member declares their own share; stopping it says which screen participants must go', () => {
    const d0 = studioWith('bob');
    const on = ok(d0, { type: 'screen-share', sharing: true }, bob);
    expect(on.doc.members.find((m) => m.id === 'bob')?.screenShare).toBe(true);
    expect(on.effects).toEqual([]);
    const off = ok(on.doc, { type: 'screen-share', sharing: false }, bob);
    expect(off.doc.members.find((m) => m.id === 'bob')?.screenShare).toBeUndefined();
    expect(off.effects).toEqual([{ kind: 'screen-stopped', member: expect.objectContaining({ id: 'bob' }) }]);
    // Stopping what was never started is harmless and disconnects nothing.
    expect(ok(d0, { type: 'screen-share', sharing: false }, bob).effects).toEqual([]);
  });

  it('refuses someone without a seat, and a share when the stage has no publisher seat left', () => {
    const d0 = studioWith('bob');
    const stranger: ActorContext = { role: 'viewer', memberId: null, userId: 'eve', label: 'user:eve' };
    expect(applyStudioCommand(d0, { type: 'screen-share', sharing: true }, stranger, now)).toMatchObject({ ok: false });
    const full = studioWith(...Array.from({ length: 11 }, (_, i) => `g${i}`));
    const g0: ActorContext = { role: 'guest', memberId: 'g0', userId: 'g0', label: 'g0' };
    expect(applyStudioCommand(full, { type: 'screen-share', sharing: true }, g0, now)).toMatchObject({ ok: false, code: 'studio/full' });
  });
});

describe('scenes and programme volume', () => {
  it('switches to a card without touching who is on air, and a later layout change keeps the scene', () => {
    const d0 = ok(studioWith('bob'), { type: 'set-status', memberId: 'bob', status: 'on-air' }).doc;
    const r = ok(d0, { type: 'scene', patch: { active: 'starting', countdown: { at: later(600).toISOString(), goLive: true } } });
    expect(r.change).toMatchObject({ type: 'scene', subject: 'starting' });
    expect(r.effects).toEqual([]);
    expect(r.doc.layout.order).toEqual(['bob']);
    expect(r.doc.members.find((m) => m.id === 'bob')?.status).toBe('on-air');
    const after = ok(r.doc, { type: 'layout', patch: { nameTags: false } }).doc;
    expect(after.layout.scene).toEqual(r.doc.layout.scene);
  });

  it('refuses a countdown in the past with a sentence and changes nothing', () => {
    const d = studioWith();
    const r = applyStudioCommand(d, { type: 'scene', patch: { countdown: { at: later(-1).toISOString(), goLive: false } } }, host, now);
    expect(r).toEqual({ ok: false, code: 'request/invalid', message: 'The countdown must end in the future.' });
    expect(d.layout.scene).toBeUndefined();
  });

  it('sets a member programme volume; an unknown member is refused', () => {
    const r = ok(studioWith('bob'), { type: 'programme-volume', memberId: 'bob', volume: 35 });
    expect(r.doc.members.find((m) => m.id === 'bob')?.programmeVolume).toBe(35);
    expect(applyStudioCommand(r.doc, { type: 'programme-volume', memberId: 'nobody', volume: 10 }, host, now)).toMatchObject({
      ok: false,
      code: 'studio/member-not-found',
    });
  });
});

describe('comment on screen', () => {
  const comment = (messageId: string, authorId = 'viewer-1') => ({
    messageId,
    author: { id: authorId, username: 'vera' },
    text: 'Hello from the chat!',
    shownBy: 'owner',
    shownAt: now.toISOString(),
  });
  const guest: ActorContext = { role: 'guest', memberId: 'bob', userId: 'bob', label: 'bob' };

  it('shows one comment at a time: showing another replaces it, hiding clears it', () => {
    const one = ok(studioWith(), { type: 'comment', comment: comment('m1') });
    expect(one.doc.layout.comment).toEqual(comment('m1'));
    expect(one.change).toMatchObject({ type: 'comment', subject: 'm1' });
    const two = ok(one.doc, { type: 'comment', comment: comment('m2') });
    expect(two.doc.layout.comment?.messageId).toBe('m2');
    const hidden = ok(two.doc, { type: 'comment', comment: null });
    expect(hidden.doc.layout.comment).toBeNull();
    expect(hidden.change.subject).toBe('m2');
    expect(applyStudioCommand(hidden.doc, { type: 'comment', comment: null }, host, now)).toMatchObject({
      ok: false,
      code: 'studio/invalid-transition',
    });
  });

  it('refuses a guest with a sentence, and changes nothing', () => {
    const d = studioWith('bob');
    const r = applyStudioCommand(d, { type: 'comment', comment: comment('m1') }, guest, now);
    expect(r).toMatchObject({ ok: false, code: 'auth/forbidden', message: expect.stringMatching(/host or a co-host/) });
  });

  it('a layout change keeps the comment on screen', () => {
    const shown = ok(studioWith(), { type: 'comment', comment: comment('m1') });
    expect(ok(shown.doc, { type: 'layout', patch: { nameTags: false } }).doc.layout.comment?.messageId).toBe('m1');
  });

  it('moderation takes it down once, by message or by author, and only the server may', () => {
    const shown = ok(studioWith(), { type: 'comment', comment: comment('m1', 'viewer-1') });
    expect(applyStudioCommand(shown.doc, { type: 'comment-taken-down', fact: { messageId: 'm1' } }, host, now)).toMatchObject({
      ok: false,
      code: 'auth/forbidden',
    });
    const gone = ok(shown.doc, { type: 'comment-taken-down', fact: { messageId: 'm1' } }, system);
    expect(gone.doc.layout.comment).toBeNull();
    expect(gone.change).toMatchObject({ type: 'comment-taken-down', by: 'system', subject: 'm1' });
    // Idempotent: a second delete, another message's, or another author's ban change nothing.
    for (const fact of [{ messageId: 'm1' }, { authorId: 'viewer-1' }])
      expect(applyStudioCommand(gone.doc, { type: 'comment-taken-down', fact }, system, now)).toMatchObject({ ok: false });
    expect(applyStudioCommand(shown.doc, { type: 'comment-taken-down', fact: { messageId: 'm9' } }, system, now)).toMatchObject({
      ok: false,
    });
    expect(applyStudioCommand(shown.doc, { type: 'comment-taken-down', fact: { authorId: 'someone' } }, system, now)).toMatchObject({
      ok: false,
    });
    expect(ok(shown.doc, { type: 'comment-taken-down', fact: { authorId: 'viewer-1' } }, system).doc.layout.comment).toBeNull();
  });
});

import { initialStudioDocument, type StudioDocument, type StudioMember } from '@streamcat/protocol';
import type { SocketActor } from '../realtime/socket-actor';
import { decideBackstage, isSeatedRole, senderKeyOf } from './backstage-chat.rules';

const now = new Date('2026-11-20T18:00:00Z');
const SEND = 'studio:backstage-send';
const HISTORY = 'studio:backstage-history';

function seat(id: string, kind: 'user' | 'guest', role: StudioMember['role'], displayName = id): StudioMember {
  return {
    id,
    kind,
    userId: kind === 'user' ? id : null,
    linkId: kind === 'guest' ? 'link-1' : null,
    displayName,
    role,
    status: 'backstage',
    handRaised: false,
    mutedInProgramme: false,
    joinedAt: now.toISOString(),
  };
}

/** Alice's studio: Bob co-hosts, Gail came by link; Wally waits in the green room; Rex was removed. */
function studio(): StudioDocument {
  const doc = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'alice', ownerName: 'alice', now });
  doc.members.push(seat('bob', 'user', 'cohost'), seat('gail', 'guest', 'guest', 'Gail G.'));
  doc.greenRoom.push({
    guestId: 'wally',
    displayName: 'Wally',
    linkId: 'link-1',
    requestedAt: now.toISOString(),
    expiresAt: now.toISOString(),
  });
  doc.removed.push({ id: 'rex', kind: 'user', at: now.toISOString() });
  return doc;
}

const user = (id: string, role: 'user' | 'moderator' | 'admin' = 'user'): SocketActor => ({ kind: 'user', id, username: id, role });
const guest = (guestId: string, stageId = 'st'): SocketActor => ({ kind: 'guest', guestId, stageId, displayName: guestId });

describe('decideBackstage', () => {
  it('lets every seated member write, signed with their own seat', () => {
    const doc = studio();
    for (const [actor, id, role] of [
      [user('alice'), 'alice', 'host'],
      [user('bob'), 'bob', 'cohost'],
      [guest('gail'), 'gail', 'guest'],
    ] as const) {
      const d = decideBackstage(SEND, actor, doc);
      expect(d).toMatchObject({ ok: true, role, member: { id, role } });
    }
  });

  it('a seat outranks site staff: a moderator seated as a guest writes as that guest', () => {
    const doc = studio();
    doc.members.push(seat('mo', 'user', 'guest'));
    expect(decideBackstage(SEND, user('mo', 'moderator'), doc)).toMatchObject({ ok: true, role: 'guest', member: { id: 'mo' } });
  });

  it('staff without a seat read but do not write, and are told why', () => {
    const doc = studio();
    for (const role of ['moderator', 'admin'] as const) {
      expect(decideBackstage(HISTORY, user('staff', role), doc)).toEqual({ ok: true, role, member: null });
      const refusal = decideBackstage(SEND, user('staff', role), doc);
      expect(refusal).toMatchObject({ ok: false, code: 'auth/forbidden' });
      expect(!refusal.ok && refusal.message).toMatch(/staff can read/i);
    }
  });

  it('refuses outsiders with a sentence that fits them', () => {
    const doc = studio();
    const cases: [SocketActor, RegExp][] = [
      [user('val'), /only people in this studio/i],
      [{ kind: 'anonymous' }, /only people in this studio/i],
      [guest('wally'), /green room/i],
      // A guest token for another stage does not open this one, even with a matching id.
      [guest('gail', 'other-stage'), /only people in this studio/i],
    ];
    for (const [actor, sentence] of cases) {
      for (const command of [SEND, HISTORY]) {
        const d = decideBackstage(command, actor, doc);
        expect(d).toMatchObject({ ok: false, code: 'auth/forbidden' });
        expect(!d.ok && d.message).toMatch(sentence);
      }
    }
  });

  it('tells a removed member they were removed', () => {
    const doc = studio();
    expect(decideBackstage(SEND, user('rex'), doc)).toEqual({ ok: false, code: 'studio/removed' });
    expect(decideBackstage(HISTORY, user('rex'), doc)).toEqual({ ok: false, code: 'studio/removed' });
    doc.members = doc.members.filter((m) => m.id !== 'gail');
    doc.removed.push({ id: 'gail', kind: 'guest', at: now.toISOString() });
    expect(decideBackstage(SEND, guest('gail'), doc)).toEqual({ ok: false, code: 'studio/removed' });
  });

  it('refuses a command the table does not know', () => {
    expect(decideBackstage('studio:backstage-delete', user('alice'), studio())).toMatchObject({ ok: false, code: 'auth/forbidden' });
  });
});

describe('seats and sender keys', () => {
  it('only hosts, co-hosts and guests are seated', () => {
    expect(['host', 'cohost', 'guest'].every((r) => isSeatedRole(r as never))).toBe(true);
    expect(['viewer', 'anonymous', 'moderator', 'admin'].some((r) => isSeatedRole(r as never))).toBe(false);
  });

  it('keys a sender by kind and id, so a user and a guest with the same id never share retries', () => {
    expect(senderKeyOf({ id: 'x', kind: 'user' })).toBe('user:x');
    expect(senderKeyOf({ id: 'x', kind: 'guest' })).toBe('guest:x');
  });
});

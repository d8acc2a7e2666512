import type { StudioDocument, StudioMember } from '@streamcat/protocol';
import { ActorRole, isAllowed } from '../auth/authorization';
import type { SocketActor } from '../realtime/socket-actor';
import { resolveStudioRole, studioMemberOf } from './studio.reducer';

/** The roles that hold a seat in a studio (as opposed to site staff looking in). */
const SEATED: readonly ActorRole[] = ['host', 'cohost', 'guest'];

export function isSeatedRole(role: ActorRole): boolean {
  return SEATED.includes(role);
}

export type BackstageDecision =
  { ok: true; role: ActorRole; member: StudioMember | null } | { ok: false; code: 'auth/forbidden' | 'studio/removed'; message?: string };

/**
 * Whether `actor` may use a backstage chat command on this studio, and as which seat. The
 * table in authorization.ts decides; this only adds the sentence a refused person reads.
 */
export function decideBackstage(command: string, actor: SocketActor, doc: StudioDocument): BackstageDecision {
  const role = resolveStudioRole(actor, doc);
  const member = actor.kind === 'anonymous' || role === 'moderator' || role === 'admin' ? null : (studioMemberOf(doc, actor) ?? null);
  // A seat is what a message is signed with; without one nobody writes, whatever the table says.
  if (isAllowed(command, role) && (member || !isSeatedRole(role))) return { ok: true, role, member };

  const id = actor.kind === 'user' ? actor.id : actor.kind === 'guest' && actor.stageId === doc.stageId ? actor.guestId : null;
  if (id && doc.removed.some((r) => r.id === id)) return { ok: false, code: 'studio/removed' };
  if (role === 'moderator' || role === 'admin')
    return { ok: false, code: 'auth/forbidden', message: 'Site staff can read a studio’s backstage chat but not write in it.' };
  if (actor.kind === 'guest' && doc.greenRoom.some((g) => g.guestId === actor.guestId))
    return {
      ok: false,
      code: 'auth/forbidden',
      message: 'You are still in the green room: the backstage chat opens once a host lets you in.',
    };
  return { ok: false, code: 'auth/forbidden', message: 'Only people in this studio can use its backstage chat.' };
}

/** Who sent it, for idempotency: the same key studio commands are recorded under. */
export function senderKeyOf(member: Pick<StudioMember, 'id' | 'kind'>): string {
  return `${member.kind}:${member.id}`;
}

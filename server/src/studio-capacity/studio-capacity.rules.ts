import type { MemberRole, StudioDocument } from '@streamcat/protocol';

/**
 * How many people one studio puts on camera, decided before any media is tried.
 *
 * Every publishing member holds a publisher seat on the studio stage, and an Amazon IVS stage
 * carries at most 12 publishers (the "Stage participants (publishers)" quota, not adjustable;
 * our SFU refuses the 13th with STAGE_AT_CAPACITY). Left to the stage, the 13th person would
 * find out from a failed publish after accepting, with a broken tile in everyone's studio. So
 * the studio counts seats itself:
 * - the owner always publishes; the other members publish in the order they were seated (the
 *   document keeps seat order), up to the capacity;
 * - a guest (someone there to be seen) who would be the 13th publisher is refused with
 *   `studio/full`, whether invited or admitted from the green room: the invite stays open and
 *   the guest stays in the green room, so they can come in once someone leaves;
 * - a co-host (a producer: runs the show, chats, admits people) is seated anyway, without a
 *   camera: a SUBSCRIBE-only token, and not allowed on air. When a publisher leaves, the
 *   longest-seated camera-less member takes the freed seat;
 * - camera-less seats are bounded too: the whole document is pushed on every change.
 * On-air members are a subset of the publishers, so the show stage (on-air members only)
 * never holds more than the capacity either.
 */

/** Publishers one stage carries (IVS's quota); the compositor's MAX_ON_AIR never exceeds it. */
export const STAGE_PUBLISHER_CAPACITY = 12;
/** Members seated without a camera once the publisher seats are taken. */
export const SUBSCRIBE_ONLY_SEATS = 12;

type Roster = Pick<StudioDocument, 'ownerId' | 'members'>;

export type StageCapability = 'PUBLISH' | 'SUBSCRIBE';

export type SeatDecision = { ok: true; publishes: boolean } | { ok: false; code: 'studio/full'; message: string };

/** Ids of the members who hold a publisher seat: the owner, then the others in seat order. */
export function publisherIds(doc: Roster, capacity = STAGE_PUBLISHER_CAPACITY): Set<string> {
  const owner = doc.members.filter((m) => m.id === doc.ownerId);
  const others = doc.members.filter((m) => m.id !== doc.ownerId);
  return new Set([...owner, ...others].slice(0, capacity).map((m) => m.id));
}

/** Whether one more person with `role` may be seated now, and whether they would publish. */
export function decideSeat(doc: Roster, role: Exclude<MemberRole, 'host'>, capacity = STAGE_PUBLISHER_CAPACITY): SeatDecision {
  if (doc.members.length < capacity) return { ok: true, publishes: true };
  if (role === 'cohost' && doc.members.length < capacity + SUBSCRIBE_ONLY_SEATS) return { ok: true, publishes: false };
  return { ok: false, code: 'studio/full', message: fullMessage(capacity, role) };
}

/** What the member's studio-stage token may do: publish only with a publisher seat. */
export function stageCapabilities(doc: Roster, memberId: string, capacity = STAGE_PUBLISHER_CAPACITY): StageCapability[] {
  return publisherIds(doc, capacity).has(memberId) ? ['PUBLISH', 'SUBSCRIBE'] : ['SUBSCRIBE'];
}

/** Going on air needs a camera on the stage: refused for a member seated without one. */
export function mayGoOnAir(doc: Roster, memberId: string, capacity = STAGE_PUBLISHER_CAPACITY): SeatDecision {
  if (publisherIds(doc, capacity).has(memberId)) return { ok: true, publishes: true };
  const name = doc.members.find((m) => m.id === memberId)?.displayName ?? 'This member';
  return {
    ok: false,
    code: 'studio/full',
    message: `${name} joined when the studio was full, so they have no camera on the stage. Someone must leave before they can go on air.`,
  };
}

function fullMessage(capacity: number, role: Exclude<MemberRole, 'host'>): string {
  const who = role === 'cohost' ? 'co-host' : 'guest';
  return `This studio is full: ${capacity} people are already on camera, the most one stage carries. Someone must leave before another ${who} can join.`;
}

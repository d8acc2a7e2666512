import type { MemberRole, StudioDocument } from './studio';

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
 * - a screen shared alongside the camera is a participant of its own (IVS: one video per
 *   participant), so it takes a publisher seat too: a member with a camera seat may share only
 *   while a seat is free, and a sharing member's screen counts against the 13th guest. Its
 *   seat is given back when the share stops.
 * On-air members (and their screens) are a subset of the publishers, so the show stage
 * (on-air members only) never holds more than the capacity either.
 */

/** Publishers one stage carries (IVS's quota); the compositor's MAX_ON_AIR never exceeds it. */
export const STAGE_PUBLISHER_CAPACITY = 12;
/** Members seated without a camera once the publisher seats are taken. */
export const SUBSCRIBE_ONLY_SEATS = 12;

type Roster = Pick<StudioDocument, 'ownerId' | 'members'>;

export type StageCapability = 'PUBLISH' | 'SUBSCRIBE';

export type SeatDecision = { ok: true; publishes: boolean } | { ok: false; code: 'studio/full'; message: string };

/** Screens shared alongside cameras: each is one more publisher on the stage. */
export function screenShareCount(doc: Roster): number {
  return screenSharerIds(doc).length;
}

/** Members sharing their screen (each a second participant of theirs), in seat order. */
export function screenSharerIds(doc: Pick<StudioDocument, 'members'>): string[] {
  return doc.members.filter((m) => m.screenShare === true).map((m) => m.id);
}

/** Ids of the members who hold a publisher seat: the owner, then the others in seat order (screens hold seats too). */
export function publisherIds(doc: Roster, capacity = STAGE_PUBLISHER_CAPACITY): Set<string> {
  const owner = doc.members.filter((m) => m.id === doc.ownerId);
  const others = doc.members.filter((m) => m.id !== doc.ownerId);
  return new Set([...owner, ...others].slice(0, Math.max(0, capacity - screenShareCount(doc))).map((m) => m.id));
}

/** Whether one more person with `role` may be seated now, and whether they would publish. */
export function decideSeat(doc: Roster, role: Exclude<MemberRole, 'host'>, capacity = STAGE_PUBLISHER_CAPACITY): SeatDecision {
  if (doc.members.length + screenShareCount(doc) < capacity) return { ok: true, publishes: true };
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

/**
 * Whether this member may start sharing their screen (a second publisher of theirs): only with
 * a camera seat, and only while the stage has a publisher seat free for the screen. Already
 * sharing: yes (a repeated start changes nothing).
 */
export function mayShareScreen(doc: Roster, memberId: string, capacity = STAGE_PUBLISHER_CAPACITY): SeatDecision {
  const me = doc.members.find((m) => m.id === memberId);
  if (me?.screenShare) return { ok: true, publishes: true };
  const publishers = publisherIds(doc, capacity);
  if (!publishers.has(memberId))
    return { ok: false, code: 'studio/full', message: 'You joined when the studio was full, so you cannot publish a camera or a screen.' };
  if (publishers.size + screenShareCount(doc) < capacity) return { ok: true, publishes: true };
  return {
    ok: false,
    code: 'studio/full',
    message: `A shared screen takes a publisher seat of its own, and all ${capacity} are taken. Someone must leave (or stop sharing) first.`,
  };
}

function fullMessage(capacity: number, role: Exclude<MemberRole, 'host'>): string {
  const who = role === 'cohost' ? 'co-host' : 'guest';
  return `This studio is full: ${capacity} people are already on camera, the most one stage carries. Someone must leave before another ${who} can join.`;
}

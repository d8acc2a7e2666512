import { publishesToShowStage, showStageNeeded, type ErrorCode, type StudioDocument, type StudioMember } from '@streamcat/protocol';

/**
 * The show stage's invariant, as pure decisions: only a member who is on air, while someone
 * watches the show stage, is given a PUBLISH token there; whoever leaves the air (taken off,
 * or removed) loses their show-stage participant before the change is acknowledged.
 */

/** Who asks for a show-stage token: a signed-in user or an invite-link guest of this stage. */
export type ShowSeatClaim = { kind: 'user'; userId: string } | { kind: 'guest'; guestId: string; stageId: string };

/** The member a claim names in this studio; refused (removed, or not a member) otherwise. */
export function seatOfClaim(doc: StudioDocument, who: ShowSeatClaim): { seat: StudioMember } | { refused: ErrorCode } {
  const seat =
    who.kind === 'user'
      ? doc.members.find((m) => m.kind === 'user' && m.userId === who.userId)
      : who.stageId === doc.stageId
        ? doc.members.find((m) => m.kind === 'guest' && m.id === who.guestId)
        : undefined;
  if (seat) return { seat };
  const id = who.kind === 'user' ? who.userId : who.guestId;
  return { refused: doc.removed.some((r) => r.id === id) ? 'studio/removed' : 'auth/forbidden' };
}

export function showSeat(doc: StudioDocument, who: ShowSeatClaim): { seat: StudioMember } | { refused: ErrorCode } {
  const claimed = seatOfClaim(doc, who);
  if ('refused' in claimed) return claimed;
  const seat = claimed.seat;
  if (!showStageNeeded(doc)) return { refused: 'stage/show-not-needed' };
  if (seat.status !== 'on-air') return { refused: 'stage/not-on-air' };
  return { seat };
}

/** Members on air in `before` who are not on air in `after` (taken off, or no longer in the studio). */
export function leftTheAir(before: Pick<StudioDocument, 'members'>, after: Pick<StudioDocument, 'members'>): StudioMember[] {
  const onAirAfter = new Set(after.members.filter((m) => m.status === 'on-air').map((m) => m.id));
  return before.members.filter((m) => m.status === 'on-air' && !onAirAfter.has(m.id));
}

/**
 * Members who publish to the show stage after a change and did not before it (put on air while
 * someone watches, or real-time viewing opened with them on air): the server mints their show
 * token with the change and hands it to them at once, so they need not ask for it.
 */
export function joinedTheShow(before: StudioDocument, after: StudioDocument): StudioMember[] {
  return after.members.filter((m) => publishesToShowStage(after, m.id) && !publishesToShowStage(before, m.id));
}

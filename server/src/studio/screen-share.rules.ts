import { stageCapabilities, type ErrorCode, type StudioDocument, type StudioMember } from '@streamcat/protocol';
import { seatOfClaim, showSeat, type ShowSeatClaim } from './show-stage.rules';

/**
 * Who may publish a screen share, as a pure decision. A screen is a second, PUBLISH-only
 * participant of the member (IVS carries one video per participant), so its token is given
 * only to a seated member with a camera seat whose share is declared in the document
 * (`studio:screen-share`, which took a publisher seat for it); on the show stage, in addition,
 * only while the member publishes there (on air, show stage needed): the show stage's
 * invariant holds for screens as for cameras.
 */
export function screenSeat(
  doc: StudioDocument,
  who: ShowSeatClaim,
  where: 'studio' | 'show',
): { seat: StudioMember } | { refused: ErrorCode } {
  const claimed = seatOfClaim(doc, who);
  if ('refused' in claimed) return claimed;
  const seat = claimed.seat;
  if (!stageCapabilities(doc, seat.id).includes('PUBLISH')) return { refused: 'studio/full' };
  if (seat.screenShare !== true) return { refused: 'stage/not-sharing' };
  if (where === 'studio') return { seat };
  return showSeat(doc, who);
}

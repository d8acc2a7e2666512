import { commentCardBounds, type Rect } from '../media/compositor.comment';

/**
 * When a moderator takes the comment on screen down, the programme loses the card at once but a
 * broadcast page plays that programme seconds late (encoder, HLS segments, the player's buffer).
 * The page covers the card's place until its picture has passed the withdrawal. These decide
 * where the cover goes and how long it stays, without a video element.
 */

/**
 * How far past the picture the player held at the push the cover stays (in media seconds): the
 * last frames with the card were still being encoded, segmented and fetched when the push came.
 * Measured here (comment-on-screen.e2e, local HLS on two shared cores): the card ended 3.3 s
 * past the buffer's end at load 6, 6.4–6.7 s at load 9–14 and 9.7 s at load 14 (a 10 s glass
 * delay). Better a plate that stays a few seconds too long than a taken-down message seen: 15 s.
 */
export const COVER_MARGIN_S = 15;
/** The longest a cover stays whatever the player does (paused, stalled, reloaded on another timeline). */
export const COVER_MAX_MS = 30_000;

/** What the page reads of its player when a withdrawal is pushed, and on each check after. */
export interface PlayerClock {
  /** The playback position, in media seconds. */
  currentTime: number;
  /** The end of what the player has buffered (media seconds), null when it holds nothing. */
  bufferedEnd: number | null;
  /** Page clock, ms. */
  now: number;
}

/** Until when a cover stays: a playback position, and a page-clock deadline whichever comes first. */
export interface CoverHold {
  /** Null: the player held no picture at the push, so nothing tells where the card ends: it stays the longest. */
  untilMediaTime: number | null;
  untilMs: number;
}

/** The hold a withdrawal starts now; a second withdrawal while covered keeps the later of both. */
export function holdCover(at: PlayerClock, previous: CoverHold | null = null): CoverHold {
  const edge = at.bufferedEnd === null ? null : Math.max(at.bufferedEnd, at.currentTime);
  const next: CoverHold = { untilMediaTime: edge === null ? null : edge + COVER_MARGIN_S, untilMs: at.now + COVER_MAX_MS };
  if (!previous) return next;
  return {
    untilMediaTime:
      previous.untilMediaTime === null || next.untilMediaTime === null ? null : Math.max(previous.untilMediaTime, next.untilMediaTime),
    untilMs: Math.max(previous.untilMs, next.untilMs),
  };
}

/** Whether the cover can go: the picture has played past the hold, or the longest hold is over. */
export function coverDone(hold: CoverHold, at: Pick<PlayerClock, 'currentTime' | 'now'>): boolean {
  if (at.now >= hold.untilMs) return true;
  return hold.untilMediaTime !== null && at.currentTime >= hold.untilMediaTime;
}

/**
 * The cover's box in the player element's CSS pixels: the largest comment card on the video's own
 * frame (the compositor's geometry), scaled to where `object-fit: contain` shows that frame in
 * the element, rounded outwards and grown by `bleed` px so codec blur at the card's edge is hidden too.
 */
export function coverBox(video: { width: number; height: number }, element: { width: number; height: number }, bleed = 2): Rect | null {
  if (video.width <= 0 || video.height <= 0 || element.width <= 0 || element.height <= 0) return null;
  const scale = Math.min(element.width / video.width, element.height / video.height);
  const offsetX = (element.width - video.width * scale) / 2;
  const offsetY = (element.height - video.height * scale) / 2;
  const card = commentCardBounds({ width: video.width, height: video.height });
  const left = Math.max(0, Math.floor(offsetX + card.x * scale - bleed));
  const top = Math.max(0, Math.floor(offsetY + card.y * scale - bleed));
  const right = Math.min(element.width, Math.ceil(offsetX + (card.x + card.w) * scale + bleed));
  const bottom = Math.min(element.height, Math.ceil(offsetY + (card.y + card.h) * scale + bleed));
  return { x: left, y: top, w: right - left, h: bottom - top };
}

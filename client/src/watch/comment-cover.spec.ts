import { describe, expect, it } from '@jest/globals';
import { commentCardBounds } from '../media/compositor.comment';
import { COVER_MARGIN_S, COVER_MAX_MS, coverBox, coverDone, holdCover } from './comment-cover';

describe('holdCover / coverDone', () => {
  it('stays until the picture has played COVER_MARGIN_S past what the player had buffered at the push', () => {
    const hold = holdCover({ currentTime: 100, bufferedEnd: 104, now: 0 });
    expect(hold).toEqual({ untilMediaTime: 104 + COVER_MARGIN_S, untilMs: COVER_MAX_MS });
    // The delayed picture still plays frames drawn before the withdrawal: covered.
    expect(coverDone(hold, { currentTime: 104, now: 4_000 })).toBe(false);
    const end = 104 + COVER_MARGIN_S;
    expect(coverDone(hold, { currentTime: end - 0.1, now: 9_900 })).toBe(false);
    expect(coverDone(hold, { currentTime: end, now: 10_000 })).toBe(true);
  });

  it('goes after COVER_MAX_MS whatever the player does (paused, stalled)', () => {
    const hold = holdCover({ currentTime: 50, bufferedEnd: 52, now: 1_000 });
    expect(coverDone(hold, { currentTime: 50, now: 1_000 + COVER_MAX_MS - 1 })).toBe(false);
    expect(coverDone(hold, { currentTime: 50, now: 1_000 + COVER_MAX_MS })).toBe(true);
  });

  it('with nothing buffered at the push (the player was starting), holds the longest', () => {
    const hold = holdCover({ currentTime: 0, bufferedEnd: null, now: 0 });
    expect(hold.untilMediaTime).toBeNull();
    expect(coverDone(hold, { currentTime: 1_000, now: 20_000 })).toBe(false);
    expect(coverDone(hold, { currentTime: 1_000, now: COVER_MAX_MS })).toBe(true);
  });

  it('a position past the buffer (a seek) counts from the position', () => {
    expect(holdCover({ currentTime: 30, bufferedEnd: 20, now: 0 }).untilMediaTime).toBe(30 + COVER_MARGIN_S);
  });

  it('a second withdrawal while covered keeps the later of both holds', () => {
    const first = holdCover({ currentTime: 100, bufferedEnd: 104, now: 0 });
    const both = holdCover({ currentTime: 102, bufferedEnd: 106, now: 2_000 }, first);
    expect(both).toEqual({ untilMediaTime: 106 + COVER_MARGIN_S, untilMs: 2_000 + COVER_MAX_MS });
    expect(holdCover({ currentTime: 0, bufferedEnd: null, now: 2_000 }, first).untilMediaTime).toBeNull();
  });
});

describe('coverBox', () => {
  it('is the largest comment card of the video frame, scaled to the element, grown by the bleed', () => {
    const card = commentCardBounds({ width: 1280, height: 720 }); // x 30, y 455, w 589, h 161
    expect(coverBox({ width: 1280, height: 720 }, { width: 1280, height: 720 }, 0)).toEqual(card);
    // Half size: everything halves (rounded outwards), plus 2 px of bleed on each side.
    expect(coverBox({ width: 1280, height: 720 }, { width: 640, height: 360 })).toEqual({ x: 13, y: 225, w: 299, h: 85 });
  });

  it('follows object-fit: contain: a 16:9 frame in a taller element is centred with bars above and below', () => {
    const box = coverBox({ width: 1280, height: 720 }, { width: 640, height: 480 }, 0)!;
    // 640×360 picture, 60 px bars: the card is 60 px lower than in a 640×360 element.
    expect(box).toEqual({ x: 15, y: 227 + 60, w: 295, h: 81 });
    const wide = coverBox({ width: 1280, height: 720 }, { width: 1000, height: 360 }, 0)!;
    // 640×360 picture centred in 1000 px: 180 px bars left and right.
    expect(wide.x).toBe(15 + 180);
  });

  it('covers the card whatever the video resolution (a 1080p or 480p rendition)', () => {
    for (const video of [
      { width: 1920, height: 1080 },
      { width: 854, height: 480 },
    ]) {
      const box = coverBox(video, { width: 960, height: 540 }, 0)!;
      const card = commentCardBounds(video);
      const k = 960 / video.width;
      expect(box.x).toBeLessThanOrEqual(card.x * k);
      expect(box.y).toBeLessThanOrEqual(card.y * k);
      expect(box.x + box.w).toBeGreaterThanOrEqual((card.x + card.w) * k);
      expect(box.y + box.h).toBeGreaterThanOrEqual((card.y + card.h) * k);
      // And no more than a pixel of rounding beyond it.
      expect(box.w).toBeLessThanOrEqual(card.w * k + 2);
    }
  });

  it('is nothing before the video knows its size', () => {
    expect(coverBox({ width: 0, height: 0 }, { width: 640, height: 360 })).toBeNull();
    expect(coverBox({ width: 1280, height: 720 }, { width: 0, height: 0 })).toBeNull();
  });
});

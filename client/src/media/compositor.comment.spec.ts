import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CANVAS } from '@streamcat/layouts';
import {
  COMMENT_MAX_LINES,
  commentCardBounds,
  commentGeometry,
  commentOnScreen,
  fitLine,
  initialOf,
  layoutCommentCard,
  wrapText,
} from './compositor.comment';

/** A monospace stand-in for measureText: every character 10 px wide. */
const mono = (t: string) => [...t].length * 10;

describe('wrapText', () => {
  test('breaks at spaces and keeps every word when the text fits in the lines', () => {
    expect(wrapText('the quick brown fox jumps', 100, 3, mono)).toEqual(['the quick', 'brown fox', 'jumps']);
    expect(wrapText('  short  ', 100, 3, mono)).toEqual(['short']);
    expect(wrapText('', 100, 3, mono)).toEqual([]);
  });

  test('stops at the last line and ends it with an ellipsis that still fits', () => {
    const lines = wrapText('one two three four five six seven eight nine ten eleven twelve', 100, 3, mono);
    expect(lines).toHaveLength(3);
    expect(lines[2]!.endsWith('…')).toBe(true);
    for (const l of lines) expect(mono(l)).toBeLessThanOrEqual(100);
    expect(lines.slice(0, 2)).toEqual(['one two', 'three four']);
  });

  test('cuts a word longer than a line by characters, so nothing overflows', () => {
    const lines = wrapText('a'.repeat(25), 100, 3, mono);
    expect(lines).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5)]);
    const long = wrapText('x'.repeat(80), 100, 3, mono);
    expect(long).toHaveLength(3);
    expect(long[2]).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('commentOnScreen', () => {
  test('is drawn with the show, not over a scene card, and comes back with the show', () => {
    const c = { messageId: 'm1', author: { username: 'vera' }, text: 'Hi' };
    expect(commentOnScreen(c, false)).toBe(c);
    expect(commentOnScreen(c, true)).toBeNull();
    expect(commentOnScreen(null, false)).toBeNull();
    expect(commentOnScreen(undefined, false)).toBeNull();
  });
});

describe('fitLine and initialOf', () => {
  test('fits a line with an ellipsis only when it must', () => {
    expect(fitLine('vera', 100, mono)).toBe('vera');
    expect(fitLine('a very long username', 100, mono)).toBe('a very lo…');
  });

  test('the avatar letter is the first letter or digit, upper-cased', () => {
    expect(initialOf('vera')).toBe('V');
    expect(initialOf('_élodie')).toBe('É');
    expect(initialOf('42fan')).toBe('4');
    expect(initialOf('__')).toBe('?');
  });
});

describe('layoutCommentCard', () => {
  const comment = (text: string) => ({ messageId: 'm1', author: { username: 'vera' }, text });
  const canvas = DEFAULT_CANVAS;
  const g = commentGeometry(canvas);

  test('sits lower-left, above where the banner is drawn, inside the canvas, whatever the text length', () => {
    const bannerTop = canvas.height - canvas.height / 24 - (canvas.height / 24) * 2;
    for (const text of ['Hi', 'word '.repeat(200)]) {
      const l = layoutCommentCard(comment(text), canvas, (t) => mono(t));
      expect(l.card.x).toBe(Math.round(canvas.height / 24));
      expect(l.card.y + l.card.h).toBeLessThan(bannerTop);
      expect(l.card.y).toBeGreaterThan(0);
      expect(l.card.x + l.card.w).toBeLessThanOrEqual(canvas.width / 2);
      expect(l.lines.length).toBeLessThanOrEqual(COMMENT_MAX_LINES);
      // The probe is in the bottom padding: inside the card, below the last line and the avatar.
      expect(l.probe.y).toBeGreaterThan(Math.max(...l.lines.map((x) => x.y), l.avatar.cy + l.avatar.r));
      expect(l.probe.y).toBeLessThan(l.card.y + l.card.h);
      expect(l.probe.x).toBeGreaterThan(l.card.x + l.radius);
      expect(l.probe.x).toBeLessThan(l.card.x + l.card.w - l.radius);
    }
  });

  test('a long message grows the card upwards to three lines with an ellipsis; the bottom stays put', () => {
    const short = layoutCommentCard(comment('Hi'), canvas, mono);
    const long = layoutCommentCard(comment('word '.repeat(200)), canvas, mono);
    expect(long.lines).toHaveLength(3);
    expect(long.lines[2]!.text.endsWith('…')).toBe(true);
    expect(long.card.y + long.card.h).toBe(short.card.y + short.card.h);
    expect(long.card.h).toBeGreaterThan(short.card.h);
    expect(long.probe).toEqual(short.probe);
    // Text starts right of the avatar and stays inside the card.
    for (const line of long.lines) {
      expect(line.x).toBeGreaterThan(long.avatar.cx + long.avatar.r);
      expect(line.x + mono(line.text)).toBeLessThanOrEqual(long.card.x + long.card.w - g.pad);
    }
    expect(short.avatar.letter).toBe('V');
    expect(short.author.text).toBe('vera');
  });
});

describe('commentCardBounds', () => {
  const inside = (r: { x: number; y: number; w: number; h: number }, o: typeof r) =>
    r.x >= o.x && r.y >= o.y && r.x + r.w <= o.x + o.w && r.y + r.h <= o.y + o.h;

  test('holds every card the compositor draws, and is the three-line card itself', () => {
    for (const canvas of [DEFAULT_CANVAS, { width: 1920, height: 1080 }, { width: 854, height: 480 }]) {
      const bounds = commentCardBounds(canvas);
      const cards = ['Hi', 'two words '.repeat(6), 'word '.repeat(200)].map(
        (text) => layoutCommentCard({ messageId: 'm', author: { username: 'vera' }, text }, canvas, mono).card,
      );
      for (const card of cards) expect(inside(card, bounds)).toBe(true);
      expect(cards[2]).toEqual(bounds);
    }
  });

  test('on 1280×720: lower-left, above the banner band (the place a broadcast page covers)', () => {
    expect(commentCardBounds(DEFAULT_CANVAS)).toEqual({ x: 30, y: 455, w: 589, h: 161 });
  });
});

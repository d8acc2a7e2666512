import type { Canvas } from '@streamcat/layouts';
import { textOn } from './compositor.brand';

/**
 * The comment card: a viewer's chat message on screen (author, a round avatar with their first
 * letter, the text in at most three lines). Where it sits and how its text breaks are decided
 * here, once per comment, as pure functions; the compositor only paints the result each frame,
 * so a frame never measures text.
 */

/** What the card shows (the studio document's `layout.comment`, or what a show page knows of it). */
export interface CommentShown {
  messageId: string;
  author: { username: string };
  text: string;
}

export const COMMENT_MAX_LINES = 3;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A laid-out card: everything a frame needs to paint it, in canvas pixels. */
export interface CommentCardLayout {
  card: Rect;
  radius: number;
  avatar: { cx: number; cy: number; r: number; letter: string };
  author: { text: string; x: number; y: number; font: string };
  lines: { text: string; x: number; y: number }[];
  textFont: string;
  /** A point inside the card that is always plain accent (its bottom padding): where a test samples it. */
  probe: { x: number; y: number };
}

/**
 * The comment drawn now: none while a scene card (starting soon, be right back, ending) stands in
 * for the show, as the tiles and banner are not drawn then either; it is back with the show.
 */
export function commentOnScreen(comment: CommentShown | null | undefined, cardUp: boolean): CommentShown | null {
  return comment && !cardUp ? comment : null;
}

/** Widths of text in a given font (the canvas's measureText in the page; a stub in specs). */
export type Measure = (text: string, font: string) => number;

/** Sizes of the card for a canvas, all from its height so 720p and 1080p look alike. */
export function commentGeometry(canvas: Canvas) {
  const unit = canvas.height / 720;
  // The banner sits at the bottom-left, `height/24` from the edge and `height/12` tall: the card stands above it.
  const bannerTop = canvas.height - canvas.height / 24 - (canvas.height / 24) * 2;
  const margin = Math.round(canvas.height / 24);
  const pad = Math.round(20 * unit);
  const textSize = Math.round(24 * unit);
  const authorSize = Math.round(20 * unit);
  const lineHeight = Math.round(textSize * 1.3);
  const avatarR = Math.round(26 * unit);
  return {
    x: margin,
    bottom: Math.round(bannerTop - 14 * unit),
    width: Math.round(Math.min(canvas.width - 2 * margin, canvas.width * 0.46)),
    pad,
    textSize,
    authorSize,
    lineHeight,
    avatarR,
    radius: Math.round(14 * unit),
  };
}

/** Lays the card out for one comment on one canvas. */
export function layoutCommentCard(comment: CommentShown, canvas: Canvas, measure: Measure): CommentCardLayout {
  const g = commentGeometry(canvas);
  const textFont = `500 ${g.textSize}px system-ui, sans-serif`;
  const authorFont = `700 ${g.authorSize}px system-ui, sans-serif`;
  const textX = g.x + g.pad + 2 * g.avatarR + g.pad;
  const textWidth = g.x + g.width - g.pad - textX;
  const lines = wrapText(comment.text, textWidth, COMMENT_MAX_LINES, (t) => measure(t, textFont));
  const authorLine = authorLineOf(g);
  const h = cardHeight(g, lines.length);
  const y = g.bottom - h;
  const author = fitLine(comment.author.username, textWidth, (t) => measure(t, authorFont));
  return {
    card: { x: g.x, y, w: g.width, h },
    radius: g.radius,
    avatar: { cx: g.x + g.pad + g.avatarR, cy: y + g.pad + g.avatarR, r: g.avatarR, letter: initialOf(comment.author.username) },
    author: { text: author, x: textX, y: y + g.pad + authorLine / 2, font: authorFont },
    lines: lines.map((text, i) => ({ text, x: textX, y: y + g.pad + authorLine + i * g.lineHeight + g.lineHeight / 2 })),
    textFont,
    probe: { x: Math.round(g.x + g.width * 0.6), y: Math.round(g.bottom - g.pad / 2) },
  };
}

const authorLineOf = (g: ReturnType<typeof commentGeometry>) => Math.round(g.authorSize * 1.4);

/** The card's height with `lines` lines of text (it grows upwards from `bottom`). */
function cardHeight(g: ReturnType<typeof commentGeometry>, lines: number): number {
  return Math.max(2 * g.avatarR, authorLineOf(g) + lines * g.lineHeight) + 2 * g.pad;
}

/**
 * Where any comment card can be on this canvas: the card with the most lines it draws. A page
 * that knows a card was there but not its text (a broadcast page told of a withdrawal) covers this.
 */
export function commentCardBounds(canvas: Canvas): Rect {
  const g = commentGeometry(canvas);
  const h = cardHeight(g, COMMENT_MAX_LINES);
  return { x: g.x, y: g.bottom - h, w: g.width, h };
}

/** The avatar's letter: the first letter or digit of the name, upper-cased. */
export function initialOf(name: string): string {
  const m = /[\p{L}\p{N}]/u.exec(name);
  return m ? m[0].toLocaleUpperCase() : '?';
}

/**
 * Breaks `text` into at most `maxLines` lines no wider than `width`, at spaces where it can
 * (a word wider than a line is cut by characters). Text left over ends the last line with "…".
 */
export function wrapText(text: string, width: number, maxLines: number, measure: (t: string) => number): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  let i = 0;
  while (i < words.length && lines.length < maxLines) {
    const word = words[i]!;
    const candidate = line ? `${line} ${word}` : word;
    if (measure(candidate) <= width) {
      line = candidate;
      i++;
      continue;
    }
    if (line) {
      lines.push(line);
      line = '';
      continue;
    }
    // One word wider than the line: as many characters as fit, the rest goes on.
    const chars = [...word];
    let n = chars.length - 1;
    while (n > 1 && measure(chars.slice(0, n).join('')) > width) n--;
    lines.push(chars.slice(0, n).join(''));
    words[i] = chars.slice(n).join('');
  }
  // The loop stops with words left only when the lines are full (then `line` is empty).
  if (line) lines.push(line);
  if (i < words.length && lines.length > 0) lines[lines.length - 1] = fitLine(`${lines[lines.length - 1]}…`, width, measure);
  return lines;
}

/** `text` itself if it fits in `width`, else cut with a trailing "…" so it does. */
export function fitLine(text: string, width: number, measure: (t: string) => number): string {
  if (measure(text) <= width) return text;
  const chars = [...text.replace(/…$/, '')];
  let n = chars.length;
  while (n > 0 && measure(`${chars.slice(0, n).join('').trimEnd()}…`) > width) n--;
  return `${chars.slice(0, n).join('').trimEnd()}…`;
}

/**
 * Paints the comment card, laying it out only when the comment (or canvas) changes: the text
 * is measured once per comment, never per frame.
 */
export class CommentCard {
  private key = '';
  private laid: CommentCardLayout | null = null;

  /** The layout of the card for this comment now (for the page's diagnostics and tests). */
  layout(ctx: CanvasRenderingContext2D, comment: CommentShown, canvas: Canvas): CommentCardLayout {
    const key = `${comment.messageId}\u0000${comment.author.username}\u0000${comment.text}\u0000${canvas.width}x${canvas.height}`;
    if (key !== this.key || !this.laid) {
      this.laid = layoutCommentCard(comment, canvas, (text, font) => {
        ctx.font = font;
        return ctx.measureText(text).width;
      });
      this.key = key;
    }
    return this.laid;
  }

  /** The card is a solid plate in the brand's primary colour (`fill`), its text in black or white to read on it. */
  paint(ctx: CanvasRenderingContext2D, comment: CommentShown, canvas: Canvas, fill: string): void {
    const l = this.layout(ctx, comment, canvas);
    const { card, avatar } = l;
    const ink = textOn(fill);
    ctx.fillStyle = fill;
    ctx.beginPath();
    ctx.roundRect(card.x, card.y, card.w, card.h, l.radius);
    ctx.fill();
    ctx.fillStyle = ink;
    ctx.beginPath();
    ctx.arc(avatar.cx, avatar.cy, avatar.r, 0, Math.PI * 2);
    ctx.fill();
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = `700 ${Math.round(avatar.r)}px system-ui, sans-serif`;
    ctx.fillStyle = fill;
    ctx.fillText(avatar.letter, avatar.cx, avatar.cy);
    ctx.textAlign = 'left';
    ctx.fillStyle = ink;
    ctx.font = l.author.font;
    ctx.fillText(l.author.text, l.author.x, l.author.y);
    ctx.font = l.textFont;
    for (const line of l.lines) ctx.fillText(line.text, line.x, line.y);
  }
}

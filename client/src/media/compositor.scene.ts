import { countdownText, type SceneCardName, type StudioScene } from '@streamcat/protocol/studio-scenes';
import type { Canvas } from '@streamcat/layouts';

/**
 * The scene card as a pure plan: which texts, at which sizes and places, from the studio's scene
 * state and the canvas. The compositor lays a card out once per change (text measuring is the
 * slow part of canvas text) and per frame only draws it, with the countdown's text for that moment.
 */

/** What a card shows, from the document: null while the show is on. */
export interface CardContent {
  name: SceneCardName;
  title: string;
  subtitle: string;
  /** Epoch ms the countdown ends at, on the "starting soon" card only. */
  countdownAt: number | null;
  /** The accent strip's colour: the brand's primary colour, so cards wear the channel's look. */
  accent: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface CardText {
  text: string;
  /** Canvas font shorthand, size included. */
  font: string;
  size: number;
  colour: string;
  /** Centre of the text's line (drawn centred, middle baseline). */
  x: number;
  y: number;
}

export interface CardLayout {
  /** The opaque panel in the middle; the studio's background shows around it. */
  panel: Box;
  panelColour: string;
  /** The accent strip along the panel's top edge (the browser check looks for its colour). */
  accent: Box;
  accentColour: string;
  title: CardText | null;
  subtitle: CardText | null;
  /** Where the countdown goes (text decided per frame by `countdownAt`), or null. */
  countdown: Omit<CardText, 'text'> | null;
}

export const CARD_PANEL_COLOUR = '#15171f';
const TITLE_COLOUR = '#ffffff';
const SUBTITLE_COLOUR = '#c9cbd6';
const SANS = 'system-ui, sans-serif';
// Monospace digits: the countdown's width does not wobble as the digits change.
const MONO = 'ui-monospace, Menlo, Consolas, monospace';

/** The card to draw (null: the show), from the scene state and the brand's primary colour. */
export function activeCard(scene: StudioScene | undefined, accent: string): CardContent | null {
  if (!scene || scene.active === 'show') return null;
  const card = scene.cards[scene.active];
  const countdownAt = scene.active === 'starting' && scene.countdown ? Date.parse(scene.countdown.at) : null;
  return {
    name: scene.active,
    title: card.title.trim(),
    subtitle: card.subtitle.trim(),
    countdownAt: countdownAt !== null && Number.isFinite(countdownAt) ? countdownAt : null,
    accent,
  };
}

/** Measures a text's width in a font (the canvas's `measureText` in the page, a stub in specs). */
export type MeasureText = (text: string, font: string) => number;

/**
 * Lays a card out on the canvas: a centred panel 70 % wide holding the title, the countdown
 * (starting soon with a countdown) and the subtitle, stacked and centred. A text too wide for
 * the panel is set smaller (down to 60 %) and then cut with an ellipsis.
 */
export function layoutCard(card: CardContent, canvas: Canvas, measure: MeasureText): CardLayout {
  const { width, height } = canvas;
  const panelW = Math.round(width * 0.7);
  const pad = Math.round(height / 24);
  const inner = panelW - 2 * pad;
  const titleSize = Math.round(height / 10);
  const countdownSize = Math.round(height / 6);
  const subtitleSize = Math.round(height / 24);
  const gap = Math.round(height / 40);

  const rows: Array<{ kind: 'title' | 'countdown' | 'subtitle'; size: number; text: string; font: string; colour: string }> = [];
  if (card.title) {
    const fit = fitLine(card.title, titleSize, (s) => `700 ${s}px ${SANS}`, inner, measure);
    rows.push({ kind: 'title', ...fit, colour: TITLE_COLOUR });
  }
  if (card.countdownAt !== null) {
    rows.push({ kind: 'countdown', size: countdownSize, text: '', font: `700 ${countdownSize}px ${MONO}`, colour: TITLE_COLOUR });
  }
  if (card.subtitle) {
    const fit = fitLine(card.subtitle, subtitleSize, (s) => `500 ${s}px ${SANS}`, inner, measure);
    rows.push({ kind: 'subtitle', ...fit, colour: SUBTITLE_COLOUR });
  }
  const lineHeight = (size: number) => Math.round(size * 1.25);
  const content = rows.reduce((sum, r) => sum + lineHeight(r.size), 0) + gap * Math.max(0, rows.length - 1);
  const accentH = Math.max(4, Math.round(height / 90));
  const panelH = Math.max(Math.round(height / 5), content + 2 * pad + accentH);
  const panel = { x: Math.round((width - panelW) / 2), y: Math.round((height - panelH) / 2), w: panelW, h: panelH };

  const out: CardLayout = {
    panel,
    panelColour: CARD_PANEL_COLOUR,
    accent: { x: panel.x, y: panel.y, w: panel.w, h: accentH },
    accentColour: card.accent,
    title: null,
    subtitle: null,
    countdown: null,
  };
  // Content centred vertically in the panel below the accent strip.
  let y = panel.y + accentH + Math.round((panelH - accentH - content) / 2);
  const cx = panel.x + panelW / 2;
  for (const r of rows) {
    const middle = y + lineHeight(r.size) / 2;
    const item = { font: r.font, size: r.size, colour: r.colour, x: cx, y: Math.round(middle) };
    if (r.kind === 'countdown') out.countdown = item;
    else out[r.kind] = { ...item, text: r.text };
    y += lineHeight(r.size) + gap;
  }
  return out;
}

/** The countdown's text at `nowMs` (wall clock), or null when the card has none. */
export function cardCountdown(card: CardContent | null, nowMs: number): string | null {
  return card?.countdownAt != null ? countdownText(card.countdownAt, nowMs) : null;
}

/** A key that changes exactly when the card's layout would: the compositor lays out again only then. */
export function cardKey(card: CardContent | null, canvas: Canvas): string {
  return card
    ? JSON.stringify([card.name, card.title, card.subtitle, card.countdownAt !== null, card.accent, canvas.width, canvas.height])
    : '';
}

function fitLine(
  text: string,
  size: number,
  font: (size: number) => string,
  maxWidth: number,
  measure: MeasureText,
): { text: string; size: number; font: string } {
  const smallest = Math.round(size * 0.6);
  for (let s = size; s >= smallest; s = Math.floor(s * 0.9)) {
    if (measure(text, font(s)) <= maxWidth) return { text, size: s, font: font(s) };
  }
  const f = font(smallest);
  let cut = text;
  while (cut.length > 1 && measure(`${cut}…`, f) > maxWidth) cut = cut.slice(0, -1);
  return { text: `${cut.trimEnd()}…`, size: smallest, font: f };
}

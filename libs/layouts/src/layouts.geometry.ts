/**
 * Programme geometry: where each on-air member is drawn on the composite canvas.
 * Pure and deterministic, so the client compositor, the server and tests agree on every pixel.
 */

export const LAYOUT_NAMES = ['solo', 'grid', 'spotlight', 'side-by-side', 'pip', 'screen-share'] as const;
export type LayoutName = (typeof LAYOUT_NAMES)[number];

/** IVS stages allow 12 publishers, so the programme never has more. */
export const MAX_ON_AIR = 12;

export interface Canvas {
  width: number;
  height: number;
}

export const DEFAULT_CANVAS: Readonly<Canvas> = { width: 1280, height: 720 };
export const DEFAULT_GAP = 8;
export const DEFAULT_PADDING = 0;

/** Smallest drawable area and largest spacing we lay out for; anything else is a programming error. */
export const GEOMETRY_LIMITS = { minWidth: 160, minHeight: 90, maxSide: 7680, maxGap: 32 } as const;

/**
 * Where one member goes, in integer canvas pixels. Higher `z` is drawn on top.
 * `visible: false` means on air but not drawn (solo hides everyone but the featured member):
 * the compositor still mixes their audio. Hidden slots have zero size.
 */
export interface Slot {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  z: number;
  visible: boolean;
}

/** Whether the screen-share layout shows a screen of its own: its member shares one as a separate source. */
export function screenShownFor(screenShareId: string | null, screens: readonly string[] | undefined): boolean {
  return !!screenShareId && (screens ?? []).includes(screenShareId);
}

/** The tile id of a member's screen share (their camera's tile id is the member id itself). */
export function screenTileId(memberId: string): string {
  return `screen:${memberId}`;
}

export interface LayoutInput {
  layout: LayoutName;
  /** On-air member ids in programme order. */
  members: readonly string[];
  /** The large tile in solo / spotlight / pip. Falls back to the first member when not on air. */
  featuredId?: string | null;
  /** The member publishing the screen share, shown large in `screen-share`. */
  screenShareId?: string | null;
  /**
   * Whether that member's screen is published as a source of its own (tile id
   * `screenTileId(screenShareId)`), alongside their camera. Then `screen-share` shows the
   * screen large and every on-air camera, the sharer's included, in the strip; without it the
   * sharer's one picture is the large tile. Other layouts never draw a screen tile.
   */
  screenShown?: boolean;
  canvas?: Canvas;
  /** Pixels between tiles. */
  gap?: number;
  /** Pixels kept clear along the canvas edges. */
  padding?: number;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Share of the content area given to the strip of other members. */
const SPOTLIGHT_STRIP = 0.25;
const SCREEN_SHARE_STRIP = 0.2;
const SIDE_BY_SIDE_STRIP = 0.25;
/** Picture-in-picture inset width as a share of the canvas, before shrinking to fit many insets. */
const PIP_INSET = 0.2;
/** Insets never take more than this share of the frame's height while they can shrink instead. */
const PIP_MAX_HEIGHT = 0.4;

/** Largest 16:9 box inside w×h (integer pixels, never larger than the cell). */
function fit16x9(w: number, h: number): { w: number; h: number } {
  const tw = Math.max(1, Math.min(Math.floor(w), Math.floor((h * 16) / 9)));
  return { w: tw, h: Math.max(1, Math.floor((tw * 9) / 16)) };
}

function centreIn(area: Rect, w: number, h: number): Rect {
  return { x: area.x + Math.floor((area.w - w) / 2), y: area.y + Math.floor((area.h - h) / 2), w, h };
}

/** Splits n items over `rows` rows as evenly as possible, longer rows first. */
function balancedRows(n: number, rows: number): number[] {
  const base = Math.floor(n / rows);
  const extra = n % rows;
  return Array.from({ length: rows }, (_, r) => base + (r < extra ? 1 : 0));
}

/**
 * Equal 16:9 tiles for `n` members inside `area`: tries every row count and keeps the one
 * giving the largest tiles (fewer rows on a tie). Rows are balanced and each is centred, so
 * a short last row sits in the middle rather than hugging the left edge.
 */
function tilesIn(area: Rect, n: number, gap: number, opts: { maxRows?: number; align?: 'centre' | 'end' } = {}): Rect[] {
  if (n === 0) return [];
  const maxRows = Math.min(n, opts.maxRows ?? n);
  let best: { rows: number; tile: { w: number; h: number }; gap: number } | null = null;
  // A region too small for the requested gap is laid out without one rather than overlapping.
  for (const g of gap > 0 ? [gap, 0] : [0]) {
    for (let rows = 1; rows <= maxRows; rows++) {
      const cols = Math.ceil(n / rows);
      const cellW = Math.floor((area.w - (cols - 1) * g) / cols);
      const cellH = Math.floor((area.h - (rows - 1) * g) / rows);
      if (cellW < 1 || cellH < 1) continue;
      const tile = fit16x9(cellW, cellH);
      if (!best || tile.w * tile.h > best.tile.w * best.tile.h) best = { rows, tile, gap: g };
    }
    if (best) break;
  }
  if (!best) best = { rows: 1, tile: { w: 1, h: 1 }, gap: 0 };

  const { rows, tile, gap: g } = best;
  const counts = balancedRows(n, rows);
  const blockH = rows * tile.h + (rows - 1) * g;
  const top = area.y + (opts.align === 'end' ? area.h - blockH : Math.floor((area.h - blockH) / 2));
  const rects: Rect[] = [];
  counts.forEach((count, r) => {
    const rowW = count * tile.w + (count - 1) * g;
    const left = area.x + (opts.align === 'end' ? area.w - rowW : Math.floor((area.w - rowW) / 2));
    for (let i = 0; i < count; i++) {
      rects.push({ x: left + i * (tile.w + g), y: top + r * (tile.h + g), w: tile.w, h: tile.h });
    }
  });
  return rects;
}

/** Main region on the left, a column strip of the others on the right. */
function mainWithStrip(content: Rect, others: number, gap: number, share: number): { main: Rect; strip: Rect | null } {
  if (others === 0) return { main: content, strip: null };
  const stripW = Math.round(content.w * share);
  const mainW = content.w - stripW - gap;
  return {
    main: { x: content.x, y: content.y, w: mainW, h: content.h },
    strip: { x: content.x + mainW + gap, y: content.y, w: stripW, h: content.h },
  };
}

function checkGeometry(canvas: Canvas, gap: number, padding: number): void {
  const { minWidth, minHeight, maxSide, maxGap } = GEOMETRY_LIMITS;
  const int = (v: number) => Number.isInteger(v);
  if (!int(canvas.width) || !int(canvas.height) || canvas.width > maxSide || canvas.height > maxSide) {
    throw new RangeError(`canvas must be integer pixels up to ${maxSide}, got ${canvas.width}x${canvas.height}`);
  }
  if (!int(gap) || gap < 0 || gap > maxGap) throw new RangeError(`gap must be an integer 0-${maxGap}, got ${gap}`);
  if (!int(padding) || padding < 0) throw new RangeError(`padding must be a non-negative integer, got ${padding}`);
  if (canvas.width - 2 * padding < minWidth || canvas.height - 2 * padding < minHeight) {
    throw new RangeError(`the area inside the padding must be at least ${minWidth}x${minHeight}`);
  }
}

/** First occurrence wins: a duplicated id must not get two tiles. */
function uniqueInOrder(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Slots for every on-air member, in programme order, each id exactly once (nobody is ever
 * dropped, however many are on air). Total over member data: a featured or screen-share id
 * that is not on air falls back to the first member, because the compositor must keep
 * drawing mid-change; use `validateLayout` to reject such commands. Throws RangeError only
 * for an impossible canvas, gap or padding.
 *
 * - solo: featured member fills the frame; the others are on air but hidden.
 * - grid: equal 16:9 tiles, balanced rows, short rows centred.
 * - spotlight: featured large on the left, the others in a strip on the right.
 * - side-by-side: the first two members in programme order share the top; the rest go to a
 *   bottom strip (programme order, not the featured member, decides the pair: it is what
 *   the host arranges by dragging).
 * - pip: featured fills the frame; the others are small insets stacked in the bottom-right corner.
 * - screen-share: the screen-share member large on the left, everyone else in a strip on the right;
 *   with `screenShown`, their screen large (one more slot, id `screenTileId(member)`) and every
 *   on-air camera, theirs included, in the strip.
 */
export function computeSlots(input: LayoutInput): Slot[] {
  const canvas = input.canvas ?? DEFAULT_CANVAS;
  const gap = input.gap ?? DEFAULT_GAP;
  const padding = input.padding ?? DEFAULT_PADDING;
  checkGeometry(canvas, gap, padding);

  const members = uniqueInOrder(input.members);
  const first = members[0];
  if (first === undefined) return [];
  const content: Rect = { x: padding, y: padding, w: canvas.width - 2 * padding, h: canvas.height - 2 * padding };
  const onAir = (id: string | null | undefined): id is string => id != null && members.includes(id);
  const featured = onAir(input.featuredId) ? input.featuredId : first;
  const placed = new Map<string, Omit<Slot, 'id'>>();
  const put = (ids: readonly string[], rects: readonly Rect[], z: number) =>
    ids.forEach((id, i) => {
      const rect = rects[i];
      // The packers return one rect per id; failing loudly beats silently dropping a member.
      if (!rect) throw new Error(`layout ${input.layout}: no rect for member ${i + 1} of ${ids.length}`);
      placed.set(id, { ...rect, z, visible: true });
    });
  const others = (main: string) => members.filter((id) => id !== main);

  switch (input.layout) {
    case 'solo': {
      put([featured], [content], 0);
      for (const id of others(featured)) placed.set(id, { x: 0, y: 0, w: 0, h: 0, z: 0, visible: false });
      break;
    }
    case 'grid': {
      put(members, tilesIn(content, members.length, gap), 0);
      break;
    }
    case 'spotlight':
    case 'screen-share': {
      const screen = input.layout === 'screen-share' && onAir(input.screenShareId) && input.screenShown;
      const main = input.layout === 'spotlight' ? featured : onAir(input.screenShareId) ? input.screenShareId : featured;
      const rest = screen ? [...members] : others(main);
      const { main: mainArea, strip } = mainWithStrip(
        content,
        rest.length,
        gap,
        input.layout === 'spotlight' ? SPOTLIGHT_STRIP : SCREEN_SHARE_STRIP,
      );
      const tile = fit16x9(mainArea.w, mainArea.h);
      put([screen ? screenTileId(main) : main], [centreIn(mainArea, tile.w, tile.h)], 0);
      if (strip) put(rest, tilesIn(strip, rest.length, gap), 0);
      break;
    }
    case 'side-by-side': {
      const pair = members.slice(0, 2);
      const rest = members.slice(2);
      const stripH = rest.length ? Math.round(content.h * SIDE_BY_SIDE_STRIP) : 0;
      const pairArea: Rect = { ...content, h: rest.length ? content.h - stripH - gap : content.h };
      put(pair, tilesIn(pairArea, pair.length, gap, { maxRows: 1 }), 0);
      if (rest.length) {
        const strip: Rect = { x: content.x, y: content.y + content.h - stripH, w: content.w, h: stripH };
        put(rest, tilesIn(strip, rest.length, gap), 0);
      }
      break;
    }
    case 'pip': {
      put([featured], [content], 0);
      const rest = others(featured);
      if (rest.length) put(rest, pipInsets(content, rest.length, gap), 1);
      break;
    }
    default: {
      // Unknown names reach here only from untyped callers; draw a grid rather than nothing.
      put(members, tilesIn(content, members.length, gap), 0);
    }
  }

  // A shown screen is one more tile, first (it is no member: nobody's camera is replaced by it).
  const screen = onAir(input.screenShareId) && placed.has(screenTileId(input.screenShareId)) ? [screenTileId(input.screenShareId)] : [];
  return [...screen, ...members].map((id) => ({ id, ...(placed.get(id) as Omit<Slot, 'id'>) }));
}

/**
 * Insets in the bottom-right corner, kept off the edge by twice the gap. They start at a
 * fifth of the frame's width and shrink until they fit in the lower 40% of the frame, so
 * the featured member stays visible however many insets there are.
 */
function pipInsets(content: Rect, n: number, gap: number): Rect[] {
  const margin = Math.min(2 * gap, Math.floor(content.h / 8));
  const corner: Rect = { x: content.x + margin, y: content.y + margin, w: content.w - 2 * margin, h: content.h - 2 * margin };
  for (const budget of [Math.floor(corner.h * PIP_MAX_HEIGHT), corner.h]) {
    for (let w = Math.floor(content.w * PIP_INSET); w >= 16; w = Math.floor(w * 0.9)) {
      const h = Math.floor((w * 9) / 16);
      const perRow = Math.floor((corner.w + gap) / (w + gap));
      if (perRow < 1) continue;
      const rows = Math.ceil(n / perRow);
      if (rows * h + (rows - 1) * gap > budget) continue;
      // Reuse the grid packer on a box exactly this size, anchored to the corner.
      const cols = Math.min(n, perRow);
      const boxW = cols * w + (cols - 1) * gap;
      const boxH = rows * h + (rows - 1) * gap;
      const box: Rect = { x: corner.x + corner.w - boxW, y: corner.y + corner.h - boxH, w: boxW, h: boxH };
      return tilesIn(box, n, gap, { maxRows: rows, align: 'end' });
    }
  }
  // Only for absurd member counts on a small canvas: a packed grid still keeps everyone visible.
  return tilesIn(corner, n, gap, { align: 'end' });
}

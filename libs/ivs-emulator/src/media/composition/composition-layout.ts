import type { CompositionLayout, GridLayout, PipLayout } from './composition-engine';

/** A publisher as the layout sees it: token attributes and what it sends. */
export interface LayoutParticipant {
  id: string;
  attributes: Record<string, string>;
  /** Order of arrival on the stage (smaller = earlier): the tie-break IVS documents. */
  arrival: number;
  videoStopped: boolean;
}

export type FitMode = 'FILL' | 'COVER' | 'CONTAIN';

/** Where one participant's video goes on the canvas. `z` 1 is drawn over 0 (the PiP window). */
export interface Tile {
  participantId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  fit: FitMode;
  z: 0 | 1;
  /** false: the participant keeps its tile but sends no video (omitStoppedVideo off): the background shows. */
  hasVideo: boolean;
}

export interface Canvas {
  width: number;
  height: number;
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** IVS's videoAspectRatio values as width / height; AUTO: the tile takes its grid cell's shape. */
const ASPECT: Record<GridLayout['videoAspectRatio'], number | undefined> = { AUTO: undefined, VIDEO: 16 / 9, SQUARE: 1, PORTRAIT: 3 / 4 };

/** Share of the canvas width the featured participant gets when others are on screen too. */
const FEATURED_SHARE = 2 / 3;
/** PiP window width as a share of the canvas when neither pipWidth nor pipHeight is given. */
const PIP_DEFAULT_SHARE = 1 / 4;

/**
 * The tiles of a composition, as IVS's grid and pip layouts place them. IVS documents the
 * rules (featured slot larger, order attribute then arrival, gap, tile aspect, fill mode,
 * PiP corner/offset/size, STATIC vs DYNAMIC) but not the pixel geometry; where it is silent
 * the choice is named here: the featured slot takes the left two thirds, tiles are the
 * largest that fit the requested aspect and are centred, rows and the last row centred.
 */
export function compositionTiles(layout: CompositionLayout, participants: LayoutParticipant[], canvas: Canvas): Tile[] {
  const ordered = orderParticipants(participants, layout.participantOrderAttribute);
  // Omitted participants leave no tile at all; otherwise a stopped camera keeps its place.
  const shown = layout.omitStoppedVideo ? ordered.filter((p) => !p.videoStopped) : ordered;
  return layout.kind === 'grid' ? gridTiles(layout, shown, canvas) : pipTiles(layout, shown, canvas);
}

/** Order attribute values first (numerically when both are numbers), then arrival. */
export function orderParticipants(participants: LayoutParticipant[], orderAttribute: string): LayoutParticipant[] {
  const key = (p: LayoutParticipant) => (orderAttribute ? (p.attributes[orderAttribute] ?? '') : '');
  return [...participants].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka && kb && ka !== kb) {
      const na = Number(ka);
      const nb = Number(kb);
      return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : ka < kb ? -1 : 1;
    }
    if (ka && !kb) return -1;
    if (!ka && kb) return 1;
    return a.arrival - b.arrival;
  });
}

function flagged(p: LayoutParticipant, attribute: string): boolean {
  return !!attribute && p.attributes[attribute] === 'true';
}

function gridTiles(layout: GridLayout, shown: LayoutParticipant[], canvas: Canvas): Tile[] {
  const featured = shown.find((p) => flagged(p, layout.featuredParticipantAttribute));
  const others = shown.filter((p) => p !== featured);
  const whole: Rect = { x: 0, y: 0, width: canvas.width, height: canvas.height };
  const aspect = ASPECT[layout.videoAspectRatio];
  if (!featured) return placeGrid(others, whole, layout.gridGap, aspect, layout.videoFillMode);
  if (others.length === 0) return [tile(featured, whole, layout.videoFillMode, 0)];
  const gap = layout.gridGap;
  const featuredWidth = Math.round((canvas.width - gap) * FEATURED_SHARE);
  const featuredRect: Rect = { x: 0, y: 0, width: featuredWidth, height: canvas.height };
  const rest: Rect = { x: featuredWidth + gap, y: 0, width: canvas.width - featuredWidth - gap, height: canvas.height };
  return [tile(featured, featuredRect, layout.videoFillMode, 0), ...placeGrid(others, rest, gap, aspect, layout.videoFillMode)];
}

function pipTiles(layout: PipLayout, shown: LayoutParticipant[], canvas: Canvas): Tile[] {
  // Without anyone flagged, the latest in order is the PiP window (the first stays full size).
  const pip = shown.find((p) => flagged(p, layout.pipParticipantAttribute)) ?? (shown.length > 1 ? shown[shown.length - 1] : undefined);
  const main = shown.filter((p) => p !== pip);
  const whole: Rect = { x: 0, y: 0, width: canvas.width, height: canvas.height };
  const featured = main.find((p) => flagged(p, layout.featuredParticipantAttribute));
  const mainOrdered = featured ? [featured, ...main.filter((p) => p !== featured)] : main;
  const tiles = placeGrid(mainOrdered, whole, layout.gridGap, undefined, layout.videoFillMode);
  if (!pip) return tiles;
  // DYNAMIC: alone on the stage, the PiP participant takes the whole composition.
  if (main.length === 0 && layout.pipBehavior === 'DYNAMIC') return [tile(pip, whole, layout.videoFillMode, 0)];
  const { width, height } = pipSize(layout, canvas);
  const off = layout.pipOffset;
  const left = layout.pipPosition.endsWith('LEFT');
  const top = layout.pipPosition.startsWith('TOP');
  const rect: Rect = {
    x: left ? off : canvas.width - width - off,
    y: top ? off : canvas.height - height - off,
    width,
    height,
  };
  return [...tiles, tile(pip, rect, layout.videoFillMode, 1)];
}

/** pipWidth / pipHeight as given; a missing one follows a 16:9 camera, both missing a quarter of the canvas width. */
export function pipSize(layout: Pick<PipLayout, 'pipWidth' | 'pipHeight'>, canvas: Canvas): { width: number; height: number } {
  const { pipWidth, pipHeight } = layout;
  if (pipWidth && pipHeight) return { width: pipWidth, height: pipHeight };
  if (pipWidth) return { width: pipWidth, height: Math.round((pipWidth * 9) / 16) };
  if (pipHeight) return { width: Math.round((pipHeight * 16) / 9), height: pipHeight };
  const width = Math.round(canvas.width * PIP_DEFAULT_SHARE);
  return { width, height: Math.round((width * 9) / 16) };
}

/**
 * n tiles in an area: the column count that gives the largest tiles of the requested aspect
 * (or, for AUTO, the cells closest to 16:9), the block centred, a short last row centred.
 */
function placeGrid(ps: LayoutParticipant[], area: Rect, gap: number, aspect: number | undefined, fit: FitMode): Tile[] {
  const n = ps.length;
  if (n === 0) return [];
  let best: { cols: number; rows: number; w: number; h: number; score: number } | undefined;
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const cellW = (area.width - (cols - 1) * gap) / cols;
    const cellH = (area.height - (rows - 1) * gap) / rows;
    if (cellW <= 0 || cellH <= 0) continue;
    const fitted = fitAspect(cellW, cellH, aspect ?? 16 / 9);
    const size = aspect ? fitted : { w: cellW, h: cellH };
    const score = fitted.w * fitted.h;
    if (!best || score > best.score + 1e-6) best = { cols, rows, w: size.w, h: size.h, score };
  }
  if (!best) return [];
  const { cols, rows, w, h } = best;
  const blockH = rows * h + (rows - 1) * gap;
  const top = area.y + (area.height - blockH) / 2;
  return ps.map((p, i) => {
    const row = Math.floor(i / cols);
    const inRow = row === rows - 1 ? n - row * cols : cols;
    const rowW = inRow * w + (inRow - 1) * gap;
    const left = area.x + (area.width - rowW) / 2;
    const col = i - row * cols;
    return tile(p, { x: left + col * (w + gap), y: top + row * (h + gap), width: w, height: h }, fit, 0);
  });
}

function fitAspect(w: number, h: number, aspect: number): { w: number; h: number } {
  return w / h > aspect ? { w: h * aspect, h } : { w, h: w / aspect };
}

/** Whole pixels: edges are rounded, so neighbours keep exactly the gap between them. */
function tile(p: LayoutParticipant, r: Rect, fit: FitMode, z: 0 | 1): Tile {
  const x = Math.round(r.x);
  const y = Math.round(r.y);
  return {
    participantId: p.id,
    x,
    y,
    width: Math.round(r.x + r.width) - x,
    height: Math.round(r.y + r.height) - y,
    fit,
    z,
    hasVideo: !p.videoStopped,
  };
}

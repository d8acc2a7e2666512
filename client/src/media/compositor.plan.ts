import type { CommentShown } from './compositor.comment';
import { computeSlots, screenShownFor, type Canvas, type LayoutName, type Slot } from '@streamcat/layouts';
import { brandOf, type StudioBrand } from '@streamcat/protocol/studio-brand';
import { programmeGainOf, type StudioScene } from '@streamcat/protocol/studio-scenes';
import { activeCard, type CardContent } from './compositor.scene';

/** What the compositor needs from the studio document, nothing else. */
export interface ProgrammeSpec {
  layout: LayoutName;
  /** On-air member ids in programme order (the server's `layout.order`). */
  order: readonly string[];
  featuredId: string | null;
  screenShareId: string | null;
  /**
   * Members whose screen is published as a source of its own (attached as `screenTileId(id)`):
   * in `screen-share` the screen is drawn large and the sharer's camera stays in the strip.
   */
  screens?: readonly string[];
  nameTags: boolean;
  banner: { text: string; visible: boolean };
  background: { kind: 'colour'; colour: string } | { kind: 'image'; url: string };
  /** The channel's brand (colour, lower-third style, logo, overlay); absent means the default look. */
  brand?: StudioBrand;
  /** The viewer's comment on screen (the card is drawn over the tiles, above the banner). */
  comment?: CommentShown | null;
  /** Per member: the name drawn on their tag, whether the programme carries their sound and how loud (0–100, absent 100). */
  members: ReadonlyArray<{ id: string; displayName: string; mutedInProgramme: boolean; programmeVolume?: number }>;
  /** Scene cards and countdown (absent: the show). */
  scene?: StudioScene;
}

export interface DrawItem {
  memberId: string;
  slot: Slot;
  /** Null when name tags are off. */
  nameTag: string | null;
}

export interface ProgrammePlan {
  /** Visible tiles, lowest `z` first (the order to paint them). */
  draw: DrawItem[];
  /** Members whose audio is in the mix: on air (drawn or not) and not muted in programme. */
  audible: Set<string>;
  /** The mix's gain per audible member (0…1): their programme volume. */
  gains: Map<string, number>;
  banner: string | null;
  /** A scene card in place of the tiles and the banner, or null while the show is on. */
  card: CardContent | null;
}

/**
 * Who is drawn where and who is heard, keyed by member id. Slots come from the same pure
 * geometry the server validates against, so every member on air gets exactly one tile and
 * a departure takes away that member's tile only — never a neighbour's by position.
 */
export function planProgramme(spec: ProgrammeSpec, canvas: Canvas): ProgrammePlan {
  const known = new Map(spec.members.map((m) => [m.id, m]));
  // The document can briefly name someone who already left; draw only people we know.
  const onAir = spec.order.filter((id) => known.has(id));
  const slots = computeSlots({
    layout: spec.layout,
    members: onAir,
    featuredId: spec.featuredId,
    screenShareId: spec.screenShareId,
    screenShown: screenShownFor(spec.screenShareId, spec.screens),
    canvas,
  });
  const draw = slots
    .filter((s) => s.visible)
    // A screen tile (`screen:<id>`) is no member: the sharer's name is on their camera tile.
    .map((slot) => ({ memberId: slot.id, slot, nameTag: spec.nameTags ? (known.get(slot.id)?.displayName ?? null) : null }))
    .sort((a, b) => a.slot.z - b.slot.z);
  const card = activeCard(spec.scene, brandOf(spec).primary);
  // A card is silent unless the host keeps the sound on for it; members still hear each other on stage.
  const silent = card !== null && !spec.scene?.cardAudio;
  const audible = new Set(silent ? [] : onAir.filter((id) => !known.get(id)?.mutedInProgramme));
  const gains = new Map([...audible].map((id) => [id, programmeGainOf(known.get(id)!)]));
  const text = spec.banner.text.trim();
  if (card) return { draw: [], audible, gains, banner: null, card };
  return { draw, audible, gains, banner: spec.banner.visible && text ? text : null, card: null };
}

/** Source rectangle that fills `w×h` from a `vw×vh` video without distortion (centre crop). */
export function coverCrop(vw: number, vh: number, w: number, h: number): { sx: number; sy: number; sw: number; sh: number } {
  if (vw <= 0 || vh <= 0 || w <= 0 || h <= 0) return { sx: 0, sy: 0, sw: Math.max(0, vw), sh: Math.max(0, vh) };
  const target = w / h;
  const source = vw / vh;
  if (source > target) {
    const sw = vh * target;
    return { sx: (vw - sw) / 2, sy: 0, sw, sh: vh };
  }
  const sh = vw / target;
  return { sx: 0, sy: (vh - sh) / 2, sw: vw, sh };
}

/** A frame may be drawn this early: animation-frame times jitter around the display's refresh. */
export const FRAME_SLACK_MS = 4;

/** The broadcast's frame rate: what the owner's page draws while it sends the programme. */
export const PROGRAMME_FPS = 30;
/** A preview nobody receives but the person looking at it: half the frames, half the drawing. */
export const PREVIEW_FPS = 15;

/** How fast a studio page paints the programme: at the broadcast's rate only while it sends it. */
export function programmeFrameRate(sending: boolean): number {
  return sending ? PROGRAMME_FPS : PREVIEW_FPS;
}

/**
 * When the frame after one drawn at `now` is due. On a clock, not "an interval after the last
 * draw": a late frame makes the next one come sooner, so the average stays at the rate (1.5
 * refreshes per frame averages 30 fps on 60 Hz). A backlog is dropped rather than drawn in a
 * burst: the next frame is never due sooner than half an interval on.
 */
export function nextFrameDue(due: number, now: number, interval: number): number {
  return Math.max(due + interval, now + interval / 2);
}

import { computeSlots, DEFAULT_CANVAS, screenShownFor, type Canvas, type LayoutName } from '@streamcat/layouts';

/** What one member's camera (or screen) is published at: the picture the stage carries to everyone. */
export interface PublishQuality {
  width: number;
  height: number;
  frameRate: number;
  /** Cap for the video encoder, in kbit/s. */
  maxBitrateKbps: number;
}

/** The part of the studio layout that decides picture sizes. */
export interface PublishLayout {
  layout: LayoutName;
  /** On-air member ids in programme order. */
  order: readonly string[];
  featuredId: string | null;
  screenShareId: string | null;
  /** Members whose screen is published beside their camera: a shown screen takes the large slot, the camera a small one. */
  screens?: readonly string[];
}

/**
 * The rungs a member can publish at, smallest first: 16:9 and 30 fps like the programme.
 * 1280×720 at 2.5 Mbit/s is the IVS real-time stage maximum; the smaller rungs' bitrates are
 * usual WebRTC figures for those sizes at 30 fps.
 */
export const PUBLISH_LADDER: readonly PublishQuality[] = [
  { width: 320, height: 180, frameRate: 30, maxBitrateKbps: 300 },
  { width: 480, height: 270, frameRate: 30, maxBitrateKbps: 500 },
  { width: 640, height: 360, frameRate: 30, maxBitrateKbps: 800 },
  { width: 960, height: 540, frameRate: 30, maxBitrateKbps: 1500 },
  { width: 1280, height: 720, frameRate: 30, maxBitrateKbps: 2500 },
];

const FULL = PUBLISH_LADDER[PUBLISH_LADDER.length - 1]!;
/** Backstage (or hidden in solo) a member is seen only in the studio's member tiles, ~16–22rem wide. */
const BACKSTAGE = PUBLISH_LADDER.find((q) => q.width === 640)!;

/** Smallest rung whose picture covers a `w×h` tile without being enlarged (the ladder's top if none does). */
export function rungFor(w: number, h: number): PublishQuality {
  return PUBLISH_LADDER.find((q) => q.width >= w && q.height >= h) ?? FULL;
}

/**
 * What `memberId` publishes, given the studio's layout: the smallest rung that fills their
 * tile in the programme (the compositor draws it at exactly that size, so more pixels would
 * only cost the host's CPU and everyone's bandwidth). 12 in a grid → 320×180; solo or
 * featured → 1280×720. Without a layout yet, the full picture (what we published before
 * there was a policy).
 */
export function publishQuality(programme: PublishLayout | null, memberId: string, canvas: Canvas = DEFAULT_CANVAS): PublishQuality {
  if (!programme) return FULL;
  const slot = computeSlots({
    layout: programme.layout,
    members: programme.order,
    featuredId: programme.featuredId,
    screenShareId: programme.screenShareId,
    screenShown: screenShownFor(programme.screenShareId, programme.screens),
    canvas,
  }).find((s) => s.id === memberId);
  if (!slot?.visible) return BACKSTAGE;
  return rungFor(slot.w, slot.h);
}

/**
 * Track constraints for a quality. A camera is cropped and scaled to exactly that 16:9 size;
 * a screen keeps its own shape and is only scaled down to fit inside it.
 */
export function publishConstraints(q: PublishQuality, source: 'camera' | 'screen'): MediaTrackConstraints {
  const frameRate = { ideal: q.frameRate, max: q.frameRate };
  if (source === 'screen') return { width: { max: q.width }, height: { max: q.height }, frameRate };
  return { width: { ideal: q.width }, height: { ideal: q.height }, frameRate };
}

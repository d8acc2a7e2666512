import type { LayoutPatch, StudioDocument, StudioLayout } from '@streamcat/protocol/studio';
import { MAX_ON_AIR } from '@streamcat/layouts';

type LayoutName = StudioLayout['name'];

const NEEDS_FEATURED: ReadonlySet<LayoutName> = new Set(['solo', 'spotlight', 'pip']);

/**
 * The patch that switches to `name` without being refused: layouts that need a featured
 * member get the current one if on air, else the first on air; screen-share needs a sharer.
 */
export function patchForLayout(layout: StudioLayout, name: LayoutName): LayoutPatch {
  const patch: LayoutPatch = { name };
  const onAir = (id: string | null) => id !== null && layout.order.includes(id);
  if (NEEDS_FEATURED.has(name) && !onAir(layout.featuredId) && layout.order[0]) patch.featuredId = layout.order[0];
  if (name === 'screen-share' && !onAir(layout.screenShareId) && layout.order[0]) patch.screenShareId = layout.order[0];
  return patch;
}

/** Why a layout cannot be chosen right now (shown beside the picker), or null. */
export function layoutUnavailableReason(layout: StudioLayout, name: LayoutName): string | null {
  if (layout.order.length === 0 && name !== 'grid') return 'Put someone on air first.';
  return null;
}

/** Moves `id` to `index` in the programme order (drag and drop). */
export function moveTo(order: readonly string[], id: string, index: number): string[] {
  const from = order.indexOf(id);
  if (from < 0) return [...order];
  const next = order.filter((x) => x !== id);
  const to = Math.max(0, Math.min(next.length, index));
  next.splice(to, 0, id);
  return next;
}

/** One step earlier (-1) or later (+1): the keyboard alternative to dragging. */
export function moveBy(order: readonly string[], id: string, delta: -1 | 1): string[] {
  const from = order.indexOf(id);
  return from < 0 ? [...order] : moveTo(order, id, from + delta);
}

/** Whether one more person may go on air (IVS stages carry at most 12 publishers). */
export function hasRoomOnAir(layout: StudioLayout): boolean {
  return layout.order.length < MAX_ON_AIR;
}

/** On-air members in programme order, then backstage members by arrival: the tile order. */
export function tileOrder(doc: StudioDocument): string[] {
  const onAir = doc.layout.order.filter((id) => doc.members.some((m) => m.id === id));
  const backstage = doc.members
    .filter((m) => !onAir.includes(m.id))
    .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt))
    .map((m) => m.id);
  return [...onAir, ...backstage];
}

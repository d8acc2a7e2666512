import { LAYOUT_NAMES, type LayoutName, MAX_ON_AIR } from './layouts.geometry';

/** Codes a layout command can be refused with (to be listed in libs/protocol errors). */
export const LAYOUT_ERRORS = {
  'layout/unknown-layout': 'That layout does not exist.',
  'layout/too-many': `At most ${MAX_ON_AIR} people can be on air at once.`,
  'layout/duplicate-member': 'Someone is listed on air twice.',
  'layout/unknown-member': 'Someone in this layout is not in the studio.',
  'layout/featured-required': 'Choose someone who is on air to feature in this layout.',
  'layout/screen-share-required': 'This layout needs a screen share that is on air.',
} as const;

export type LayoutErrorCode = keyof typeof LAYOUT_ERRORS;

export type LayoutValidation = { ok: true } | { ok: false; code: LayoutErrorCode; message: string };

export interface LayoutCommand {
  /** Untrusted: checked against LAYOUT_NAMES. */
  layout: string;
  /** On-air member ids in programme order. */
  members: readonly string[];
  featuredId?: string | null;
  screenShareId?: string | null;
  /** Everyone currently in the studio (backstage or on air); when given, every id must be one of them. */
  stageMembers?: readonly string[];
}

const NEEDS_FEATURED: ReadonlySet<LayoutName> = new Set<LayoutName>(['solo', 'spotlight', 'pip']);

function fail(code: LayoutErrorCode): LayoutValidation {
  return { ok: false, code, message: LAYOUT_ERRORS[code] };
}

/**
 * Whether a programme arrangement may be applied. `computeSlots` draws anything it is
 * given; this is the gate the server puts in front of it for commands from people.
 */
export function validateLayout(input: LayoutCommand): LayoutValidation {
  if (!(LAYOUT_NAMES as readonly string[]).includes(input.layout)) return fail('layout/unknown-layout');
  const layout = input.layout as LayoutName;
  const members = input.members;
  if (members.length > MAX_ON_AIR) return fail('layout/too-many');
  if (new Set(members).size !== members.length) return fail('layout/duplicate-member');

  if (input.stageMembers) {
    const known = new Set(input.stageMembers);
    const mentioned = [...members, input.featuredId, input.screenShareId].filter((id): id is string => id != null);
    if (mentioned.some((id) => !known.has(id))) return fail('layout/unknown-member');
  }

  const onAir = (id: string | null | undefined) => id != null && members.includes(id);
  if (NEEDS_FEATURED.has(layout) && !onAir(input.featuredId)) return fail('layout/featured-required');
  if (layout === 'screen-share' && !onAir(input.screenShareId)) return fail('layout/screen-share-required');
  return { ok: true };
}

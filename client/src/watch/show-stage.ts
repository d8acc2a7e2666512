import { screenTileId } from '@streamcat/layouts';
import { isScreenShareParticipant, sceneFromShow, type ShowLayout, type ShowSnapshot } from '@streamcat/protocol';
import type { ProgrammeSpec } from '../media/compositor.plan';

/**
 * How a real-time page turns the show stage into the show: the compositor's programme from the
 * public show layout, and which stage participant feeds which on-air member's tile.
 */

/**
 * The compositor's input for a show, so the page draws exactly what the host's programme draws.
 * `screens`: on-air members whose screen-share participant the page receives (see `sourcesOf`).
 */
export function programmeOf(show: ShowLayout, screens: readonly string[] = []): ProgrammeSpec {
  return {
    layout: show.layout,
    order: show.members.map((m) => m.id),
    featuredId: show.featuredId,
    screenShareId: show.screenShareId,
    screens,
    nameTags: show.nameTags,
    banner: show.banner,
    background: show.background,
    brand: show.brand,
    comment: show.comment ?? null,
    members: show.members.map((m) => ({ id: m.id, displayName: m.displayName, mutedInProgramme: m.muted, programmeVolume: m.volume })),
    ...(show.scene ? { scene: sceneFromShow(show.scene) } : {}),
  };
}

/** A remote participant as the page knows it (its `userId` is the member id on both stages). */
export interface SeenParticipant {
  id: string;
  userId: string;
  /** `screen-share` = "true" marks the member's screen participant (beside their camera one). */
  attributes?: Readonly<Record<string, string>>;
}

/** Whether the page takes this participant's media at all: members on air only, never viewers or backstage. */
export function isOnAir(show: ShowLayout | null, userId: string): boolean {
  return !!show && show.members.some((m) => m.id === userId);
}

/**
 * Tile id → the participant whose media fills it: a member's camera under their member id, their
 * screen share under `screenTileId(member)`. Participants not on air get no tile. A source seen
 * twice (they rejoined before their old participant left) is fed by the later one.
 */
export function sourcesOf(show: ShowLayout | null, participants: Iterable<SeenParticipant>): Map<string, string> {
  const sources = new Map<string, string>();
  for (const p of participants)
    if (isOnAir(show, p.userId)) sources.set(isScreenShareParticipant(p.attributes) ? screenTileId(p.userId) : p.userId, p.id);
  return sources;
}

/**
 * On-air members whose screen the page receives, from the sources `sourcesOf` made. `sources`
 * is read once (the page passes a Map's `keys()`, an iterator that is spent after one pass).
 */
export function screensOf(show: ShowLayout | null, sources: Iterable<string>): string[] {
  const received = new Set(sources);
  return (show?.members ?? []).map((m) => m.id).filter((id) => received.has(screenTileId(id)));
}

/** Whether a snapshot (a reply or a push) replaces the one the page holds: another channel, or a newer version. */
export function replaces(current: ShowSnapshot | null, incoming: ShowSnapshot): boolean {
  if (!current || current.channel.toLowerCase() !== incoming.channel.toLowerCase()) return true;
  return incoming.version > current.version;
}

/** The canvas's accessible name: who is on air, in order, and the banner. */
export function describeShow(show: ShowLayout): string {
  const names = show.members.map((m) => m.displayName).join(', ');
  const banner = show.banner.visible && show.banner.text.trim() ? ` Banner: ${show.banner.text.trim()}` : '';
  return `${names ? `On air: ${names}.` : 'Nobody is on air.'}${banner}`;
}

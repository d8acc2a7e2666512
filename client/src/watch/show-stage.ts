import type { ShowLayout, ShowSnapshot } from '@streamcat/protocol';
import type { ProgrammeSpec } from '../media/compositor.plan';

/**
 * How a real-time page turns the show stage into the show: the compositor's programme from the
 * public show layout, and which stage participant feeds which on-air member's tile.
 */

/** The compositor's input for a show, so the page draws exactly what the host's programme draws. */
export function programmeOf(show: ShowLayout): ProgrammeSpec {
  return {
    layout: show.layout,
    order: show.members.map((m) => m.id),
    featuredId: show.featuredId,
    screenShareId: show.screenShareId,
    nameTags: show.nameTags,
    banner: show.banner,
    background: show.background,
    members: show.members.map((m) => ({ id: m.id, displayName: m.displayName, mutedInProgramme: m.muted })),
  };
}

/** A remote participant as the page knows it (its `userId` is the member id on both stages). */
export interface SeenParticipant {
  id: string;
  userId: string;
}

/** Whether the page takes this participant's media at all: members on air only, never viewers or backstage. */
export function isOnAir(show: ShowLayout | null, userId: string): boolean {
  return !!show && show.members.some((m) => m.id === userId);
}

/**
 * Member id → the participant whose media fills their tile. Participants not on air get no tile.
 * A member seen twice (they rejoined before their old participant left) is fed by the later one.
 */
export function sourcesOf(show: ShowLayout | null, participants: Iterable<SeenParticipant>): Map<string, string> {
  const sources = new Map<string, string>();
  for (const p of participants) if (isOnAir(show, p.userId)) sources.set(p.userId, p.id);
  return sources;
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

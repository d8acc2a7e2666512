import type { StudioDocument, StudioSnapshot } from '@streamcat/protocol/studio';

/**
 * How a client keeps its copy of the studio document in step with the server: versions
 * only move forward by one; anything else means the copy can no longer be trusted.
 */
export type ChangeDecision = 'apply' | 'ignore' | 'resync';

export function decideChange(currentVersion: number | null, incomingVersion: number): ChangeDecision {
  if (currentVersion === null) return 'resync';
  if (incomingVersion <= currentVersion) return 'ignore';
  return incomingVersion === currentVersion + 1 ? 'apply' : 'resync';
}

/** A snapshot replaces ours only if it is not older (a slow snapshot must not undo a pushed change). */
export function adoptSnapshot(current: StudioSnapshot | null, incoming: StudioSnapshot): StudioSnapshot {
  if (current && current.stageId === incoming.stageId && incoming.version < current.version) return current;
  return incoming;
}

export type StudioRole = 'host' | 'cohost' | 'guest';

/** The viewer's own membership, or null (a green-room guest or an outsider). */
export function memberOf(doc: StudioDocument, memberId: string | null) {
  return memberId ? (doc.members.find((m) => m.id === memberId) ?? null) : null;
}

/** Hosts and co-hosts direct the show; guests only manage themselves. */
export function canDirect(role: StudioRole | null | undefined): boolean {
  return role === 'host' || role === 'cohost';
}

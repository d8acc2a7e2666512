import type { StudioDocument } from '@streamcat/protocol';

/**
 * Since when a studio has been on the moderation board, by the reason it is there: real-time
 * viewing open, then a broadcast not offline, then people besides the host in it (since the
 * first of them joined). The broadcast's `since` alone would date a studio that is only in use
 * from when its last broadcast ended.
 */
export function stageSince(doc: Pick<StudioDocument, 'live' | 'members' | 'ownerId'>): string {
  if (doc.live.realtime.state === 'open') return doc.live.realtime.since;
  if (doc.live.broadcast.state !== 'offline') return doc.live.broadcast.since;
  const joined = doc.members
    .filter((m) => m.id !== doc.ownerId)
    .map((m) => m.joinedAt)
    .sort();
  return joined[0] ?? doc.live.broadcast.since;
}

import type { InjectionKey, Ref } from 'vue';
import type { StageConnectionState, StageError } from '@/media/stage-adapter';

/**
 * How the studio shows a stage connection that dropped, on every page: the member's own page
 * knows from its stage's connection state; the others only see the member's participant leave
 * (the SFU drops a silent socket within seconds; IVS says nothing more either) and, when they
 * come back, join again. So a member whose participant left is "reconnecting…" for as long as
 * a stage tries to rejoin (the limit, 30 s), and until their picture is back once they have
 * rejoined; after that they are disconnected as before.
 */

/** What a tile says about a member's stage connection; null: nothing to say. */
export type StageLink = 'reconnecting' | 'lost';

/** After a member rejoined, how long their tile waits for their media before it stops saying "reconnecting…". */
export const REJOIN_MEDIA_GRACE_MS = 10_000;

/** A member's participant left while connected: since when, and when it joined again (null: not yet). */
export interface Drop {
  droppedAt: number;
  rejoinedAt: number | null;
}
export type Drops = ReadonlyMap<string, Drop>;

export function afterLeft(drops: Drops, memberId: string, now: number): Drops {
  return new Map(drops).set(memberId, { droppedAt: now, rejoinedAt: null });
}

/** Joined again: still reconnecting until the media is back (or the grace is over). */
export function afterJoined(drops: Drops, memberId: string, now: number): Drops {
  const d = drops.get(memberId);
  if (!d) return drops;
  return new Map(drops).set(memberId, { ...d, rejoinedAt: now });
}

/** Their media arrived: back. */
export function afterMedia(drops: Drops, memberId: string): Drops {
  if (!drops.has(memberId)) return drops;
  const next = new Map(drops);
  next.delete(memberId);
  return next;
}

/** Until when a drop makes its member "reconnecting…". */
function dropEndsAt(d: Drop, limitMs: number): number {
  const byLimit = d.droppedAt + limitMs;
  return d.rejoinedAt === null ? byLimit : Math.min(byLimit, d.rejoinedAt + REJOIN_MEDIA_GRACE_MS);
}

/**
 * The members reconnecting now, the drops still running (expired ones pruned), and when this
 * answer next changes by the clock alone (null: it will not).
 */
export function reconnectingMembers(
  drops: Drops,
  now: number,
  limitMs: number,
): { reconnecting: Set<string>; drops: Drops; nextChangeAt: number | null } {
  const reconnecting = new Set<string>();
  const kept = new Map<string, Drop>();
  let nextChangeAt: number | null = null;
  for (const [id, d] of drops) {
    const end = dropEndsAt(d, limitMs);
    if (now >= end) continue;
    reconnecting.add(id);
    kept.set(id, d);
    nextChangeAt = nextChangeAt === null ? end : Math.min(nextChangeAt, end);
  }
  return { reconnecting, drops: kept.size === drops.size ? drops : kept, nextChangeAt };
}

/**
 * My own stage's link from its connection state: CONNECTING after it was connected is the
 * stage rejoining by itself (LocalStage, or the IVS SDK's own reconnect); DISCONNECTED or
 * ERRORED while rejoining is the stage giving up. A first join is not a reconnect.
 */
export function myStageLink(previous: StageLink | null, wasConnected: boolean, state: StageConnectionState): StageLink | null {
  switch (state) {
    case 'connected':
      return null;
    case 'connecting':
      return wasConnected || previous === 'reconnecting' ? 'reconnecting' : previous;
    case 'disconnected':
    case 'errored':
      return previous === 'reconnecting' ? 'lost' : previous;
  }
}

/**
 * Errors that end a connected stage for good after its own retries: LocalStage's CONNECTION_LOST
 * (its limit), and the IVS SDK's FAILED or TIMEOUT (it retries network failures internally for up
 * to 30 s before reporting FAILED, whatever connection state it showed meanwhile).
 */
export function lostByError(wasConnected: boolean, e: Pick<StageError, 'category' | 'code'>): boolean {
  return wasConnected && e.category === 'JOIN_ERROR' && ['CONNECTION_LOST', 'FAILED', 'TIMEOUT'].includes(e.code);
}

/** What the studio's tiles read: member id → link, and a retry for my own lost connection. */
export interface StageLinks {
  links: Readonly<Ref<ReadonlyMap<string, StageLink>>>;
  retry: () => void;
}
export const STAGE_LINKS_KEY: InjectionKey<StageLinks> = Symbol('stage-links');

import type { ErrorCode } from '@streamcat/protocol';
import type { SocketActor } from '../realtime/socket-actor';

/**
 * Who a counted watch socket is: the viewer session it belongs to, and — for anonymous
 * viewers only — the client address whose sessions are capped. A viewer count is the
 * number of distinct sessions in a room, so many tabs (sockets) of one person count once.
 */
export interface WatchSeat {
  session: string;
  /** Set for anonymous viewers: accounts are already limited at sign-up, cookies cost nothing. */
  address: string | null;
}

/** The caps that bound what one client can add to a count (from the limits table). */
export interface WatchCaps {
  socketsPerSession: number;
  sessionsPerAddress: number;
}

export type WatchRefusal = Extract<ErrorCode, 'watch/too-many-pages' | 'watch/network-full'>;

/** One session per user, per link guest, and per anonymous viewer session (cookie). */
export function seatOf(actor: SocketActor, viewerSession: string, address: string): WatchSeat {
  if (actor.kind === 'user') return { session: `user:${actor.id}`, address: null };
  if (actor.kind === 'guest') return { session: `guest:${actor.guestId}`, address: null };
  return { session: `anon:${viewerSession}`, address };
}

/**
 * Whether one more socket may count in a room, given the live sockets its session already
 * holds there and the live anonymous sessions its address holds there. A socket or session
 * already counted is always let back in (joins are idempotent).
 * ADMIT_LUA below is this same rule, run atomically inside Redis when nodes share counts.
 */
export function admit(
  seat: WatchSeat,
  socketId: string,
  held: { socketsOfSession: ReadonlySet<string>; sessionsOfAddress: ReadonlySet<string> },
  caps: WatchCaps,
): WatchRefusal | null {
  if (!held.socketsOfSession.has(socketId) && held.socketsOfSession.size >= caps.socketsPerSession) return 'watch/too-many-pages';
  if (seat.address !== null && !held.sessionsOfAddress.has(seat.session) && held.sessionsOfAddress.size >= caps.sessionsPerAddress)
    return 'watch/network-full';
  return null;
}

/**
 * admit() in Redis, then the writes, in one atomic step (two nodes cannot both take the last
 * seat). KEYS: room set, the session's socket set, [the address's session set]; scores are
 * expiry times. ARGV: now, expiry, socket, session, socketsPerSession, sessionsPerAddress, key TTL (ms).
 */
export const ADMIT_LUA = `
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if not redis.call('ZSCORE', KEYS[2], ARGV[3]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  return 'watch/too-many-pages'
end
if #KEYS == 3 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
  if not redis.call('ZSCORE', KEYS[3], ARGV[4]) and redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[6]) then
    return 'watch/network-full'
  end
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[4])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[7])
return ''
`;

/**
 * A socket leaves: its session leaves the room (and its address's set) only when no live
 * socket of it remains on any node. KEYS as ADMIT_LUA; ARGV: now, socket, session.
 */
export const RELEASE_LUA = `
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[3])
  if #KEYS == 3 then redis.call('ZREM', KEYS[3], ARGV[3]) end
end
return 0
`;

/** A small room's count follows joins and leaves within this (a burst of joins gives one push). */
export const VIEWER_PUSH_DEBOUNCE_MS = 250;
/** What count pushes may cost a channel's room, in deliveries per second per node. */
const VIEWER_PUSH_DELIVERIES_PER_SECOND = 4_000;

/**
 * How long a node waits before pushing a channel's new viewer count to its room, given the
 * count it pushed last. Every push is one message to every viewer, so at a fixed rate its cost
 * grows with the room: with 10,000 viewers joining, a push every 250 ms was 40,000 deliveries
 * a second, competing with chat and go-live for the same sockets. Past 1,000 viewers the wait
 * grows with the room so pushes stay under VIEWER_PUSH_DELIVERIES_PER_SECOND (10,000 viewers:
 * one push per 2.5 s), which is still sooner than anyone reads a count that large.
 */
export function viewerPushDelayMs(lastPushedCount: number): number {
  return Math.max(VIEWER_PUSH_DEBOUNCE_MS, Math.ceil((lastPushedCount * 1000) / VIEWER_PUSH_DELIVERIES_PER_SECOND));
}

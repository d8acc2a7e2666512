import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis, { Pipeline } from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { ADMIT_LUA, admit, RELEASE_LUA, WatchCaps, WatchRefusal, WatchSeat } from './watch-presence.policy';

/** Each node re-stamps its watchers this often; a member not re-stamped within the TTL is gone (its node died). */
export const PRESENCE_HEARTBEAT_MS = 10_000;
export const PRESENCE_TTL_MS = 30_000;

const NONE: ReadonlySet<string> = new Set();

/** What this node holds of one session in one room. */
interface LocalSeat {
  address: string | null;
  sockets: Set<string>;
}

type Scripted = {
  watchAdmit(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<string>;
  watchRelease(numKeys: number, ...keysThenArgs: (string | number)[]): Promise<number>;
};

/**
 * Who is watching which channel, across nodes, counted by viewer session (WatchSeat), with
 * the caps of the limits table. With REDIS_URL, per channel: a sorted set of sessions
 * (`streamcat:viewers:{<channelId>}`), one of sockets per session and one of anonymous sessions
 * per client address; scores are expiry times that every node re-stamps for its own sockets
 * on a heartbeat, so a crashed node's viewers drop out within the TTL. Admission and release
 * are Lua scripts (atomic across nodes). Without Redis, or while it is unreachable: this
 * process's sockets only, with the same rule.
 */
@Injectable()
export class WatchPresence implements OnModuleDestroy {
  private readonly log = new Logger('WatchPresence');
  private readonly local = new Map<string, Map<string, LocalSeat>>();
  /**
   * Per channel: each client address's anonymous sessions held here, kept with `local` so a
   * join is admitted in constant time (scanning the room's seats made 10,000 joins quadratic:
   * 6.5 s of CPU in bench:watch-room).
   */
  private readonly byAddress = new Map<string, Map<string, Set<string>>>();
  private readonly redis?: Redis & Scripted;
  private readonly timer: NodeJS.Timeout;
  private readonly caps: WatchCaps;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.caps = {
      socketsPerSession: config.rateLimits['watch-sockets-per-session'].max,
      sessionsPerAddress: config.rateLimits['watch-sessions-per-address'].max,
    };
    if (config.redisUrl) {
      const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
      redis.defineCommand('watchAdmit', { lua: ADMIT_LUA });
      redis.defineCommand('watchRelease', { lua: RELEASE_LUA });
      redis.on('error', (e) => this.log.warn(`redis: ${e.message}`));
      this.redis = redis as Redis & Scripted;
    }
    this.timer = setInterval(() => void this.refresh(), PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Counts `socketId` as `seat` in the channel, or refuses (429 with a sentence) past a cap; nothing changes then. */
  async add(channelId: string, socketId: string, seat: WatchSeat): Promise<void> {
    let refusal: WatchRefusal | null;
    try {
      refusal = this.redis ? await this.admitShared(channelId, socketId, seat) : this.admitLocal(channelId, socketId, seat);
    } catch (e) {
      this.log.warn(`add: ${(e as Error).message}`);
      refusal = this.admitLocal(channelId, socketId, seat);
    }
    if (refusal) throw this.refusal(refusal);
    const seats = this.local.get(channelId) ?? new Map<string, LocalSeat>();
    this.local.set(channelId, seats);
    let held = seats.get(seat.session);
    if (!held) {
      held = { address: seat.address, sockets: new Set<string>() };
      seats.set(seat.session, held);
      if (held.address !== null) {
        const addresses = this.byAddress.get(channelId) ?? new Map<string, Set<string>>();
        this.byAddress.set(channelId, addresses);
        const sessions = addresses.get(held.address) ?? new Set<string>();
        addresses.set(held.address, sessions);
        sessions.add(seat.session);
      }
    }
    held.sockets.add(socketId);
  }

  async remove(channelId: string, socketId: string, seat: WatchSeat): Promise<void> {
    const seats = this.local.get(channelId);
    const held = seats?.get(seat.session);
    held?.sockets.delete(socketId);
    if (held?.sockets.size === 0) {
      seats?.delete(seat.session);
      if (held.address !== null) {
        const addresses = this.byAddress.get(channelId);
        const sessions = addresses?.get(held.address);
        sessions?.delete(seat.session);
        if (sessions?.size === 0) addresses?.delete(held.address);
        if (addresses?.size === 0) this.byAddress.delete(channelId);
      }
    }
    if (seats?.size === 0) this.local.delete(channelId);
    if (!this.redis) return;
    await this.redis
      .watchRelease(...this.keysOf(channelId, seat), Date.now(), socketId, seat.session)
      .catch((e: Error) => this.log.warn(`remove: ${e.message}`));
  }

  /** Distinct viewer sessions of a channel on every node (this node's only when Redis is unreachable). */
  async count(channelId: string): Promise<number> {
    if (!this.redis) return this.local.get(channelId)?.size ?? 0;
    try {
      const out = await this.redis.multi().zremrangebyscore(roomKey(channelId), '-inf', Date.now()).zcard(roomKey(channelId)).exec();
      const card = out?.[1]?.[1];
      if (typeof card === 'number') return card;
    } catch (e) {
      this.log.warn(`count: ${(e as Error).message}`);
    }
    return this.local.get(channelId)?.size ?? 0;
  }

  /** Channels this node has watchers of. */
  channels(): string[] {
    return [...this.local.keys()];
  }

  private admitLocal(channelId: string, socketId: string, seat: WatchSeat): WatchRefusal | null {
    const sessionsOfAddress = (seat.address !== null && this.byAddress.get(channelId)?.get(seat.address)) || NONE;
    const socketsOfSession = this.local.get(channelId)?.get(seat.session)?.sockets ?? NONE;
    return admit(seat, socketId, { socketsOfSession, sessionsOfAddress }, this.caps);
  }

  private async admitShared(channelId: string, socketId: string, seat: WatchSeat): Promise<WatchRefusal | null> {
    const now = Date.now();
    const out = await this.redis!.watchAdmit(
      ...this.keysOf(channelId, seat),
      now,
      now + PRESENCE_TTL_MS,
      socketId,
      seat.session,
      this.caps.socketsPerSession,
      this.caps.sessionsPerAddress,
      PRESENCE_TTL_MS * 2,
    );
    return out === 'watch/too-many-pages' || out === 'watch/network-full' ? out : null;
  }

  /** `numKeys, ...keys` for the scripts: room, the session's sockets, and the address's sessions for anonymous seats. */
  private keysOf(channelId: string, seat: WatchSeat): [number, ...string[]] {
    const keys = [roomKey(channelId), socketsKey(channelId, seat.session)];
    if (seat.address !== null) keys.push(addressKey(channelId, seat.address));
    return [keys.length, ...keys];
  }

  private refusal(code: WatchRefusal): AppError {
    const limits = this.config.rateLimits;
    return code === 'watch/too-many-pages'
      ? new AppError(
          code,
          `You already have ${limits['watch-sockets-per-session'].max} ${limits['watch-sockets-per-session'].what}. Close one to open another.`,
        )
      : new AppError(
          code,
          `There are already ${limits['watch-sessions-per-address'].max} ${limits['watch-sessions-per-address'].what}. Log in to watch, or try again later.`,
        );
  }

  private async refresh(): Promise<void> {
    if (!this.redis || this.local.size === 0) return;
    const expiry = Date.now() + PRESENCE_TTL_MS;
    const batch = this.redis.pipeline();
    for (const [channelId, seats] of this.local) {
      for (const [session, held] of seats) {
        for (const socketId of held.sockets) batch.zadd(socketsKey(channelId, session), expiry, socketId);
        stamp(batch, socketsKey(channelId, session));
        batch.zadd(roomKey(channelId), expiry, session);
        if (held.address !== null) {
          batch.zadd(addressKey(channelId, held.address), expiry, session);
          stamp(batch, addressKey(channelId, held.address));
        }
      }
      stamp(batch, roomKey(channelId));
    }
    await batch.exec().catch((e: Error) => this.log.warn(`refresh: ${e.message}`));
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    // This node's viewers leave the count at once rather than at expiry.
    if (this.redis) {
      const batch = this.redis.pipeline() as Pipeline & Scripted;
      const now = Date.now();
      for (const [channelId, seats] of this.local)
        for (const [session, held] of seats)
          for (const socketId of held.sockets)
            void batch.watchRelease(...this.keysOf(channelId, { session, address: held.address }), now, socketId, session);
      void batch
        .exec()
        .catch(() => undefined)
        .finally(() => this.redis?.disconnect());
    }
    this.local.clear();
    this.byAddress.clear();
  }
}

/** Hash-tagged by channel so a channel's keys share one Redis Cluster slot (the scripts touch several). */
function roomKey(channelId: string): string {
  return `streamcat:viewers:{${channelId}}`;
}
function socketsKey(channelId: string, session: string): string {
  return `streamcat:viewers:{${channelId}}:sockets:${session}`;
}
function addressKey(channelId: string, address: string): string {
  return `streamcat:viewers:{${channelId}}:address:${address}`;
}
function stamp(batch: ReturnType<Redis['pipeline']>, key: string): void {
  batch.pexpire(key, PRESENCE_TTL_MS * 2);
}

import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';

/** Each node re-stamps its watchers this often; a member not re-stamped within the TTL is gone (its node died). */
export const PRESENCE_HEARTBEAT_MS = 10_000;
export const PRESENCE_TTL_MS = 30_000;

/**
 * Who is watching which channel, across nodes. With REDIS_URL: one sorted set per channel
 * (`streamcat:viewers:<channelId>`), member = socket id, score = expiry time; every node
 * refreshes the scores of its own sockets on a heartbeat, so a crashed node's viewers
 * drop out within the TTL. Without Redis: this process's sockets only.
 */
@Injectable()
export class WatchPresence implements OnModuleDestroy {
  private readonly log = new Logger('WatchPresence');
  private readonly local = new Map<string, Set<string>>();
  private readonly redis?: Redis;
  private readonly timer: NodeJS.Timeout;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.redisUrl) {
      this.redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true });
      this.redis.on('error', (e) => this.log.warn(`redis: ${e.message}`));
    }
    this.timer = setInterval(() => void this.refresh(), PRESENCE_HEARTBEAT_MS);
    this.timer.unref();
  }

  async add(channelId: string, socketId: string): Promise<void> {
    let set = this.local.get(channelId);
    if (!set) this.local.set(channelId, (set = new Set()));
    set.add(socketId);
    if (!this.redis) return;
    await this.redis
      .multi()
      .zadd(key(channelId), Date.now() + PRESENCE_TTL_MS, socketId)
      .pexpire(key(channelId), PRESENCE_TTL_MS * 2)
      .exec()
      .catch((e: Error) => this.log.warn(`add: ${e.message}`));
  }

  async remove(channelId: string, socketId: string): Promise<void> {
    const set = this.local.get(channelId);
    set?.delete(socketId);
    if (set?.size === 0) this.local.delete(channelId);
    await this.redis?.zrem(key(channelId), socketId).catch((e: Error) => this.log.warn(`remove: ${e.message}`));
  }

  /** Distinct watch sockets of a channel on every node (this node's only when Redis is unreachable). */
  async count(channelId: string): Promise<number> {
    if (!this.redis) return this.local.get(channelId)?.size ?? 0;
    try {
      const out = await this.redis.multi().zremrangebyscore(key(channelId), '-inf', Date.now()).zcard(key(channelId)).exec();
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

  private async refresh(): Promise<void> {
    if (!this.redis || this.local.size === 0) return;
    const expiry = Date.now() + PRESENCE_TTL_MS;
    const batch = this.redis.pipeline();
    for (const [channelId, sockets] of this.local) {
      for (const socketId of sockets) batch.zadd(key(channelId), expiry, socketId);
      batch.pexpire(key(channelId), PRESENCE_TTL_MS * 2);
    }
    await batch.exec().catch((e: Error) => this.log.warn(`refresh: ${(e as Error).message}`));
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    // This node's viewers leave the count at once rather than at expiry.
    if (this.redis) {
      const batch = this.redis.pipeline();
      for (const [channelId, sockets] of this.local) if (sockets.size) batch.zrem(key(channelId), ...sockets);
      void batch
        .exec()
        .catch(() => undefined)
        .finally(() => this.redis?.disconnect());
    }
    this.local.clear();
  }
}

function key(channelId: string): string {
  return `streamcat:viewers:${channelId}`;
}

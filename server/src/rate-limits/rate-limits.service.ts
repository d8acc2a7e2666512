import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { LimitName, retrySentence } from './rate-limits.policy';

/** A 429 that also tells the client when to come back (`Retry-After`). */
export class RateLimitedError extends AppError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('request/rate-limited', message);
  }
}

/**
 * Counts attempts per key for each limit of the table (config.rateLimits). With REDIS_URL
 * the counters are shared by every replica; if Redis is unreachable each process falls
 * back to its own counters rather than refusing everyone or letting everyone through.
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly log = new Logger('RateLimits');
  private readonly redis?: Redis;
  private readonly limiters = new Map<LimitName, RateLimiterAbstract>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.redisUrl) {
      // No offline queue: while Redis is down a call fails at once and the in-memory insurance answers.
      this.redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      this.redis.on('error', (e) => this.log.warn(`redis: ${e.message}`));
    }
  }

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }

  /** Counts one attempt; refuses with a sentence (and Retry-After) once the window's budget is spent. */
  async consume(name: LimitName, key: string): Promise<void> {
    try {
      await this.limiter(name).consume(key);
    } catch (e) {
      throw this.refusal(name, e);
    }
  }

  /** Milliseconds until `key` may try again (0: now), without counting an attempt. */
  async waitMs(name: LimitName, key: string): Promise<number> {
    const res = await this.limiter(name).get(key);
    return res && res.consumedPoints >= this.config.rateLimits[name].points ? Math.max(res.msBeforeNext, 1) : 0;
  }

  /** Counts an attempt that already happened (a failed log-in); returns how many the window now holds. */
  async record(name: LimitName, key: string): Promise<number> {
    try {
      return (await this.limiter(name).penalty(key)).consumedPoints;
    } catch (e) {
      if (e instanceof RateLimiterRes) return e.consumedPoints;
      throw e;
    }
  }

  /** Makes `key` wait `seconds` (a backoff step). */
  async block(name: LimitName, key: string, seconds: number): Promise<void> {
    await this.limiter(name).block(key, seconds);
  }

  async reset(name: LimitName, key: string): Promise<void> {
    await this.limiter(name).delete(key);
  }

  /** The refusal for a wait of `waitMs`, worded by the limit. */
  refusalAfter(name: LimitName, waitMs: number): RateLimitedError {
    return new RateLimitedError(`Too many ${this.config.rateLimits[name].what}. ${retrySentence(waitMs)}`, Math.ceil(waitMs / 1000));
  }

  private refusal(name: LimitName, e: unknown): Error {
    if (e instanceof RateLimiterRes) return this.refusalAfter(name, e.msBeforeNext);
    return e instanceof Error ? e : new Error(String(e));
  }

  private limiter(name: LimitName): RateLimiterAbstract {
    let l = this.limiters.get(name);
    if (!l) {
      const { points, windowSeconds } = this.config.rateLimits[name];
      const opts = { keyPrefix: `streamcat:limit:${name}`, points, duration: windowSeconds };
      const memory = new RateLimiterMemory(opts);
      l = this.redis ? new RateLimiterRedis({ ...opts, storeClient: this.redis, insuranceLimiter: memory }) : memory;
      this.limiters.set(name, l);
    }
    return l;
  }
}

import { Controller, Get, Inject, OnApplicationShutdown, Optional, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { HealthResponse } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { ApiJsonResponse } from '../http/openapi';
import { LocalMediaPlane } from '../media/local-media-plane';
import { MediaHealth } from './media-health';

const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref())]);
}

@ApiTags('health')
@Controller('api/health')
export class HealthController implements OnApplicationShutdown {
  private redis?: Redis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaHealth,
    @Optional() private readonly localMedia?: LocalMediaPlane,
  ) {}

  /** 200 when every dependency answers, 503 (with the same body) when one does not. */
  @Get()
  @ApiJsonResponse(200, HealthResponse)
  @ApiJsonResponse(503, HealthResponse, 'A dependency is down')
  async health(@Res() res: Response): Promise<void> {
    // IVS is asked at most once per interval per replica (MediaHealth): probes must not spend its rate budget.
    const [db, redis, media] = await Promise.all([this.probeDb(), this.probeRedis(), this.media.state()]);
    const degraded = db === 'down' || redis === 'down' || media === 'down';
    // Local mode: can the ingest run, and with which ffmpeg? A missing ffmpeg only blocks going
    // live (stages, chat and VODs still work), so it does not turn the instance unhealthy.
    const ffmpeg = this.localMedia?.ffmpeg();
    const body: HealthResponse = {
      status: degraded ? 'degraded' : 'ok',
      db,
      redis,
      media,
      mediaProvider: this.config.mediaProvider,
      ...(ffmpeg ? { ffmpeg } : {}),
    };
    res.status(degraded ? 503 : 200).json(body);
  }

  private async probeDb(): Promise<'up' | 'down'> {
    try {
      await withTimeout(this.db.query('SELECT 1'));
      return 'up';
    } catch {
      return 'down';
    }
  }

  private async probeRedis(): Promise<HealthResponse['redis']> {
    if (!this.config.redisUrl) return 'not-configured';
    this.redis ??= new Redis(this.config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    try {
      if (this.redis.status === 'wait' || this.redis.status === 'end') await withTimeout(this.redis.connect());
      await withTimeout(this.redis.ping());
      return 'up';
    } catch {
      return 'down';
    }
  }

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}

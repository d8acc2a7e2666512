import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MediaProvider } from '../media/media-provider';
import { OrphanedMediaResource } from '../media/orphaned-resource.entity';

/** Retries deleting provider resources left behind by failed sign-ups. */
@Injectable()
export class OrphanSweeperService implements OnApplicationShutdown {
  private readonly log = new Logger('OrphanSweeper');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
  ) {}

  start(intervalMs = 60_000): void {
    this.timer = setInterval(() => void this.sweep().catch((e) => this.log.warn(`sweep failed: ${(e as Error).message}`)), intervalMs);
    this.timer.unref();
  }

  /** One pass; returns how many resources were deleted. */
  async sweep(): Promise<number> {
    const repo = this.db.getRepository(OrphanedMediaResource);
    const pending = await repo.find({ order: { createdAt: 'ASC' }, take: 50 });
    let deleted = 0;
    for (const r of pending) {
      try {
        if (r.kind === 'stage') await this.media.deleteStage(r.arn);
        else await this.media.deleteChannel(r.arn);
        await repo.delete({ id: r.id });
        deleted++;
      } catch (e) {
        await repo.update({ id: r.id }, { attempts: r.attempts + 1, lastError: (e as Error).message });
      }
    }
    return deleted;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../http/app-error';
import { StudioClock } from './studio.clock';
import { StudioWriter } from './studio.writer';

/** Every sweep: expired invites and green-room requests are dropped and pushed as expired. */
const SWEEP_INTERVAL_MS = 2_000;
/** Processed-command records are kept this long (retries come within seconds); checked every 300 sweeps. */
const COMMAND_RECORD_TTL_MS = 24 * 3600 * 1000;
const RECORD_CLEANUP_EVERY = 300;

/**
 * Time running out, applied: on every node, every few seconds, the stages whose earliest
 * invite or green-room request is due get a system `expire` change (the row lock makes one
 * node do it), and old command records are forgotten.
 */
@Injectable()
export class StudioExpirySweeper implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Studio');
  private timer?: NodeJS.Timeout;
  private sweeps = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: StudioWriter,
    private readonly clock: StudioClock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep().catch((e) => this.log.warn(`sweep: ${String(e)}`)), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Drops expired invites / green-room requests on every stage that has one (any node may run it). */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    this.sweeps += 1;
    if (this.sweeps % RECORD_CLEANUP_EVERY === 0)
      await this.db.query(`DELETE FROM studio_commands WHERE created_at < $1`, [new Date(now.getTime() - COMMAND_RECORD_TTL_MS)]);
    const due: { stage_id: string }[] = await this.db.query(
      `SELECT stage_id FROM studio_documents WHERE next_expiry_at <= $1 ORDER BY next_expiry_at LIMIT 50`,
      [now],
    );
    let swept = 0;
    for (const { stage_id } of due) {
      try {
        await this.writer.run({
          command: 'studio:expire',
          stage: { id: stage_id },
          actor: { kind: 'system' },
          build: () => ({ type: 'expire' }),
        });
        swept += 1;
      } catch (e) {
        // Another node swept it first, or nothing was due any more.
        if (!(e instanceof AppError)) throw e;
      }
    }
    return swept;
  }
}

import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { MediaProvider } from '../media/media-provider';
import { idleStageVerdict, idleSweepIntervalMs } from './idle-stages.policy';
import { StudioStages } from './studio-stages.service';

/**
 * Gives back the IVS stages (studio and show) of every studio idle for STAGE_IDLE_MINUTES (AWS counts stages
 * against a per-region quota); the next need makes a new one. Runs on every node; the
 * per-studio lock and the re-check under it make concurrent sweeps harmless.
 */
@Injectable()
export class IdleStagesSweeper implements OnApplicationShutdown {
  private readonly log = new Logger('IdleStages');
  private timer?: NodeJS.Timeout;
  private running?: Promise<string[]>;

  constructor(
    private readonly stages: StudioStages,
    private readonly media: MediaProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get idleMs(): number {
    return this.config.stageIdleMinutes * 60_000;
  }

  start(): void {
    this.timer = setInterval(
      () => void this.sweep().catch((e) => this.log.warn(`sweep failed: ${(e as Error).message}`)),
      idleSweepIntervalMs(this.idleMs),
    );
    this.timer.unref();
  }

  /** One pass (concurrent calls share it); returns the ARNs given back. `now` lets tests look ahead. */
  sweep(now = new Date()): Promise<string[]> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: Date): Promise<string[]> {
    const givenBack: string[] = [];
    for (const row of await this.stages.unusedSince(new Date(now.getTime() - this.idleMs))) {
      let verdict = idleStageVerdict(row, now, this.idleMs);
      if (verdict === 'ask-ivs') {
        let activity: { exists: boolean; activeSessionId: string | null };
        try {
          activity = await this.media.stageActivity(row.arn);
        } catch (e) {
          this.log.warn(`GetStage ${row.arn}: ${(e as Error).message}`);
          continue;
        }
        if (!activity.exists) {
          // Deleted outside StreamCat: forget it; the next need makes a new one.
          await this.stages.forget(row.stageId, row.arn);
          givenBack.push(row.arn);
          continue;
        }
        verdict = idleStageVerdict({ ...row, activeSession: activity.activeSessionId !== null }, now, this.idleMs);
        if (verdict === 'keep') await this.stages.touch(row.stageId, row.arn);
      }
      if (verdict !== 'give-back') continue;
      try {
        const done = await this.stages.giveBack(
          row.stageId,
          row.arn,
          (fresh) => idleStageVerdict({ ...fresh, activeSession: false }, now, this.idleMs) === 'give-back',
          row.kind,
        );
        if (done) givenBack.push(row.arn);
      } catch (e) {
        this.log.warn(`giving back ${row.arn}: ${(e as Error).message}`);
      }
    }
    if (givenBack.length) this.log.log(`gave back ${givenBack.length} idle stage(s)`);
    return givenBack;
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { BroadcastState } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { IvsEventsService } from '../ivs-events/ivs-events.service';
import { MediaProvider } from '../media/media-provider';
import { BroadcastConfirmations } from './broadcast-confirmations';
import { goLiveCheckIntervalMs, goLiveGiveUpNote, goLiveVerdict } from './go-live.policy';
import { StudioWriter } from './studio.writer';

interface StartingStudio {
  stage_id: string;
  broadcast: { state: BroadcastState; since: string };
  channel_id: string;
  channel_arn: string;
}

/**
 * Go-live does not hang on a lost event: a studio still `starting` after
 * BROADCAST_START_TIMEOUT_SECONDS asks IVS (GetStream). Live: the Start is applied as the
 * events pipeline would (a reconciliation entry in the ledger) and the studio goes on air. Not
 * live: the switch goes back to offline with the reason. Runs on every node; each outcome is
 * idempotent (ledger id, studio state checked under its lock).
 */
@Injectable()
export class GoLiveWatch implements OnApplicationShutdown {
  private readonly log = new Logger('GoLive');
  private timer?: NodeJS.Timeout;
  private running?: Promise<{ confirmed: string[]; gaveUp: string[] }>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly events: IvsEventsService,
    private readonly writer: StudioWriter,
    private readonly confirmations: BroadcastConfirmations,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get timeoutMs(): number {
    return this.config.broadcastStartTimeoutSeconds * 1000;
  }

  start(): void {
    this.timer = setInterval(
      () => void this.check().catch((e) => this.log.warn(`go-live check failed: ${(e as Error).message}`)),
      goLiveCheckIntervalMs(this.timeoutMs),
    );
    this.timer.unref();
  }

  /** One pass (concurrent calls share it): stage ids put on air, and those whose switch went back. `now` lets tests look ahead. */
  check(now = new Date()): Promise<{ confirmed: string[]; gaveUp: string[] }> {
    this.running ??= this.pass(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(now: Date): Promise<{ confirmed: string[]; gaveUp: string[] }> {
    const due: StartingStudio[] = await this.db.query(
      `SELECT d.stage_id, d.document->'live'->'broadcast' AS broadcast, c.id AS channel_id, c.arn AS channel_arn
         FROM studio_documents d JOIN stages s ON s.id = d.stage_id JOIN channels c ON c.user_id = s.user_id
        WHERE d.document->'live'->'broadcast'->>'state' = 'starting'
          AND (d.document->'live'->'broadcast'->>'since')::timestamptz <= $1
        ORDER BY d.updated_at LIMIT 100`,
      [new Date(now.getTime() - this.timeoutMs)],
    );
    const confirmed: string[] = [];
    const gaveUp: string[] = [];
    for (const studio of due) {
      if (goLiveVerdict({ broadcast: studio.broadcast, now, timeoutMs: this.timeoutMs }) !== 'ask-ivs') continue;
      let stream: Awaited<ReturnType<MediaProvider['getStream']>>;
      try {
        stream = await this.media.getStream(studio.channel_arn);
      } catch (e) {
        // IVS unreachable tells us nothing: ask again on the next pass.
        this.log.warn(`GetStream ${studio.channel_arn}: ${(e as Error).message}`);
        continue;
      }
      const verdict = goLiveVerdict({ broadcast: studio.broadcast, now, timeoutMs: this.timeoutMs, stream });
      if (verdict === 'confirm-live' && stream) {
        const live = await this.events.reconcileStart(studio.channel_arn, stream, now);
        if (live) {
          // The domain event confirms the studio too; confirming here covers a Start applied earlier whose confirmation was lost.
          await this.confirmations.confirm(studio.channel_id, 'live', stream.startTime ?? now);
          confirmed.push(studio.stage_id);
          this.log.log(`stream ${stream.streamId} is live but its Stream Start never came: applied from GetStream`);
        }
      } else if (verdict === 'give-up') {
        if (await this.giveUp(studio)) gaveUp.push(studio.stage_id);
      }
    }
    return { confirmed, gaveUp };
  }

  private async giveUp(studio: StartingStudio): Promise<boolean> {
    try {
      await this.writer.run({
        command: 'studio:broadcast-timed-out',
        stage: { id: studio.stage_id },
        actor: { kind: 'system' },
        build: () => ({
          type: 'broadcast-timed-out',
          since: studio.broadcast.since,
          note: goLiveGiveUpNote(this.config.broadcastStartTimeoutSeconds),
        }),
      });
      return true;
    } catch (e) {
      // The Start landed, or the host acted, since we looked.
      if (e instanceof AppError && e.code === 'studio/invalid-transition') return false;
      throw e;
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

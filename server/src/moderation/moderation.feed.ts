import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ModerationChannel, ModerationSnapshot, ModerationStage, StreamHealthDto } from '@streamcat/protocol';
import { DomainEvents } from '../domain-events/domain-events';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';
import { WatchService } from '../watch/watch.service';
import { ModerationStages } from './moderation.stages';

const STAGE_PUSH_DEBOUNCE_MS = 250;

interface LiveChannelRow {
  id: string;
  name: string;
  title: string;
  host: string;
  is_live: boolean;
  current_stream_id: string | null;
  live_state_at: Date | null;
  health: StreamHealthDto;
}

/**
 * The moderation panel's view: every live channel and open stage, as a snapshot on
 * subscribe and as per-item updates to room `moderation` (every node) when they change.
 */
@Injectable()
export class ModerationFeed implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('ModerationFeed');
  private readonly offs: (() => void)[] = [];
  private readonly pendingStages = new Map<string, NodeJS.Timeout>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: DomainEvents,
    private readonly broadcaster: Broadcaster,
    private readonly watch: WatchService,
    private readonly stages: ModerationStages,
  ) {}

  onModuleInit(): void {
    const push = (channelId: string) => void this.pushChannel(channelId).catch((e: Error) => this.log.warn(`push: ${e.message}`));
    this.offs.push(
      this.events.on('channel.live', (e) => push(e.channelId)),
      this.events.on('channel.offline', (e) => push(e.channelId)),
      this.events.on('stream.health', (e) => push(e.channelId)),
      this.events.on('channel.updated', (e) => push(e.channelId)),
      this.events.on('channel.limit-breach', (e) => push(e.channelId)),
      this.watch.onViewerCount((channelId) => push(channelId)),
      this.stages.onChange((stageId) => this.scheduleStage(stageId)),
    );
  }

  onModuleDestroy(): void {
    this.offs.forEach((off) => off());
    for (const t of this.pendingStages.values()) clearTimeout(t);
  }

  async snapshot(): Promise<ModerationSnapshot> {
    const rows = (await this.db.query(
      `${LIVE_SELECT} WHERE c.is_live ORDER BY c.live_state_at DESC NULLS LAST, c.name`,
    )) as LiveChannelRow[];
    const channels = await Promise.all(rows.map((r) => this.entry(r)));
    const stages: ModerationStage[] = await this.stages.openStages();
    return { channels, stages, at: new Date().toISOString() };
  }

  private async pushChannel(channelId: string): Promise<void> {
    const rows = (await this.db.query(`${LIVE_SELECT} WHERE c.id = $1`, [channelId])) as LiveChannelRow[];
    const r = rows[0];
    if (!r) return;
    this.broadcaster.toRoom(rooms.moderation, 'moderation:channel', { channel: r.name, entry: r.is_live ? await this.entry(r) : null });
  }

  /** Studio changes come in bursts (layout edits): one panel update per stage per quarter second. */
  private scheduleStage(stageId: string): void {
    if (this.pendingStages.has(stageId)) return;
    const timer = setTimeout(() => {
      this.pendingStages.delete(stageId);
      void this.pushStage(stageId).catch((e: Error) => this.log.warn(`stage: ${e.message}`));
    }, STAGE_PUSH_DEBOUNCE_MS);
    timer.unref();
    this.pendingStages.set(stageId, timer);
  }

  private async pushStage(stageId: string): Promise<void> {
    this.broadcaster.toRoom(rooms.moderation, 'moderation:stage', await this.stages.entry(stageId));
  }

  private async entry(r: LiveChannelRow): Promise<ModerationChannel> {
    const breaches = (await this.db.query(
      `SELECT limit_name, limit_value, exceeded_by, limit_unit, occurred_at FROM channel_limit_breaches
       WHERE channel_id = $1 AND ($2::timestamptz IS NULL OR occurred_at >= $2) ORDER BY occurred_at DESC LIMIT 20`,
      [r.id, r.live_state_at],
    )) as { limit_name: string; limit_value: number; exceeded_by: number; limit_unit: string | null; occurred_at: Date }[];
    return {
      channel: r.name,
      title: r.title,
      host: r.host,
      streamId: r.current_stream_id,
      since: r.live_state_at?.toISOString() ?? null,
      health: r.health,
      viewerCount: await this.watch.viewerCount(r.id),
      limitBreaches: breaches.map((b) => ({
        limitName: b.limit_name,
        limitValue: Number(b.limit_value),
        exceededBy: Number(b.exceeded_by),
        limitUnit: b.limit_unit,
        at: b.occurred_at.toISOString(),
      })),
    };
  }
}

const LIVE_SELECT = `SELECT c.id, c.name, c.title, u.username AS host, c.is_live, c.current_stream_id, c.live_state_at, c.health
  FROM channels c JOIN users u ON u.id = c.user_id`;

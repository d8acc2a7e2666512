import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { StudioWriter } from './studio.writer';

/** Stream Start / End (from the events pipeline) confirm the studio's broadcast switch. */
@Injectable()
export class BroadcastConfirmations implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Studio');
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly writer: StudioWriter,
    private readonly events: DomainEvents,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('channel.live', (e) => void this.confirm(e.channelId, 'live', e.at)),
      this.events.on('channel.offline', (e) => void this.confirm(e.channelId, 'offline', e.at)),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe) off();
  }

  async confirm(channelId: string, state: 'live' | 'offline', at: Date): Promise<void> {
    try {
      const rows: { id: string }[] = await this.db.query(
        `SELECT s.id FROM stages s JOIN channels c ON c.user_id = s.user_id WHERE c.id = $1`,
        [channelId],
      );
      if (!rows[0]) return;
      await this.writer.run({
        command: 'studio:broadcast-confirmed',
        stage: { id: rows[0].id },
        actor: { kind: 'system' },
        build: () => ({ type: 'broadcast-confirmed', state, at: at.toISOString() }),
      });
    } catch (e) {
      if (e instanceof AppError && e.code === 'studio/invalid-transition') return;
      this.log.warn(`broadcast ${state} for channel ${channelId}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

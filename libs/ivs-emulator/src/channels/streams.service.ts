import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IvsApiError } from '../aws-protocol/ivs-api.errors';
import { queryOne, queryRows, Sql } from '../database/emulator-sql';
import { newStreamId } from '../ivs-arns';
import { IvsEmulatorEvents, StreamHealth } from '../ivs-emulator.events';
import { IVS_EMULATOR_CLOCK, IvsEmulatorClock } from '../ivs-emulator.options';
import { ChannelsService } from './channels.service';

interface StreamRow {
  stream_id: string;
  channel_id: string;
  started_at: Date;
  health: StreamHealth;
  viewer_count: number;
}

/** The `Stream` structure GetStream returns. */
export interface StreamView {
  channelArn: string;
  streamId: string;
  playbackUrl: string;
  startTime: string;
  state: 'LIVE';
  health: StreamHealth;
  viewerCount: number;
}

type EndReason = 'ENDED' | 'STOPPED' | 'TAKEOVER';

/**
 * Whether a channel is live. The ingest (media plane) reports start/end/health; GetStream and
 * StopStream read and cut it. State is in PostgreSQL so any replica answers GetStream.
 */
@Injectable()
export class StreamsService {
  constructor(
    private readonly db: DataSource,
    private readonly channels: ChannelsService,
    private readonly events: IvsEmulatorEvents,
    @Inject(IVS_EMULATOR_CLOCK) private readonly now: IvsEmulatorClock,
  ) {}

  async getStream(channelArn: string): Promise<StreamView> {
    const channel = await this.channels.requireChannel(this.db, channelArn);
    const live = await this.liveStream(this.db, channel.id);
    if (!live) throw offline(channelArn);
    return {
      channelArn,
      streamId: live.stream_id,
      playbackUrl: this.channels.playbackUrl(channel.id),
      startTime: live.started_at.toISOString(),
      state: 'LIVE',
      health: live.health,
      viewerCount: live.viewer_count,
    };
  }

  /** Ends the live stream and asks the ingest (stop listeners) to cut the encoder. */
  async stopStream(channelArn: string): Promise<void> {
    const ended = await this.db.transaction(async (tx) => {
      const channel = await this.channels.requireChannel(tx, channelArn, true);
      return this.endLive(tx, channel.id, 'STOPPED');
    });
    if (!ended) throw offline(channelArn);
    await this.events.emit('streamStopRequested', { channelArn, streamId: ended });
    await this.events.emit('streamEnded', { channelArn, streamId: ended, reason: 'STOPPED' });
  }

  /**
   * Marks the channel live with a new stream id. A stream already live is replaced (IVS calls
   * this a takeover), so a reconnecting encoder never leaves the channel stuck.
   */
  async startStream(channelArn: string): Promise<{ streamId: string; startTime: Date }> {
    const startTime = this.now();
    const streamId = newStreamId();
    const replaced = await this.db.transaction(async (tx) => {
      const channel = await this.channels.requireChannel(tx, channelArn, true);
      const previous = await this.endLive(tx, channel.id, 'TAKEOVER');
      await tx.query(`INSERT INTO ivs_emu_streams (stream_id, channel_id, started_at) VALUES ($1, $2, $3)`, [
        streamId,
        channel.id,
        startTime,
      ]);
      return previous;
    });
    if (replaced) await this.events.emit('streamEnded', { channelArn, streamId: replaced, reason: 'TAKEOVER' });
    await this.events.emit('streamStarted', { channelArn, streamId, startTime });
    return { streamId, startTime };
  }

  /** The encoder went away. Returns the ended stream id, or null if the channel was not live. */
  async endStream(channelArn: string): Promise<{ streamId: string } | null> {
    const ended = await this.db.transaction(async (tx) => {
      const channel = await this.channels.requireChannel(tx, channelArn, true);
      return this.endLive(tx, channel.id, 'ENDED');
    });
    if (!ended) return null;
    await this.events.emit('streamEnded', { channelArn, streamId: ended, reason: 'ENDED' });
    return { streamId: ended };
  }

  /** Updates what GetStream reports; only the fields given change. */
  async setStreamHealth(channelArn: string, update: { health?: StreamHealth; viewerCount?: number }): Promise<void> {
    const channel = await this.channels.requireChannel(this.db, channelArn);
    const rows = await queryRows<StreamRow & { previous_health: StreamHealth }>(
      this.db,
      `UPDATE ivs_emu_streams s SET health = COALESCE($2, s.health), viewer_count = COALESCE($3, s.viewer_count)
       FROM (SELECT stream_id, health AS previous_health FROM ivs_emu_streams WHERE channel_id = $1 AND ended_at IS NULL) p
       WHERE s.stream_id = p.stream_id
       RETURNING s.stream_id, s.health, p.previous_health`,
      [channel.id, update.health ?? null, update.viewerCount ?? null],
    );
    if (rows.length === 0) throw offline(channelArn);
    const row = rows[0];
    if (row.health !== row.previous_health) {
      await this.events.emit('streamHealthChanged', { channelArn, streamId: row.stream_id, health: row.health });
    }
  }

  private liveStream(sql: Sql, channelId: string): Promise<StreamRow | undefined> {
    return queryOne<StreamRow>(sql, `SELECT * FROM ivs_emu_streams WHERE channel_id = $1 AND ended_at IS NULL`, [channelId]);
  }

  private async endLive(tx: Sql, channelId: string, reason: EndReason): Promise<string | null> {
    const rows = await queryRows<{ stream_id: string }>(
      tx,
      `UPDATE ivs_emu_streams SET ended_at = $2, end_reason = $3 WHERE channel_id = $1 AND ended_at IS NULL RETURNING stream_id`,
      [channelId, this.now(), reason],
    );
    return rows[0]?.stream_id ?? null;
  }
}

function offline(channelArn: string): IvsApiError {
  return new IvsApiError('ChannelNotBroadcasting', `Channel ${channelArn} is not broadcasting.`);
}

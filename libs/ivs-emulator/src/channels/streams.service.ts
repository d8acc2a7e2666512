import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IvsApiError, notFoundError } from '../aws-protocol/ivs-api.errors';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { queryOne, queryRows, Sql } from '../database/emulator-sql';
import { newStreamId } from '../ivs-arns';
import { IvsEmulatorEvents, StreamHealth } from '../ivs-emulator.events';
import { IVS_EMULATOR_CLOCK, IvsEmulatorClock } from '../ivs-emulator.options';
import { ChannelsService, ChannelView } from './channels.service';

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

interface StreamSessionRow {
  stream_id: string;
  started_at: Date;
  ended_at: Date | null;
  end_reason: EndReason | null;
}

/** The `StreamSessionSummary` structure ListStreamSessions returns. */
export interface StreamSessionSummaryView {
  streamId: string;
  startTime: string;
  endTime?: string;
  hasErrorEvent: boolean;
}

/** The `StreamEvent` structure (what EventBridge also heard about the session). */
export interface StreamEventView {
  name: string;
  type: 'IVS Stream State Change';
  eventTime: string;
}

/** The `StreamSession` structure GetStreamSession returns (no ingest or recording details locally). */
export interface StreamSessionView {
  streamId: string;
  startTime: string;
  endTime?: string;
  channel: ChannelView;
  truncatedEvents: StreamEventView[];
}

const SESSION_END_EVENT: Record<EndReason, string> = { ENDED: 'Stream End', STOPPED: 'Stream End', TAKEOVER: 'Stream Takeover' };

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

  /**
   * Asks the ingest (stop listeners) to cut the encoder, then ends the stream. A cut that fails
   * leaves the stream live and answers StreamUnavailable (503), which IVS declares for StopStream.
   */
  async stopStream(channelArn: string): Promise<void> {
    const channel = await this.channels.requireChannel(this.db, channelArn);
    const live = await this.liveStream(this.db, channel.id);
    if (!live) throw offline(channelArn);
    const failures = await this.events.emit('streamStopRequested', { channelArn, streamId: live.stream_id });
    if (failures.length) throw new IvsApiError('StreamUnavailable', 'The stream is temporarily unavailable.');
    const ended = await queryRows<{ stream_id: string }>(
      this.db,
      `UPDATE ivs_emu_streams SET ended_at = $2, end_reason = 'STOPPED' WHERE stream_id = $1 AND ended_at IS NULL RETURNING stream_id`,
      [live.stream_id, this.now()],
    );
    if (ended.length) await this.events.emit('streamEnded', { channelArn, streamId: live.stream_id, reason: 'STOPPED' });
  }

  /** The channel's streams, newest first (one per go-live; the live one has no end time). */
  async listStreamSessions(req: {
    channelArn: string;
    nextToken?: string;
    maxResults: number;
  }): Promise<{ streamSessions: StreamSessionSummaryView[]; nextToken?: string }> {
    const channel = await this.channels.requireChannel(this.db, req.channelArn);
    const after = decodeNextToken(req.nextToken);
    const rows = await queryRows<StreamSessionRow>(
      this.db,
      `SELECT stream_id, started_at, ended_at, end_reason FROM ivs_emu_streams s
       WHERE channel_id = $1 AND ($2::text IS NULL OR (started_at, stream_id) <
         (SELECT started_at, stream_id FROM ivs_emu_streams WHERE channel_id = $1 AND stream_id = $2))
       ORDER BY started_at DESC, stream_id DESC LIMIT $3`,
      [channel.id, after ?? null, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.stream_id);
    return {
      streamSessions: page.items.map((r) => ({ ...sessionTimes(r), streamId: r.stream_id, hasErrorEvent: false })),
      nextToken: page.nextToken,
    };
  }

  /** One stream session, or the channel's most recent one when no stream id is given. */
  async getStreamSession(channelArn: string, streamId: string | undefined): Promise<StreamSessionView> {
    const channel = await this.channels.requireChannel(this.db, channelArn);
    const row = await queryOne<StreamSessionRow>(
      this.db,
      `SELECT stream_id, started_at, ended_at, end_reason FROM ivs_emu_streams
       WHERE channel_id = $1 AND ($2::text IS NULL OR stream_id = $2) ORDER BY started_at DESC, stream_id DESC LIMIT 1`,
      [channel.id, streamId ?? null],
    );
    if (!row) {
      throw notFoundError(
        streamId ? `Stream session ${streamId} does not exist on channel ${channelArn}.` : `Channel ${channelArn} has no stream sessions.`,
      );
    }
    const times = sessionTimes(row);
    const events: StreamEventView[] = [{ name: 'Stream Start', type: 'IVS Stream State Change', eventTime: times.startTime }];
    if (times.endTime)
      events.unshift({ name: SESSION_END_EVENT[row.end_reason ?? 'ENDED'], type: 'IVS Stream State Change', eventTime: times.endTime });
    return { ...times, streamId: row.stream_id, channel: this.channels.channelView(channel), truncatedEvents: events };
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

function sessionTimes(row: StreamSessionRow): { startTime: string; endTime?: string } {
  return { startTime: row.started_at.toISOString(), ...(row.ended_at ? { endTime: row.ended_at.toISOString() } : {}) };
}

function offline(channelArn: string): IvsApiError {
  return new IvsApiError('ChannelNotBroadcasting', `Channel ${channelArn} is not broadcasting.`);
}

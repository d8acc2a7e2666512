import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { conflictError, IvsApiError, notFoundError } from '../aws-protocol/ivs-api.errors';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { countOf, lockForTransaction, queryOne, queryRows, Sql } from '../database/emulator-sql';
import { assertOwnAccount, buildArn, newResourceId, newSrtPassphrase, newStreamKeyValue } from '../ivs-arns';
import { EmulatorEndpoints, IVS_EMULATOR_OPTIONS, IvsEmulatorOptions, emulatorEndpoints } from '../ivs-emulator.options';
import { IVS_EMULATOR_LIMITS } from '../limits/call-limits.middleware';
import { checkQuota } from '../limits/emulator-admission';
import type { EmulatorLimits } from '../limits/emulator-limits';
import type { ChannelType, CreateChannelRequest, LatencyMode, ListChannelsRequest } from './channels.schemas';

export interface ChannelRow {
  id: string;
  arn: string;
  name: string;
  latency_mode: LatencyMode;
  type: ChannelType;
  authorized: boolean;
  insecure_ingest: boolean;
  recording_configuration_arn: string;
  preset: string;
  tags: Record<string, string>;
  srt_passphrase: string;
}

interface StreamKeyRow {
  id: string;
  arn: string;
  channel_id: string;
  channel_arn: string;
  value: string;
  tags: Record<string, string>;
}

/** The `Channel` structure of the IVS API. */
export interface ChannelView {
  arn: string;
  name: string;
  latencyMode: LatencyMode;
  type: ChannelType;
  recordingConfigurationArn: string;
  ingestEndpoint: string;
  playbackUrl: string;
  authorized: boolean;
  insecureIngest: boolean;
  preset: string;
  playbackRestrictionPolicyArn: string;
  containerFormat: 'TS';
  multitrackInputConfiguration: { enabled: boolean };
  /** SRT ingest as IVS describes it (no SRT listener runs locally); no passphrase with insecureIngest. */
  srt: { endpoint: string; passphrase?: string };
  adConfigurationArn: string;
  tags: Record<string, string>;
}

/** The `ChannelSummary` structure ListChannels returns. */
export type ChannelSummaryView = Pick<
  ChannelView,
  | 'arn'
  | 'name'
  | 'latencyMode'
  | 'type'
  | 'recordingConfigurationArn'
  | 'authorized'
  | 'insecureIngest'
  | 'preset'
  | 'playbackRestrictionPolicyArn'
  | 'adConfigurationArn'
  | 'tags'
>;

export interface StreamKeyView {
  arn: string;
  value: string;
  channelArn: string;
  tags: Record<string, string>;
}

/** What the ingest needs to accept a publisher presenting a stream key. */
export interface StreamKeyOwner {
  channelArn: string;
  channelId: string;
  channelName: string;
  streamKeyArn: string;
}

const STREAM_KEY_SELECT = `
  SELECT k.id, k.arn, k.channel_id, c.arn AS channel_arn, k.value, k.tags
  FROM ivs_emu_stream_keys k JOIN ivs_emu_channels c ON c.id = k.channel_id`;

/** Channels and their stream keys (one resource family in IVS's API). */
@Injectable()
export class ChannelsService {
  private readonly endpoints: EmulatorEndpoints;

  constructor(
    private readonly db: DataSource,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_LIMITS) private readonly limits: EmulatorLimits,
  ) {
    this.endpoints = emulatorEndpoints(options);
  }

  async createChannel(req: CreateChannelRequest): Promise<{ channel: ChannelView; streamKey: StreamKeyView }> {
    const id = newResourceId();
    const advanced = req.type === 'ADVANCED_SD' || req.type === 'ADVANCED_HD';
    const preset = req.preset || (advanced ? 'HIGHER_BANDWIDTH_DELIVERY' : '');
    return this.db.transaction(async (tx) => {
      // Counted under a lock held to commit: the quota holds across replicas, and a refusal inserts nothing.
      await lockForTransaction(tx, `ivs-emulator:quota:channels:${this.options.accountId}`);
      this.refuseOverQuota('channels', await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_channels`));
      const row = await queryOne<ChannelRow>(
        tx,
        `INSERT INTO ivs_emu_channels
           (id, arn, name, latency_mode, type, authorized, insecure_ingest, recording_configuration_arn, preset, tags, srt_passphrase)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING *`,
        [
          id,
          this.arn('channel', id),
          req.name ?? '',
          req.latencyMode,
          req.type,
          req.authorized,
          req.insecureIngest,
          req.recordingConfigurationArn,
          preset,
          JSON.stringify(req.tags ?? {}),
          newSrtPassphrase(),
        ],
      );
      const key = await this.insertStreamKey(tx, row!, {});
      return { channel: this.channelView(row!), streamKey: key };
    });
  }

  async getChannel(arn: string): Promise<ChannelView> {
    return this.channelView(await this.requireChannel(this.db, arn));
  }

  /** Removes the channel and its key; refuses while live, as IVS does. */
  async deleteChannel(arn: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const channel = await this.requireChannel(tx, arn, true);
      const live = await queryOne(tx, `SELECT 1 FROM ivs_emu_streams WHERE channel_id = $1 AND ended_at IS NULL`, [channel.id]);
      if (live) throw conflictError(`Channel ${arn} is currently live; stop the stream before deleting it.`);
      await tx.query(`DELETE FROM ivs_emu_channels WHERE id = $1`, [channel.id]);
    });
  }

  async listChannels(req: ListChannelsRequest): Promise<{ channels: ChannelSummaryView[]; nextToken?: string }> {
    if (req.filterByName !== undefined && req.filterByRecordingConfigurationArn !== undefined) {
      // IVS answers a combined filter with 409, not 400.
      throw conflictError('filterByName and filterByRecordingConfigurationArn cannot be used together.');
    }
    const after = decodeNextToken(req.nextToken);
    const where: string[] = [];
    const params: unknown[] = [];
    if (after !== undefined) where.push(`id > $${params.push(after)}`);
    if (req.filterByName !== undefined) where.push(`name = $${params.push(req.filterByName)}`);
    if (req.filterByRecordingConfigurationArn !== undefined)
      where.push(`recording_configuration_arn = $${params.push(req.filterByRecordingConfigurationArn)}`);
    const rows = await queryRows<ChannelRow>(
      this.db,
      `SELECT * FROM ivs_emu_channels ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY id LIMIT $${params.push(req.maxResults + 1)}`,
      params,
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return {
      channels: page.items.map(channelSummaryView),
      nextToken: page.nextToken,
    };
  }

  /** IVS allows one key per channel (streamKeysPerChannel): another is a quota error until one is deleted. */
  async createStreamKey(channelArn: string, tags: Record<string, string> | undefined): Promise<StreamKeyView> {
    return this.db.transaction(async (tx) => {
      const channel = await this.requireChannel(tx, channelArn, true);
      return this.insertStreamKey(tx, channel, tags ?? {});
    });
  }

  async getStreamKey(arn: string): Promise<StreamKeyView> {
    const row = await queryOne<StreamKeyRow>(this.db, `${STREAM_KEY_SELECT} WHERE k.arn = $1`, [arn]);
    if (!row) throw notFoundError(`Stream key ${arn} does not exist.`);
    return streamKeyView(row);
  }

  async deleteStreamKey(arn: string): Promise<void> {
    const rows = await queryRows(this.db, `DELETE FROM ivs_emu_stream_keys WHERE arn = $1 RETURNING id`, [arn]);
    if (rows.length === 0) throw notFoundError(`Stream key ${arn} does not exist.`);
  }

  async listStreamKeys(req: { channelArn: string; nextToken?: string; maxResults: number }) {
    const channel = await this.requireChannel(this.db, req.channelArn);
    const after = decodeNextToken(req.nextToken);
    const rows = await queryRows<StreamKeyRow>(
      this.db,
      `${STREAM_KEY_SELECT} WHERE k.channel_id = $1 AND ($2::text IS NULL OR k.id > $2) ORDER BY k.id LIMIT $3`,
      [channel.id, after ?? null, req.maxResults + 1],
    );
    const page = pageOf(rows, req.maxResults, (r) => r.id);
    return {
      streamKeys: page.items.map((r) => ({ arn: r.arn, channelArn: r.channel_arn, tags: r.tags })),
      nextToken: page.nextToken,
    };
  }

  async findChannelByStreamKey(value: string): Promise<StreamKeyOwner | null> {
    const row = await queryOne<{ channel_arn: string; channel_id: string; name: string; key_arn: string }>(
      this.db,
      `SELECT c.arn AS channel_arn, c.id AS channel_id, c.name, k.arn AS key_arn
       FROM ivs_emu_stream_keys k JOIN ivs_emu_channels c ON c.id = k.channel_id WHERE k.value = $1`,
      [value],
    );
    return row ? { channelArn: row.channel_arn, channelId: row.channel_id, channelName: row.name, streamKeyArn: row.key_arn } : null;
  }

  /** Loads a channel or answers 404; `lock` serialises with stream start/stop on the same channel. */
  async requireChannel(sql: Sql, arn: string, lock = false): Promise<ChannelRow> {
    assertOwnAccount(arn, this.options.accountId);
    const row = await queryOne<ChannelRow>(sql, `SELECT * FROM ivs_emu_channels WHERE arn = $1 ${lock ? 'FOR UPDATE' : ''}`, [arn]);
    if (!row) throw notFoundError(`Channel ${arn} does not exist.`);
    return row;
  }

  playbackUrl(channelId: string): string {
    return this.endpoints.playbackUrl(channelId);
  }

  /** The caller holds the channel row (FOR UPDATE, or it was just inserted), so the count cannot race. */
  private async insertStreamKey(tx: Sql, channel: ChannelRow, tags: Record<string, string>): Promise<StreamKeyView> {
    this.refuseOverQuota(
      'streamKeysPerChannel',
      await countOf(tx, `SELECT count(*) AS n FROM ivs_emu_stream_keys WHERE channel_id = $1`, [channel.id]),
    );
    const id = newResourceId();
    const row = await queryOne<Omit<StreamKeyRow, 'channel_arn'>>(
      tx,
      `INSERT INTO ivs_emu_stream_keys (id, arn, channel_id, value, tags) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [id, this.arn('stream-key', id), channel.id, newStreamKeyValue(this.options.region), JSON.stringify(tags)],
    );
    return streamKeyView({ ...row!, channel_arn: channel.arn });
  }

  private refuseOverQuota(quota: 'channels' | 'streamKeysPerChannel', inUse: number): void {
    const refusal = checkQuota(quota, this.limits, inUse, this.options);
    if (refusal) throw new IvsApiError(refusal.errorName, refusal.message);
  }

  private arn(type: 'channel' | 'stream-key', id: string): string {
    return buildArn(this.options.region, this.options.accountId, type, id);
  }

  /** The `Channel` structure for a row (GetChannel, and the channel of a stream session). */
  channelView(row: ChannelRow): ChannelView {
    return {
      ...channelSummaryView(row),
      ingestEndpoint: this.endpoints.ingestEndpoint,
      playbackUrl: this.endpoints.playbackUrl(row.id),
      containerFormat: 'TS',
      multitrackInputConfiguration: { enabled: false },
      srt: row.insecure_ingest
        ? { endpoint: this.endpoints.ingestEndpoint }
        : { endpoint: this.endpoints.ingestEndpoint, passphrase: row.srt_passphrase },
    };
  }
}

function streamKeyView(row: StreamKeyRow): StreamKeyView {
  return { arn: row.arn, value: row.value, channelArn: row.channel_arn, tags: row.tags };
}

function channelSummaryView(row: ChannelRow): ChannelSummaryView {
  return {
    arn: row.arn,
    name: row.name,
    latencyMode: row.latency_mode,
    type: row.type,
    recordingConfigurationArn: row.recording_configuration_arn,
    authorized: row.authorized,
    insecureIngest: row.insecure_ingest,
    preset: row.preset,
    playbackRestrictionPolicyArn: '',
    adConfigurationArn: '',
    tags: row.tags,
  };
}

import { Logger } from '@nestjs/common';
import {
  ChannelType,
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteChannelCommand,
  DeleteStreamKeyCommand,
  GetStreamCommand,
  IvsClient,
  ListStreamKeysCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import {
  CreateEncoderConfigurationCommand,
  CreateParticipantTokenCommand,
  GetCompositionCommand,
  ListEncoderConfigurationsCommand,
  StartCompositionCommand,
  StopCompositionCommand,
  CreateStageCommand,
  DeleteStageCommand,
  DisconnectParticipantCommand,
  IVSRealTimeClient,
  GetStageCommand,
  ListStagesCommand,
} from '@aws-sdk/client-ivs-realtime';
import { ChannelType as KnownChannelType } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { IvsCallQueue, IvsQueueFullError, QueuedCallOptions } from './ivs-call-queue';
import { defaultIvsRates, IvsOperation, IvsRates } from './ivs-call-queue.policy';
import { classifyIvsError, IvsCallError, IvsSdkError } from './ivs-errors';
import {
  CompositionLayoutInput,
  CompositionStatus,
  LiveStream,
  MediaProvider,
  MintedParticipantToken,
  ParticipantCapability,
  ProvisionedChannel,
  ProvisionedStage,
  StreamKey,
} from './media-provider';

export interface IvsClientsConfig {
  region: string;
  channelType: ChannelType;
  recordingConfigurationArn?: string;
  /** Where stages that record their participants (createStage's recordParticipants) write. */
  storageConfigurationArn?: string;
  /**
   * Local mode: the emulator's base URL (e.g. http://127.0.0.1:3000/_ivs) and the key pair it
   * accepts, so requests are signed exactly as for AWS. Unset on AWS (the SDK's default chain).
   */
  emulator?: { url: () => string; credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Calls per second per operation (IVS_API_RATES); AWS's documented defaults when unset. */
  rates?: IvsRates;
}

/** The cloud programme's encoder: what a browser programme sends (720p30, 2.5 Mbps, IVS's publish maximum). */
const PROGRAMME_ENCODER = { name: 'streamcat-programme', video: { width: 1280, height: 720, framerate: 30, bitrate: 2_500_000 } };

/**
 * MediaProvider on the official AWS SDK v3 clients (AWS, or the emulator in local mode). Every
 * call goes through one rate-aware queue per operation, which also does the retrying (the
 * SDK's own retries are off, so a throttled call waits its turn instead of hammering).
 */
export class IvsMediaProvider extends MediaProvider {
  private readonly log = new Logger('IvsMediaProvider');
  private channels?: IvsClient;
  private realtime?: IVSRealTimeClient;
  readonly queue: IvsCallQueue;

  constructor(private readonly cfg: IvsClientsConfig) {
    super();
    this.queue = new IvsCallQueue(cfg.rates ?? defaultIvsRates(), cfg.region);
  }

  callQueue(): IvsCallQueue {
    return this.queue;
  }

  // Built on first use: in local mode the emulator's port is known only once the server listens.
  private clients(): { channels: IvsClient; realtime: IVSRealTimeClient } {
    if (!this.channels || !this.realtime) {
      const base = this.cfg.emulator?.url();
      const common = {
        region: this.cfg.region,
        maxAttempts: 1,
        ...(this.cfg.emulator ? { credentials: this.cfg.emulator.credentials } : {}),
      };
      this.channels = new IvsClient({ ...common, ...(base ? { endpoint: `${base}/channels` } : {}) });
      this.realtime = new IVSRealTimeClient({ ...common, ...(base ? { endpoint: `${base}/realtime` } : {}) });
    }
    return { channels: this.channels, realtime: this.realtime };
  }

  async createChannel(input: { name: string; tags?: Record<string, string> }): Promise<ProvisionedChannel> {
    const out = await this.call('CreateChannel', () =>
      this.clients().channels.send(
        new CreateChannelCommand({
          name: input.name,
          latencyMode: 'LOW',
          type: this.cfg.channelType,
          recordingConfigurationArn: this.cfg.recordingConfigurationArn,
          tags: input.tags,
        }),
      ),
    );
    const c = out.channel;
    const k = out.streamKey;
    if (!c?.arn || !c.ingestEndpoint || !c.playbackUrl || !k?.arn || !k.value) {
      throw new AppError('media/provider-rejected', 'The media service returned an incomplete channel.');
    }
    return {
      arn: c.arn,
      name: c.name ?? input.name,
      // What IVS made, not what we asked for: the studio's broadcast preset follows it.
      type: KnownChannelType.safeParse(c.type).data ?? this.cfg.channelType,
      ingestEndpoint: c.ingestEndpoint,
      playbackUrl: c.playbackUrl,
      streamKey: { arn: k.arn, value: k.value },
    };
  }

  async deleteChannel(channelArn: string): Promise<void> {
    await this.call('DeleteChannel', () => this.clients().channels.send(new DeleteChannelCommand({ arn: channelArn })), [
      'ResourceNotFoundException',
    ]);
  }

  async createStage(input: { name: string; tags?: Record<string, string>; recordParticipants?: boolean }): Promise<ProvisionedStage> {
    const storage = input.recordParticipants ? this.cfg.storageConfigurationArn : undefined;
    const out = await this.call('CreateStage', () =>
      this.clients().realtime.send(
        new CreateStageCommand({
          name: input.name,
          tags: input.tags,
          // Each publisher recorded on its own (audio and video), kept after the show for the host and that member.
          ...(storage ? { autoParticipantRecordingConfiguration: { storageConfigurationArn: storage, mediaTypes: ['AUDIO_VIDEO'] } } : {}),
        }),
      ),
    );
    if (!out.stage?.arn) throw new AppError('media/provider-rejected', 'The media service returned an incomplete stage.');
    return { arn: out.stage.arn, name: out.stage.name ?? input.name };
  }

  async deleteStage(stageArn: string): Promise<void> {
    await this.call('DeleteStage', () => this.clients().realtime.send(new DeleteStageCommand({ arn: stageArn })), [
      'ResourceNotFoundException',
    ]);
  }

  async createParticipantToken(
    input: {
      stageArn: string;
      userId: string;
      capabilities: ParticipantCapability[];
      durationMinutes?: number;
      attributes?: Record<string, string>;
    },
    options?: QueuedCallOptions,
  ): Promise<MintedParticipantToken> {
    const out = await this.call(
      'CreateParticipantToken',
      () =>
        this.clients().realtime.send(
          new CreateParticipantTokenCommand({
            stageArn: input.stageArn,
            userId: input.userId,
            capabilities: input.capabilities,
            duration: input.durationMinutes,
            attributes: input.attributes,
          }),
        ),
      [],
      options,
    );
    const t = out.participantToken;
    if (!t?.participantId || !t.token || !t.expirationTime) {
      throw new AppError('media/provider-rejected', 'The media service returned an incomplete participant token.');
    }
    return {
      participantId: t.participantId,
      token: t.token,
      expiresAt: t.expirationTime,
      capabilities: (t.capabilities ?? input.capabilities) as ParticipantCapability[],
    };
  }

  async disconnectParticipant(
    input: { stageArn: string; participantId: string; reason?: string },
    options?: QueuedCallOptions,
  ): Promise<void> {
    await this.call(
      'DisconnectParticipant',
      () =>
        this.clients().realtime.send(
          new DisconnectParticipantCommand({ stageArn: input.stageArn, participantId: input.participantId, reason: input.reason }),
        ),
      ['ResourceNotFoundException'],
      options,
    );
  }

  async stageActivity(stageArn: string): Promise<{ exists: boolean; activeSessionId: string | null }> {
    const out = await this.call('GetStage', () => this.clients().realtime.send(new GetStageCommand({ arn: stageArn })), [
      'ResourceNotFoundException',
    ]);
    return { exists: !!out?.stage, activeSessionId: out?.stage?.activeSessionId || null };
  }

  async getStream(channelArn: string): Promise<LiveStream | null> {
    const out = await this.call('GetStream', () => this.clients().channels.send(new GetStreamCommand({ channelArn })), [
      'ChannelNotBroadcasting',
    ]);
    const s = out?.stream;
    if (!s?.streamId) return null;
    return {
      streamId: s.streamId,
      startTime: s.startTime ?? null,
      health: (s.health as LiveStream['health']) ?? 'UNKNOWN',
      viewerCount: Number(s.viewerCount ?? 0),
    };
  }

  async stopStream(channelArn: string): Promise<boolean> {
    const out = await this.call('StopStream', () => this.clients().channels.send(new StopStreamCommand({ channelArn })), [
      'ChannelNotBroadcasting',
    ]);
    return out !== undefined;
  }

  async rotateStreamKey(channelArn: string): Promise<StreamKey> {
    const listed = await this.call('ListStreamKeys', () => this.clients().channels.send(new ListStreamKeysCommand({ channelArn })));
    for (const key of listed.streamKeys ?? []) {
      if (key.arn) {
        const arn = key.arn;
        await this.call('DeleteStreamKey', () => this.clients().channels.send(new DeleteStreamKeyCommand({ arn })), [
          'ResourceNotFoundException',
        ]);
      }
    }
    const out = await this.call('CreateStreamKey', () => this.clients().channels.send(new CreateStreamKeyCommand({ channelArn })));
    if (!out.streamKey?.arn || !out.streamKey.value)
      throw new AppError('media/provider-rejected', 'The media service returned an incomplete stream key.');
    return { arn: out.streamKey.arn, value: out.streamKey.value };
  }

  async startComposition(input: {
    stageArn: string;
    channelArn: string;
    layout: CompositionLayoutInput;
    idempotencyToken: string;
    tags?: Record<string, string>;
  }): Promise<{ arn: string; state: CompositionStatus }> {
    const encoderConfigurationArn = await this.programmeEncoder();
    const out = await this.call('StartComposition', () =>
      this.clients().realtime.send(
        new StartCompositionCommand({
          stageArn: input.stageArn,
          idempotencyToken: input.idempotencyToken,
          layout: input.layout,
          destinations: [{ name: 'programme', channel: { channelArn: input.channelArn, encoderConfigurationArn } }],
          tags: input.tags,
        }),
      ),
    );
    const c = out.composition;
    if (!c?.arn) throw new AppError('media/provider-rejected', 'The media service returned an incomplete composition.');
    return { arn: c.arn, state: (c.state as CompositionStatus) ?? 'STARTING' };
  }

  async stopComposition(arn: string): Promise<void> {
    await this.call('StopComposition', () => this.clients().realtime.send(new StopCompositionCommand({ arn })), [
      'ResourceNotFoundException',
    ]);
  }

  async getComposition(arn: string): Promise<{ arn: string; state: CompositionStatus } | null> {
    const out = await this.call('GetComposition', () => this.clients().realtime.send(new GetCompositionCommand({ arn })), [
      'ResourceNotFoundException',
    ]);
    const c = out?.composition;
    return c?.arn ? { arn: c.arn, state: (c.state as CompositionStatus) ?? 'STARTING' } : null;
  }

  private encoder?: Promise<string>;

  /**
   * The programme's encoder configuration, found by name or made once: IVS keeps them per
   * account, so every node and restart shares one instead of adding another per composition.
   */
  private programmeEncoder(): Promise<string> {
    this.encoder ??= (async () => {
      let nextToken: string | undefined;
      do {
        const page = await this.call('ListEncoderConfigurations', () =>
          this.clients().realtime.send(new ListEncoderConfigurationsCommand({ maxResults: 100, nextToken })),
        );
        const found = page.encoderConfigurations?.find((e) => e.name === PROGRAMME_ENCODER.name && e.arn);
        if (found?.arn) return found.arn;
        nextToken = page.nextToken;
      } while (nextToken);
      const out = await this.call('CreateEncoderConfiguration', () =>
        this.clients().realtime.send(new CreateEncoderConfigurationCommand(PROGRAMME_ENCODER)),
      );
      if (!out.encoderConfiguration?.arn)
        throw new AppError('media/provider-rejected', 'The media service returned an incomplete encoder configuration.');
      return out.encoderConfiguration.arn;
    })().catch((e) => {
      this.encoder = undefined;
      throw e;
    });
    return this.encoder;
  }

  /**
   * One try, no waiting in line: a probe must answer quickly. A refusal for rate (here or at
   * IVS) still proves IVS answers, so it counts as reachable.
   */
  async ping(): Promise<void> {
    try {
      await this.call('ListStages', () => this.clients().realtime.send(new ListStagesCommand({ maxResults: 1 })), [], {
        budget: { maxAttempts: 1, budgetMs: 0 },
        maxWaitMs: 1_000,
      });
    } catch (e) {
      if (e instanceof IvsQueueFullError || (e instanceof AppError && e.code === 'media/throttled')) return;
      throw e;
    }
  }

  /**
   * Runs one SDK call through the operation's queue. Error names listed in `tolerated` resolve
   * to undefined (e.g. deleting something already gone); every other failure becomes an
   * AppError with the sentence of the IVS error table.
   */
  private async call<T>(op: IvsOperation, fn: () => Promise<T>, tolerated: string[] = [], options?: QueuedCallOptions): Promise<T> {
    try {
      return await this.queue.run(op, fn, options);
    } catch (e) {
      if (e instanceof AppError) throw e;
      const err = e as IvsSdkError;
      if (err.name && tolerated.includes(err.name)) return undefined as T;
      this.log.warn(`${op} failed: ${err.name ?? 'Error'}: ${err.message ?? ''}`);
      const failure = classifyIvsError(err, { operation: op, region: this.cfg.region });
      throw new IvsCallError(failure.code, failure.message, err.name);
    }
  }
}

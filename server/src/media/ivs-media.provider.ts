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
  CreateParticipantTokenCommand,
  CreateStageCommand,
  DeleteStageCommand,
  DisconnectParticipantCommand,
  IVSRealTimeClient,
  ListStagesCommand,
} from '@aws-sdk/client-ivs-realtime';
import { AppError } from '../http/app-error';
import {
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
  /**
   * Local mode: the emulator's base URL (e.g. http://127.0.0.1:3000/_ivs) and the key pair it
   * accepts, so requests are signed exactly as for AWS. Unset on AWS (the SDK's default chain).
   */
  emulator?: { url: () => string; credentials: { accessKeyId: string; secretAccessKey: string } };
}

/** MediaProvider on the official AWS SDK v3 clients (AWS, or the emulator in local mode). */
export class IvsMediaProvider extends MediaProvider {
  private readonly log = new Logger('IvsMediaProvider');
  private channels?: IvsClient;
  private realtime?: IVSRealTimeClient;

  constructor(private readonly cfg: IvsClientsConfig) {
    super();
  }

  // Built on first use: in local mode the emulator's port is known only once the server listens.
  private clients(): { channels: IvsClient; realtime: IVSRealTimeClient } {
    if (!this.channels || !this.realtime) {
      const base = this.cfg.emulator?.url();
      const common = {
        region: this.cfg.region,
        maxAttempts: 2,
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

  async createStage(input: { name: string; tags?: Record<string, string> }): Promise<ProvisionedStage> {
    const out = await this.call('CreateStage', () =>
      this.clients().realtime.send(new CreateStageCommand({ name: input.name, tags: input.tags })),
    );
    if (!out.stage?.arn) throw new AppError('media/provider-rejected', 'The media service returned an incomplete stage.');
    return { arn: out.stage.arn, name: out.stage.name ?? input.name };
  }

  async deleteStage(stageArn: string): Promise<void> {
    await this.call('DeleteStage', () => this.clients().realtime.send(new DeleteStageCommand({ arn: stageArn })), [
      'ResourceNotFoundException',
    ]);
  }

  async createParticipantToken(input: {
    stageArn: string;
    userId: string;
    capabilities: ParticipantCapability[];
    durationMinutes?: number;
    attributes?: Record<string, string>;
  }): Promise<MintedParticipantToken> {
    const out = await this.call('CreateParticipantToken', () =>
      this.clients().realtime.send(
        new CreateParticipantTokenCommand({
          stageArn: input.stageArn,
          userId: input.userId,
          capabilities: input.capabilities,
          duration: input.durationMinutes,
          attributes: input.attributes,
        }),
      ),
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

  async disconnectParticipant(input: { stageArn: string; participantId: string; reason?: string }): Promise<void> {
    await this.call(
      'DisconnectParticipant',
      () =>
        this.clients().realtime.send(
          new DisconnectParticipantCommand({ stageArn: input.stageArn, participantId: input.participantId, reason: input.reason }),
        ),
      ['ResourceNotFoundException'],
    );
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

  async ping(): Promise<void> {
    await this.call('ListStages', () => this.clients().realtime.send(new ListStagesCommand({ maxResults: 1 })));
  }

  /**
   * Runs one SDK call. Error names listed in `tolerated` resolve to undefined (e.g. deleting
   * something already gone); every other failure becomes an AppError with a plain sentence.
   */
  private async call<T>(op: string, fn: () => Promise<T>, tolerated: string[] = []): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
      if (err.name && tolerated.includes(err.name)) return undefined as T;
      this.log.warn(`${op} failed: ${err.name ?? 'Error'}: ${err.message ?? ''}`);
      throw providerError(err);
    }
  }
}

/** Map an SDK failure to what the user should hear. */
export function providerError(err: { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } }): AppError {
  const status = err.$metadata?.httpStatusCode;
  if (err.name === 'ServiceQuotaExceededException' || err.name === 'ThrottlingException' || err.name === 'PendingVerification') {
    return new AppError('media/quota-exceeded');
  }
  if (status === undefined || status >= 500 || err.name === 'InternalServerException' || err.name === 'TimeoutError') {
    return new AppError('media/provider-unavailable');
  }
  return new AppError('media/provider-rejected', `The media service refused the request (${err.name ?? status}).`);
}

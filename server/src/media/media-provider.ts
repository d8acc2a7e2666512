import type { ChannelType } from '@streamcat/protocol';
import type { IvsCallQueue, QueuedCallOptions } from './ivs-call-queue';

/**
 * Everything the server asks of Amazon IVS. One implementation (IvsMediaProvider) on the
 * official AWS SDK clients; in local mode those same clients talk to the embedded emulator.
 */
export interface ProvisionedChannel {
  arn: string;
  name: string;
  type: ChannelType;
  ingestEndpoint: string;
  playbackUrl: string;
  streamKey: StreamKey;
}

export interface StreamKey {
  arn: string;
  value: string;
}

export interface ProvisionedStage {
  arn: string;
  name: string;
}

export type ParticipantCapability = 'PUBLISH' | 'SUBSCRIBE';

export interface MintedParticipantToken {
  participantId: string;
  token: string;
  expiresAt: Date;
  capabilities: ParticipantCapability[];
}

export interface LiveStream {
  streamId: string;
  startTime: Date | null;
  health: 'HEALTHY' | 'STARVING' | 'UNKNOWN';
  viewerCount: number;
}

export type CompositionStatus = 'STARTING' | 'ACTIVE' | 'STOPPING' | 'FAILED' | 'STOPPED';

/** StartComposition's layout, in the SDK's shape (grid or pip; see cloud-programme.rules). */
export type CompositionLayoutInput = { grid: Record<string, unknown> } | { pip: Record<string, unknown> };

export abstract class MediaProvider {
  abstract createChannel(input: { name: string; tags?: Record<string, string> }): Promise<ProvisionedChannel>;
  abstract deleteChannel(channelArn: string): Promise<void>;
  /** `recordParticipants`: record each publisher separately (when a storage configuration is configured). */
  abstract createStage(input: { name: string; tags?: Record<string, string>; recordParticipants?: boolean }): Promise<ProvisionedStage>;
  abstract deleteStage(stageArn: string): Promise<void>;
  abstract createParticipantToken(
    input: {
      stageArn: string;
      userId: string;
      capabilities: ParticipantCapability[];
      durationMinutes?: number;
      attributes?: Record<string, string>;
    },
    options?: QueuedCallOptions,
  ): Promise<MintedParticipantToken>;
  abstract disconnectParticipant(
    input: { stageArn: string; participantId: string; reason?: string },
    options?: QueuedCallOptions,
  ): Promise<void>;
  /** Whether the stage still exists, and its session while anyone is connected to it (GetStage). */
  abstract stageActivity(stageArn: string): Promise<{ exists: boolean; activeSessionId: string | null }>;
  /** The live stream on a channel, or null when the channel is not broadcasting. */
  abstract getStream(channelArn: string): Promise<LiveStream | null>;
  /** Disconnects the encoder; false when nothing was live. */
  abstract stopStream(channelArn: string): Promise<boolean>;
  /** IVS has one key per channel: delete every key, then create a new one. */
  abstract rotateStreamKey(channelArn: string): Promise<StreamKey>;
  /**
   * Composes the stage (IVS server-side composition) into the channel, at the encoder settings
   * of the programme (720p30, 2.5 Mbps). The same idempotency token gives the same composition.
   */
  abstract startComposition(input: {
    stageArn: string;
    channelArn: string;
    layout: CompositionLayoutInput;
    idempotencyToken: string;
    tags?: Record<string, string>;
  }): Promise<{ arn: string; state: CompositionStatus }>;
  /** Stops a composition; stopping one already gone is not an error. */
  abstract stopComposition(arn: string): Promise<void>;
  /** A composition's state, or null when IVS does not know it. */
  abstract getComposition(arn: string): Promise<{ arn: string; state: CompositionStatus } | null>;
  /** Cheap reachability probe for /api/health. */
  abstract ping(): Promise<void>;
  /** The per-operation queue every call goes through (admission waits, counters). */
  abstract callQueue(): IvsCallQueue;
}

import type * as IvsSdk from 'amazon-ivs-web-broadcast';
import {
  LocalStageStream,
  StageConnectionState,
  StageEmitter,
  type StageAdapter,
  type StageError,
  type StageLeftReason,
  type StageParticipantCapability,
  type StageParticipantInfo,
  type StageStream,
  type StageStrategy,
} from './stage-adapter';

/** The part of the SDK module this wrapper uses (the real module, or a fake in tests). */
export type IvsStageSdk = Pick<typeof IvsSdk, 'Stage' | 'LocalStageStream' | 'StageEvents'>;
type SdkParticipant = IvsSdk.StageParticipantInfo;
type SdkStream = IvsSdk.StageStream;

/** The SDK numbers its error codes; ours are stable names (the same ones LocalStage uses). */
const ERROR_CODE_NAMES: Record<number, string> = {
  1: 'TOKEN_MALFORMED',
  2: 'TOKEN_EXPIRED',
  3: 'TIMEOUT',
  4: 'FAILED',
  5: 'CANCELED',
  6: 'STAGE_AT_CAPACITY',
  7: 'CODEC_MISMATCH',
  8: 'TOKEN_NOT_ALLOWED',
  9: 'STAGE_DELETED',
  10: 'PARTICIPANT_DISCONNECTED',
  11: 'TOKEN_EXCHANGE_REQUEST_INVALID',
  12: 'TOKEN_EXCHANGE_FAILED',
};

export function toParticipantInfo(p: SdkParticipant): StageParticipantInfo {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.attributes ?? {})) attributes[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return {
    id: p.id,
    userId: p.userId,
    attributes,
    capabilities: new Set([...(p.capabilities ?? [])].map((c) => String(c) as StageParticipantCapability)),
    isLocal: p.isLocal,
    videoStopped: p.videoStopped,
    audioMuted: p.audioMuted,
    isPublishing: p.isPublishing,
  };
}

export function toStageError(e: { code: number | string; category: string; message: string; participantId?: string }): StageError {
  return {
    name: 'StageError',
    category: e.category as StageError['category'],
    code: typeof e.code === 'number' ? (ERROR_CODE_NAMES[e.code] ?? `CODE_${e.code}`) : e.code,
    message: e.message,
    ...(e.participantId ? { participantId: e.participantId } : {}),
  };
}

function toStream(s: SdkStream): StageStream {
  return {
    id: s.id,
    streamType: s.streamType === 'audio' ? 'audio' : 'video',
    mediaStreamTrack: s.mediaStreamTrack,
    get isMuted() {
      return s.isMuted;
    },
  };
}

/**
 * StageAdapter over the IVS Web Broadcast SDK. The SDK's events already have our names and
 * payload shapes; this only converts participants / streams / errors into our types and
 * our LocalStageStreams into the SDK's (mute forwarded), so the studio code is the same in
 * both modes. Exercised against real IVS only; the mapping is unit-tested with a fake SDK.
 */
export class IvsStage extends StageEmitter implements StageAdapter {
  private readonly stage: IvsSdk.Stage;
  private readonly published = new Map<LocalStageStream, { sdk: IvsSdk.LocalStageStream; off: () => void }>();
  private state: StageConnectionState = StageConnectionState.DISCONNECTED;

  constructor(
    private readonly sdk: IvsStageSdk,
    token: string,
    strategy: StageStrategy,
  ) {
    super();
    this.stage = new sdk.Stage(token, this.wrap(strategy));
    const E = sdk.StageEvents;
    const on = this.stage.on.bind(this.stage) as (event: string, listener: (...args: never[]) => void) => void;
    on(E.STAGE_CONNECTION_STATE_CHANGED, (s: string) => {
      this.state = s as StageConnectionState;
      this.emit('stageConnectionStateChanged', this.state);
    });
    on(E.STAGE_PARTICIPANT_JOINED, (p: SdkParticipant) => this.emit('stageParticipantJoined', toParticipantInfo(p)));
    on(E.STAGE_PARTICIPANT_LEFT, (p: SdkParticipant) => this.emit('stageParticipantLeft', toParticipantInfo(p)));
    on(E.STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED, (p: SdkParticipant, s: string) =>
      this.emit('stageParticipantPublishStateChanged', toParticipantInfo(p), s as never),
    );
    on(E.STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED, (p: SdkParticipant, s: string) =>
      this.emit('stageParticipantSubscribeStateChanged', toParticipantInfo(p), s as never),
    );
    on(E.STAGE_PARTICIPANT_STREAMS_ADDED, (p: SdkParticipant, streams: SdkStream[]) =>
      this.emit('stageParticipantStreamsAdded', toParticipantInfo(p), streams.map(toStream)),
    );
    on(E.STAGE_PARTICIPANT_STREAMS_REMOVED, (p: SdkParticipant, streams: SdkStream[]) =>
      this.emit('stageParticipantStreamsRemoved', toParticipantInfo(p), streams.map(toStream)),
    );
    on(E.STAGE_STREAM_MUTE_CHANGED, (p: SdkParticipant, s: SdkStream) =>
      this.emit('stageStreamMuteChanged', toParticipantInfo(p), toStream(s)),
    );
    on(E.ERROR, (e: IvsSdk.StageError & { participantId?: string }) => this.emit('error', toStageError(e as never)));
    on(E.STAGE_LEFT, (reason: string) => this.emit('stageLeft', reason as StageLeftReason));
  }

  /** Loads the SDK (a large module) only when an IVS stage is actually joined. */
  static async load(token: string, strategy: StageStrategy): Promise<IvsStage> {
    const sdk = await import('amazon-ivs-web-broadcast');
    return new IvsStage(sdk, token, strategy);
  }

  get connectionState(): StageConnectionState {
    return this.state;
  }

  async join(): Promise<void> {
    try {
      await this.stage.join();
    } catch (e) {
      throw toStageError(e as never);
    }
  }

  leave(): void {
    this.stage.leave();
    for (const { off } of this.published.values()) off();
    this.published.clear();
  }

  refreshStrategy(): void {
    this.stage.refreshStrategy();
  }

  private wrap(strategy: StageStrategy): IvsSdk.StageStrategy {
    return {
      stageStreamsToPublish: () => strategy.stageStreamsToPublish().map((s) => this.sdkStreamFor(s)),
      shouldPublishParticipant: (p) => strategy.shouldPublishParticipant(toParticipantInfo(p)),
      shouldSubscribeToParticipant: (p) => strategy.shouldSubscribeToParticipant(toParticipantInfo(p)) as IvsSdk.SubscribeType,
    };
  }

  /**
   * One SDK stream per local stream, reused across refreshes so the SDK does not republish.
   * The picture size follows the track (scaled by useStageSession); `maxBitrateKbps` is not
   * passed, because the SDK fixes it at publish and a cap set in a 12-up grid would stay when
   * the same member is then featured at 720p.
   */
  private sdkStreamFor(stream: LocalStageStream): IvsSdk.LocalStageStream {
    const known = this.published.get(stream);
    if (known) return known.sdk;
    const sdk = new this.sdk.LocalStageStream(stream.mediaStreamTrack);
    sdk.setMuted(stream.isMuted);
    const off = stream.onMuteChanged(() => sdk.setMuted(stream.isMuted));
    this.published.set(stream, { sdk, off });
    return sdk;
  }
}

/**
 * The stage surface the studio codes against. It mirrors the Web Broadcast SDK's `Stage`,
 * `StageStrategy`, `StageEvents` and `StageParticipantInfo` (same event names and enum
 * values), so the IVS implementation is a thin wrapper and the local one (LocalStage)
 * can be swapped in without the studio noticing.
 */

export const StageEvents = {
  STAGE_CONNECTION_STATE_CHANGED: 'stageConnectionStateChanged',
  STAGE_PARTICIPANT_JOINED: 'stageParticipantJoined',
  STAGE_PARTICIPANT_LEFT: 'stageParticipantLeft',
  STAGE_PARTICIPANT_PUBLISH_STATE_CHANGED: 'stageParticipantPublishStateChanged',
  STAGE_PARTICIPANT_SUBSCRIBE_STATE_CHANGED: 'stageParticipantSubscribeStateChanged',
  STAGE_PARTICIPANT_STREAMS_ADDED: 'stageParticipantStreamsAdded',
  STAGE_PARTICIPANT_STREAMS_REMOVED: 'stageParticipantStreamsRemoved',
  STAGE_STREAM_MUTE_CHANGED: 'stageStreamMuteChanged',
  ERROR: 'error',
  STAGE_LEFT: 'stageLeft',
} as const;
export type StageEventName = (typeof StageEvents)[keyof typeof StageEvents];

export const StageConnectionState = {
  DISCONNECTED: 'disconnected',
  CONNECTING: 'connecting',
  CONNECTED: 'connected',
  ERRORED: 'errored',
} as const;
export type StageConnectionState = (typeof StageConnectionState)[keyof typeof StageConnectionState];

export const StageParticipantPublishState = {
  NOT_PUBLISHED: 'not_published',
  ATTEMPTING_PUBLISH: 'attempting_publish',
  PUBLISHED: 'published',
  ERRORED: 'errored',
} as const;
export type StageParticipantPublishState = (typeof StageParticipantPublishState)[keyof typeof StageParticipantPublishState];

export const StageParticipantSubscribeState = {
  NOT_SUBSCRIBED: 'not_subscribed',
  ATTEMPTING_SUBSCRIBE: 'attempting_subscribe',
  SUBSCRIBED: 'subscribed',
  ERRORED: 'errored',
} as const;
export type StageParticipantSubscribeState = (typeof StageParticipantSubscribeState)[keyof typeof StageParticipantSubscribeState];

export const SubscribeType = { NONE: 'none', AUDIO_ONLY: 'audio_only', AUDIO_VIDEO: 'audio_video' } as const;
export type SubscribeType = (typeof SubscribeType)[keyof typeof SubscribeType];

export const StageLeftReason = {
  UNKNOWN: 'unknown',
  USER_INITIATED: 'user-initiated',
  TOKEN_REUSED: 'token-reused',
  PARTICIPANT_DISCONNECTED: 'participant-disconnected',
  STAGE_DELETED: 'stage-deleted',
} as const;
export type StageLeftReason = (typeof StageLeftReason)[keyof typeof StageLeftReason];

export type StageErrorCategory = 'JOIN_ERROR' | 'PUBLISH_ERROR' | 'SUBSCRIBE_ERROR';

/** An error as the SDK reports it; `code` is our stable name (the SDK uses numbers). */
export interface StageError {
  readonly name: 'StageError';
  readonly category: StageErrorCategory;
  readonly code: string;
  readonly message: string;
  readonly participantId?: string;
}

export type StageParticipantCapability = 'publish' | 'subscribe';

export interface StageParticipantInfo {
  readonly id: string;
  readonly userId: string;
  readonly attributes: Record<string, string>;
  readonly capabilities: Set<StageParticipantCapability>;
  readonly isLocal: boolean;
  videoStopped: boolean;
  audioMuted: boolean;
  isPublishing: boolean;
}

export type StreamType = 'audio' | 'video';

/** A received (or, for the local participant, published) track. */
export interface StageStream {
  readonly id: string;
  readonly streamType: StreamType;
  readonly mediaStreamTrack: MediaStreamTrack;
  readonly isMuted: boolean;
}

/** A track the local participant offers to publish (the SDK's `LocalStageStream`). */
export class LocalStageStream implements StageStream {
  readonly id: string;
  readonly streamType: StreamType;
  private muted = false;
  private readonly muteListeners = new Set<() => void>();
  private bitrateCap: number | null = null;
  private readonly bitrateListeners = new Set<() => void>();

  constructor(readonly mediaStreamTrack: MediaStreamTrack) {
    this.id = mediaStreamTrack.id;
    this.streamType = mediaStreamTrack.kind === 'audio' ? 'audio' : 'video';
  }

  get isMuted(): boolean {
    return this.muted;
  }

  /** Mutes (audio) or stops (video) without renegotiating; remote participants are told. */
  setMuted(muted: boolean): void {
    if (muted === this.muted) return;
    this.muted = muted;
    this.mediaStreamTrack.enabled = !muted;
    for (const l of this.muteListeners) l();
  }

  /** Used by stage implementations to forward mute changes. */
  onMuteChanged(listener: () => void): () => void {
    this.muteListeners.add(listener);
    return () => this.muteListeners.delete(listener);
  }

  /** Encoder cap in kbit/s (null: the stage's default); the picture size is the track's own. */
  get maxBitrateKbps(): number | null {
    return this.bitrateCap;
  }

  /**
   * Caps the encoder while published, without renegotiating, where the stage can: LocalStage
   * does; the IVS SDK fixes a stream's configuration when it is published, so IvsStage keeps
   * the stage maximum and only the (scaled) track lowers the bitrate there.
   */
  setMaxBitrate(kbps: number | null): void {
    if (kbps === this.bitrateCap) return;
    this.bitrateCap = kbps;
    for (const l of this.bitrateListeners) l();
  }

  /** Used by stage implementations to follow bitrate cap changes. */
  onMaxBitrateChanged(listener: () => void): () => void {
    this.bitrateListeners.add(listener);
    return () => this.bitrateListeners.delete(listener);
  }
}

/** Whether two publish lists are the same stream objects in the same order (nothing to republish). */
export function sameStreams(a: readonly LocalStageStream[], b: readonly LocalStageStream[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

export interface StageStrategy {
  stageStreamsToPublish(): LocalStageStream[];
  shouldPublishParticipant(participant: StageParticipantInfo): boolean;
  shouldSubscribeToParticipant(participant: StageParticipantInfo): SubscribeType;
}

export interface StageEventMap {
  stageConnectionStateChanged: (state: StageConnectionState) => void;
  stageParticipantJoined: (participant: StageParticipantInfo) => void;
  /**
   * `how.lost` (local stage only; the IVS SDK says nothing): false when they left on purpose,
   * true when their connection was lost and they may rejoin. Undefined: unknown.
   */
  stageParticipantLeft: (participant: StageParticipantInfo, how?: { lost: boolean }) => void;
  stageParticipantPublishStateChanged: (participant: StageParticipantInfo, state: StageParticipantPublishState) => void;
  stageParticipantSubscribeStateChanged: (participant: StageParticipantInfo, state: StageParticipantSubscribeState) => void;
  stageParticipantStreamsAdded: (participant: StageParticipantInfo, streams: StageStream[]) => void;
  stageParticipantStreamsRemoved: (participant: StageParticipantInfo, streams: StageStream[]) => void;
  stageStreamMuteChanged: (participant: StageParticipantInfo, stream: StageStream) => void;
  error: (error: StageError) => void;
  stageLeft: (reason: StageLeftReason) => void;
}

/** What both implementations (IVS SDK wrapper, LocalStage) provide. */
export interface StageAdapter {
  readonly connectionState: StageConnectionState;
  /** Resolves once connected; rejects with a StageError (e.g. TOKEN_EXPIRED). */
  join(): Promise<void>;
  leave(): void;
  /** Re-reads the strategy: starts/stops publishing and (un)subscribes accordingly. */
  refreshStrategy(): void;
  on<E extends keyof StageEventMap>(event: E, listener: StageEventMap[E]): void;
  off<E extends keyof StageEventMap>(event: E, listener: StageEventMap[E]): void;
}

export type StageAdapterFactory = (token: string, strategy: StageStrategy) => StageAdapter;

/** Minimal typed emitter shared by the implementations. */
export class StageEmitter {
  private readonly listeners = new Map<string, Set<(...args: never[]) => void>>();

  on<E extends keyof StageEventMap>(event: E, listener: StageEventMap[E]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (...args: never[]) => void);
  }

  off<E extends keyof StageEventMap>(event: E, listener: StageEventMap[E]): void {
    this.listeners.get(event)?.delete(listener as (...args: never[]) => void);
  }

  protected emit<E extends keyof StageEventMap>(event: E, ...args: Parameters<StageEventMap[E]>): void {
    for (const l of [...(this.listeners.get(event) ?? [])]) {
      try {
        (l as unknown as (...a: Parameters<StageEventMap[E]>) => void)(...args);
      } catch (err) {
        console.error(`stage listener for ${event} threw`, err);
      }
    }
  }
}

import { computed, onBeforeUnmount, ref, shallowRef, watch, type Ref } from 'vue';
import { screenTileId } from '@streamcat/layouts';
import { isScreenShareParticipant, screenSharerIds, type StageTokenResponse } from '@streamcat/protocol';
import { createStage } from '@/media/media-mode';
import { publishConstraints, publishQuality, type PublishLayout } from '@/media/publish-quality';
import {
  LocalStageStream,
  SubscribeType,
  type StageAdapter,
  type StageError,
  type StageParticipantInfo,
  type StageStream,
  type StageStrategy,
} from '@/media/stage-adapter';
import { useStudioStore } from '@/stores/studio.store';

export type StageSessionState = 'idle' | 'joining' | 'joined' | 'left' | 'failed';

/** Stage errors as sentences (stage full, token expired, …). */
export function stageErrorSentence(e: StageError | { code?: string; message?: string }): string {
  switch (e.code) {
    case 'STAGE_AT_CAPACITY':
      return 'The stage is full (at most 12 people can publish). Ask a host to make room.';
    case 'TOKEN_EXPIRED':
      return 'Your stage pass expired. Reload the page to get a new one.';
    case 'TOKEN_REUSED':
    case 'token-reused':
      return 'You joined this stage from another tab, so this one was disconnected.';
    default:
      return e.message ? `Could not connect to the stage: ${e.message}` : 'Could not connect to the stage.';
  }
}

/**
 * This browser on the media stage: publishes the camera and microphone (a screen share is a
 * participant of its own: a remote one is kept under `screenTileId(member)`),
 * subscribes to everyone with audio and video (the seed's strategy), and keeps one
 * MediaStream per member id — the stage participant's `userId` is the studio member id.
 *
 * The picture is published at the size my tile in the programme needs (`publishQuality`):
 * a clone of the camera track with smaller constraints, re-constrained live when the layout
 * changes (no renegotiation), so the encoder sends — and the host's compositor decodes and
 * draws — 320×180 rather than 720p for a 314×176 tile. The local preview (useDevices'
 * stream) keeps the full picture. `layout` defaults to the studio store's document.
 */
export function useStageSession(options: {
  myMemberId: Ref<string | null>;
  fetchToken: () => Promise<StageTokenResponse>;
  layout?: Ref<PublishLayout | null>;
}) {
  const state = ref<StageSessionState>('idle');
  const error = ref<string | null>(null);
  /** Member id → their current media (remote: received; mine: what I publish). */
  const streams = shallowRef<ReadonlyMap<string, MediaStream>>(new Map());
  let stage: StageAdapter | null = null;
  let publish: LocalStageStream[] = [];
  const remoteTracks = new Map<string, Map<string, MediaStreamTrack>>();
  const layout = options.layout ?? studioLayout();
  const quality = computed(() => publishQuality(layout.value, options.myMemberId.value ?? ''));
  /** The video track I publish: my own clone of the camera or screen track, stopped when replaced. */
  let scaled: { source: MediaStreamTrack; kind: 'camera' | 'screen'; track: MediaStreamTrack } | null = null;

  /** This browser's own participants: the camera one (local) and the screen one (my member id, not local). */
  const isMine = (p: StageParticipantInfo) => p.isLocal || p.userId === options.myMemberId.value;

  const strategy: StageStrategy = {
    stageStreamsToPublish: () => publish,
    shouldPublishParticipant: () => true,
    // Everyone but my own screen participant: I show my screen from the capture itself, not
    // decoded back from the stage.
    shouldSubscribeToParticipant: (p) => (isMine(p) ? SubscribeType.NONE : SubscribeType.AUDIO_VIDEO),
  };

  /**
   * Members with a participant on the stage now (their camera one, not a screen), so the studio
   * can say who is disconnected: a closed tab, a crashed browser, a dropped network.
   */
  const present = ref(new Set<string>());
  function setPresent(p: StageParticipantInfo, here: boolean): void {
    if (isScreenShareParticipant(p.attributes)) return;
    if (present.value.has(p.userId) === here) return;
    const next = new Set(present.value);
    if (here) next.add(p.userId);
    else next.delete(p.userId);
    present.value = next;
  }

  function setStream(memberId: string, stream: MediaStream | null): void {
    const next = new Map(streams.value);
    if (stream) next.set(memberId, stream);
    else next.delete(memberId);
    streams.value = next;
  }

  function onStreams(p: StageParticipantInfo, added: StageStream[] | null, removed: StageStream[] | null): void {
    if (isMine(p)) return;
    const key = sourceKey(p);
    const tracks = remoteTracks.get(key) ?? new Map<string, MediaStreamTrack>();
    for (const s of added ?? []) tracks.set(s.id, s.mediaStreamTrack);
    for (const s of removed ?? []) tracks.delete(s.id);
    remoteTracks.set(key, tracks);
    // A new MediaStream object per change, so video elements and the mix re-attach cleanly.
    setStream(key, tracks.size ? new MediaStream([...tracks.values()]) : null);
  }

  /**
   * What I publish here: camera at the programme's size + microphone. A screen share is a
   * participant of its own (published by StudioRoom's screen stage), shown locally under its
   * screen tile id, so the camera tile stays.
   */
  function setLocalMedia(camera: MediaStream | null, screenShare: MediaStream | null): void {
    const me = options.myMemberId.value;
    if (me) setStream(screenTileId(me), screenShare?.getVideoTracks().length ? screenShare : null);
    const video = scaledVideo(camera?.getVideoTracks()[0], 'camera');
    const audio = camera?.getAudioTracks()[0];
    const keep = (track: MediaStreamTrack | undefined) =>
      track ? (publish.find((s) => s.mediaStreamTrack === track) ?? new LocalStageStream(track)) : null;
    publish = [keep(video), keep(audio)].filter((s): s is LocalStageStream => s !== null);
    void fitPublishedVideo();
    if (me) setStream(me, publish.length ? new MediaStream(publish.map((s) => s.mediaStreamTrack)) : null);
    stage?.refreshStrategy();
  }

  function scaledVideo(source: MediaStreamTrack | undefined, kind: 'camera' | 'screen'): MediaStreamTrack | undefined {
    if (scaled?.source === source) return scaled?.track;
    scaled?.track.stop();
    scaled = source ? { source, kind, track: source.clone() } : null;
    return scaled?.track;
  }

  /** Sizes the published picture to the current quality: the encoder scales to the track's constraints. */
  async function fitPublishedVideo(): Promise<void> {
    const current = scaled;
    if (!current) return;
    const q = quality.value;
    publish.find((s) => s.mediaStreamTrack === current.track)?.setMaxBitrate(q.maxBitrateKbps);
    // A camera that cannot give that size keeps the one it has; the compositor scales it.
    await current.track.applyConstraints(publishConstraints(q, current.kind)).catch(() => undefined);
  }
  watch(quality, () => void fitPublishedVideo());

  /** Keeps the stage told about mutes (track.enabled alone is not signalled). */
  function setMuted(kind: 'audio' | 'video', muted: boolean): void {
    for (const s of publish) if (s.streamType === kind) s.setMuted(muted);
  }

  async function join(): Promise<void> {
    if (state.value === 'joining' || state.value === 'joined') return;
    state.value = 'joining';
    error.value = null;
    try {
      const { token } = await options.fetchToken();
      const next = await createStage(token, strategy);
      stage = next;
      next.on('stageParticipantJoined', (p) => setPresent(p, true));
      next.on('stageParticipantStreamsAdded', (p, s) => onStreams(p, s, null));
      next.on('stageParticipantStreamsRemoved', (p, s) => onStreams(p, null, s));
      next.on('stageParticipantLeft', (p) => {
        setPresent(p, false);
        if (isMine(p)) return;
        remoteTracks.delete(sourceKey(p));
        setStream(sourceKey(p), null);
      });
      next.on('stageLeft', (reason) => {
        if (stage !== next) return;
        state.value = 'left';
        if (reason !== 'user-initiated') error.value = stageErrorSentence({ code: reason, message: `you were disconnected (${reason})` });
      });
      next.on('error', (e) => {
        if (e.category !== 'JOIN_ERROR') console.warn('stage', e.code, e.message);
      });
      await next.join();
      state.value = 'joined';
    } catch (e) {
      state.value = 'failed';
      error.value =
        (e as { name?: string }).name === 'StageError'
          ? stageErrorSentence(e as StageError)
          : ((e as Error).message ?? 'Could not join the stage.');
    }
  }

  function leave(): void {
    const s = stage;
    stage = null;
    s?.leave();
    remoteTracks.clear();
    present.value = new Set();
    const me = options.myMemberId.value;
    const mine = me ? [me, screenTileId(me)] : [];
    streams.value = new Map(mine.filter((id) => streams.value.get(id)).map((id) => [id, streams.value.get(id)!]));
    if (state.value !== 'failed') state.value = 'left';
  }

  onBeforeUnmount(() => {
    leave();
    // The clone keeps the camera on until it is stopped too.
    scaled?.track.stop();
    scaled = null;
  });
  /** What I publish on this stage now (the show stage publishes the same tracks). */
  const published = () => publish;
  return { state, error, streams, present, join, leave, setLocalMedia, setMuted, published };
}

/** Whose source a participant is: their member id (camera, mic), or their screen tile id (`screen-share` participant). */
function sourceKey(p: Pick<StageParticipantInfo, 'userId' | 'attributes'>): string {
  return isScreenShareParticipant(p.attributes) ? screenTileId(p.userId) : p.userId;
}

/** The studio document's layout, as far as picture sizes go. */
function studioLayout(): Ref<PublishLayout | null> {
  const studio = useStudioStore();
  return computed(() => {
    const d = studio.document;
    const l = d?.layout;
    if (!d || !l) return null;
    return { layout: l.name, order: l.order, featuredId: l.featuredId, screenShareId: l.screenShareId, screens: screenSharerIds(d) };
  });
}

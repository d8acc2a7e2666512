import { computed, onBeforeUnmount, provide, ref, shallowRef, watch, type Ref } from 'vue';
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
import { stageReconnectLimitMs } from '@/media/stage-reconnect';
import { useStudioStore } from '@/stores/studio.store';
import {
  afterJoined,
  afterLeft,
  afterMedia,
  type Drops,
  lostByError,
  myStageLink,
  reconnectingMembers,
  STAGE_LINKS_KEY,
  type StageLink,
} from './stage-reconnect';

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
    case 'CONNECTION_LOST':
      return 'Your connection to the stage was lost. Check your network, then press Retry on your tile.';
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

  /** Members with a participant (their camera one, not a screen) on the stage now. */
  const onStage = ref(new Set<string>());
  function setPresent(p: StageParticipantInfo, here: boolean): void {
    if (isScreenShareParticipant(p.attributes)) return;
    if (onStage.value.has(p.userId) === here) return;
    const next = new Set(onStage.value);
    if (here) next.add(p.userId);
    else next.delete(p.userId);
    onStage.value = next;
  }

  const limitMs = stageReconnectLimitMs();
  /** Others whose participant left while my stage was connected: "reconnecting…" for a while (stage-reconnect.ts). */
  const drops = shallowRef<Drops>(new Map());
  /** The clock, moved when a drop's "reconnecting…" runs out. */
  const now = ref(Date.now());
  let clockTimer: ReturnType<typeof setTimeout> | undefined;
  const reconnecting = computed(() => reconnectingMembers(drops.value, now.value, limitMs));
  watch(
    reconnecting,
    (r) => {
      clearTimeout(clockTimer);
      if (r.drops !== drops.value) drops.value = r.drops;
      if (r.nextChangeAt !== null) clockTimer = setTimeout(() => (now.value = Date.now()), Math.max(0, r.nextChangeAt - Date.now()) + 50);
    },
    { immediate: true },
  );
  function setDrops(next: Drops): void {
    now.value = Date.now();
    drops.value = next;
  }

  /**
   * Members with a participant on the stage now, or reconnecting, so the studio can say who is
   * disconnected: a closed tab, a crashed browser, a network gone longer than a stage rejoins.
   */
  const present = computed(() => {
    const r = reconnecting.value.reconnecting;
    return r.size === 0 ? onStage.value : new Set([...onStage.value, ...r]);
  });

  /** My own stage connection: rejoining by itself, or lost (given up: the member may retry). */
  const myLink = ref<StageLink | null>(null);
  let lostWatchdog: ReturnType<typeof setTimeout> | undefined;

  /** Member id → what their tile says about their connection (mine included). */
  const links = computed<ReadonlyMap<string, StageLink>>(() => {
    const m = new Map<string, StageLink>();
    for (const id of reconnecting.value.reconnecting) m.set(id, 'reconnecting');
    const me = options.myMemberId.value;
    if (me && myLink.value) m.set(me, myLink.value);
    return m;
  });

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
    if (added?.length) setDrops(afterMedia(drops.value, key));
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
      myLink.value = null;
      let wasConnected = false;
      next.on('stageConnectionStateChanged', (s) => {
        if (stage !== next) return;
        myLink.value = myStageLink(myLink.value, wasConnected, s);
        wasConnected ||= s === 'connected';
        clearTimeout(lostWatchdog);
        // The IVS SDK's own reconnect is held to the same limit as LocalStage's.
        if (myLink.value === 'reconnecting')
          lostWatchdog = setTimeout(() => stage === next && myLink.value === 'reconnecting' && loseStage(next), limitMs + 2_000);
        if (myLink.value === 'lost') markLost();
      });
      next.on('stageParticipantJoined', (p) => {
        setPresent(p, true);
        if (!isMine(p) && !isScreenShareParticipant(p.attributes)) setDrops(afterJoined(drops.value, p.userId, Date.now()));
      });
      next.on('stageParticipantStreamsAdded', (p, s) => onStreams(p, s, null));
      next.on('stageParticipantStreamsRemoved', (p, s) => onStreams(p, null, s));
      next.on('stageParticipantLeft', (p, how) => {
        setPresent(p, false);
        // Only while my own stage is connected: my own drop or leave says nothing about them. A
        // member who left on purpose (their tab closed) is not coming back by themselves.
        const mayReturn = how?.lost !== false;
        if (stage === next && next.connectionState === 'connected' && mayReturn && !isMine(p) && !isScreenShareParticipant(p.attributes))
          setDrops(afterLeft(drops.value, p.userId, Date.now()));
        if (isMine(p)) return;
        remoteTracks.delete(sourceKey(p));
        setStream(sourceKey(p), null);
      });
      next.on('stageLeft', (reason) => {
        if (stage !== next) return;
        if (myLink.value === 'lost') return markLost();
        state.value = 'left';
        if (reason !== 'user-initiated') error.value = stageErrorSentence({ code: reason, message: `you were disconnected (${reason})` });
      });
      next.on('error', (e) => {
        if (stage === next && lostByError(wasConnected, e)) return loseStage(next);
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

  /** My stage gave up rejoining (or took too long): the tile offers a retry. */
  function markLost(): void {
    clearTimeout(lostWatchdog);
    myLink.value = 'lost';
    state.value = 'failed';
    error.value = stageErrorSentence({ code: 'CONNECTION_LOST' });
  }

  /** Gives my stage up: lost, left, everything remote forgotten (Retry joins with a new pass). */
  function loseStage(s: StageAdapter): void {
    if (stage !== s) return;
    markLost();
    stage = null;
    s.leave();
    clearRemote();
  }

  /** Forgets everything remote (a stage left or lost); my own tiles keep my media. */
  function clearRemote(): void {
    remoteTracks.clear();
    onStage.value = new Set();
    setDrops(new Map());
    const me = options.myMemberId.value;
    const mine = me ? [me, screenTileId(me)] : [];
    streams.value = new Map(mine.filter((id) => streams.value.get(id)).map((id) => [id, streams.value.get(id)!]));
  }

  /** Joins again after my connection was lost, with a new pass. */
  function retry(): void {
    leave();
    myLink.value = null;
    void join();
  }

  function leave(): void {
    const s = stage;
    stage = null;
    clearTimeout(lostWatchdog);
    s?.leave();
    clearRemote();
    if (state.value !== 'failed') state.value = 'left';
  }

  // The tiles read the links from here (MemberTile), whichever page component holds the session.
  provide(STAGE_LINKS_KEY, { links, retry });

  onBeforeUnmount(() => {
    clearTimeout(clockTimer);
    leave();
    // The clone keeps the camera on until it is stopped too.
    scaled?.track.stop();
    scaled = null;
  });
  /** What I publish on this stage now (the show stage publishes the same tracks). */
  const published = () => publish;
  return { state, error, streams, present, links, join, leave, retry, setLocalMedia, setMuted, published };
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

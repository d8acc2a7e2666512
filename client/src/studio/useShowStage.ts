import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { StageTokenResponse } from '@streamcat/protocol';
import { createStage, stageMode, type MediaMode } from '@/media/media-mode';
import type { PreparedPublish } from '@/media/local-stage';
import { sameStreams, SubscribeType, type LocalStageStream, type StageAdapter, type StageStrategy } from '@/media/stage-adapter';
import { showStageRetryDelayMs } from './show-stage.plan';

export type ShowStageState = 'idle' | 'joining' | 'publishing' | 'retrying' | 'refused';

/**
 * A second, publish-only participant of this browser: used for the show stage (below) and, with
 * other `wanted`/`fetchToken`/`streams`, for a screen share beside the camera (IVS carries one
 * video per participant), on the studio stage and on the show stage.
 *
 * This member on the studio's public show stage: while `wanted` (on air, and someone watches
 * the show stage), a second stage connection that only publishes the same tracks as the
 * studio stage (PUBLISH-only token, never subscribes); left as soon as it is not wanted. The
 * server disconnects it itself when the member leaves the air, so a client that lags behind
 * (or misbehaves) still never reaches the audience off air.
 */
export function useShowStage(options: {
  /** publishesToShowStage(document, me): recomputed by the caller from the studio document. */
  wanted: Ref<boolean>;
  fetchToken: () => Promise<StageTokenResponse>;
  /** What the studio stage publishes now (camera or screen at programme size, microphone). */
  streams: () => LocalStageStream[];
  /**
   * While true (and not `wanted`), a publishing connection is kept ready (tracks added, offer
   * gathered; nothing is sent), so going on air starts with the join instead of with gathering.
   */
  standby?: Ref<boolean>;
}) {
  const state = ref<ShowStageState>('idle');
  const error = ref<string | null>(null);
  let stage: StageAdapter | null = null;
  /** Bumped on every start/stop: a join that finishes after the member left the air is dropped. */
  let generation = 0;
  let failures = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** The last show token's media mode: local (the emulator's SFU) unless a token said IVS. */
  let mode: MediaMode = 'local';

  const strategy: StageStrategy = {
    stageStreamsToPublish: () => options.streams(),
    shouldPublishParticipant: () => true,
    // The show stage is the audience's: a member sees the others on the studio stage.
    shouldSubscribeToParticipant: () => SubscribeType.NONE,
  };

  /** The ready connection of `standby` (local SFU only: IVS's SDK makes its own). */
  let spare: PreparedPublish | null = null;
  let disposed = false;
  let sparePending: Promise<void> | null = null;

  function dropSpare(): void {
    spare?.close();
    spare = null;
  }

  function prepareSpare(): void {
    if (disposed || mode !== 'local' || stage || !options.standby?.value || options.wanted.value) return dropSpare();
    const streams = options.streams();
    if (spare && sameStreams(spare.streams, streams)) return;
    dropSpare();
    if (streams.length === 0 || sparePending) return;
    sparePending = import('@/media/local-stage').then((m) => {
      sparePending = null;
      // Still standing by, with these tracks: keep it (else the next change prepares again).
      if (!disposed && !spare && options.standby?.value && !options.wanted.value && !stage && sameStreams(options.streams(), streams))
        spare = m.preparePublish(streams);
    });
  }

  async function start(): Promise<void> {
    const mine = ++generation;
    clearTimeout(retry);
    state.value = 'joining';
    // Against the local SFU the publishing connection gathers while the token is minted (or was
    // ready before); it sends nothing until the SFU answers a participant holding that PUBLISH token.
    let prepared: Promise<PreparedPublish | null> = Promise.resolve(null);
    const streams = options.streams();
    const ready = spare && sameStreams(spare.streams, streams) ? spare : null;
    if (!ready) dropSpare();
    spare = null;
    if (ready) prepared = Promise.resolve(ready);
    else if (mode === 'local' && streams.length > 0) prepared = import('@/media/local-stage').then((m) => m.preparePublish(streams));
    const discard = () => void prepared.then((p) => p?.close());
    try {
      const { token } = await options.fetchToken();
      if (mine !== generation) return discard();
      mode = stageMode(token);
      let next: StageAdapter;
      if (mode === 'local') {
        const [{ LocalStage }, ready] = await Promise.all([import('@/media/local-stage'), prepared]);
        const local = new LocalStage(token, strategy);
        if (ready) local.adoptPrepared(ready);
        next = local;
      } else {
        discard();
        next = await createStage(token, strategy);
      }
      if (mine !== generation) return next.leave();
      stage = next;
      next.on('stageLeft', (reason) => {
        if (stage !== next) return;
        stage = null;
        // Disconnected while still wanted (e.g. real-time closed and opened again at once): join again.
        if (reason !== 'user-initiated' && options.wanted.value) again(mine);
        else state.value = 'idle';
      });
      await next.join();
      if (mine !== generation) return next.leave();
      failures = 0;
      error.value = null;
      state.value = 'publishing';
    } catch (e) {
      discard();
      if (mine !== generation) return;
      stage = null;
      const code = (e as { code?: string }).code;
      // The server says no (not on air any more, nobody watching): our document is behind; the next push decides.
      // A screen share: stopped meanwhile (not-sharing), or no publisher seat for it (full).
      const refused = ['stage/not-on-air', 'stage/show-not-needed', 'stage/not-sharing', 'studio/full', 'auth/forbidden', 'studio/removed'];
      if (code && refused.includes(code)) {
        state.value = 'refused';
        return;
      }
      error.value = (e as Error).message ?? 'Could not reach the show stage.';
      again(mine);
    }
  }

  function again(mine: number): void {
    if (mine !== generation) return;
    const delay = showStageRetryDelayMs(failures++);
    state.value = 'retrying';
    retry = setTimeout(() => {
      if (mine === generation && options.wanted.value) void start();
    }, delay);
  }

  function stop(): void {
    generation++;
    clearTimeout(retry);
    const s = stage;
    stage = null;
    s?.leave();
    failures = 0;
    state.value = 'idle';
    prepareSpare();
  }

  /** The studio stage's tracks changed (camera, screen share): publish the same here. */
  function refresh(): void {
    stage?.refreshStrategy();
    prepareSpare();
  }

  watch(options.wanted, (on) => (on ? void start() : stop()), { immediate: true });
  if (options.standby) watch(options.standby, prepareSpare, { immediate: true });
  onBeforeUnmount(() => {
    disposed = true;
    stop();
    dropSpare();
  });
  return { state, error, refresh };
}

import Hls, { ErrorTypes, Events } from 'hls.js';
import type { EngineCallbacks, PlaybackEngine } from './playback-engine';

const MEDIA_RECOVERY_WINDOW_MS = 5_000;

/**
 * Live settings for the local emulation's HLS (1 s segments, blocking playlist reload; IVS
 * channels play in the IVS Player). The player holds 1.5 segments behind the live edge instead
 * of hls.js's default 3: with each segment announced the moment ffmpeg lists it, half a segment
 * is still buffered when the next one is due. A stall adds a segment to that distance (hls.js's
 * liveSyncOnStallIncrease), so a busy machine trades latency for smoothness by itself. A
 * player that fell behind (a tab in the background, a long stall) catches up at up to 1.1×
 * speed, and jumps to the edge past 6 segments. Recordings (VOD) ignore all of these.
 */
const HLS_CONFIG = {
  lowLatencyMode: true,
  backBufferLength: 30,
  liveSyncDurationCount: 1.5,
  liveMaxLatencyDurationCount: 6,
  maxLiveSyncPlaybackRate: 1.1,
} as const;

/** hls.js on Media Source Extensions; Safari's native HLS when MSE is missing (iOS). */
export function createHlsEngine(video: HTMLVideoElement, callbacks: EngineCallbacks): PlaybackEngine {
  const onPlaying = () => callbacks.onPlaying();
  const onWaiting = () => callbacks.onWaiting();
  const onEnded = () => callbacks.onEnded();
  video.addEventListener('playing', onPlaying);
  video.addEventListener('waiting', onWaiting);
  video.addEventListener('ended', onEnded);
  const detach = () => {
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('waiting', onWaiting);
    video.removeEventListener('ended', onEnded);
  };

  if (!Hls.isSupported()) {
    return {
      load(url) {
        video.src = url;
        void video.play().catch(() => undefined);
      },
      destroy() {
        detach();
        video.removeAttribute('src');
        video.load();
      },
    };
  }

  const hls = new Hls(HLS_CONFIG);
  hls.on(Events.MANIFEST_PARSED, () => void video.play().catch(() => undefined));
  // A decode error is recovered in place once; another soon after (a buffer the stream's
  // discontinuity left broken) goes to the player, which loads the source afresh when live.
  let recoveredAt = -Infinity;
  hls.on(Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    if (data.type === ErrorTypes.MEDIA_ERROR && Date.now() - recoveredAt > MEDIA_RECOVERY_WINDOW_MS) {
      recoveredAt = Date.now();
      hls.recoverMediaError();
      return;
    }
    if (data.type === ErrorTypes.MEDIA_ERROR) {
      callbacks.onError('The video could not be played in this browser.', true);
      return;
    }
    const network = data.type === ErrorTypes.NETWORK_ERROR;
    callbacks.onError(network ? 'The video could not be loaded.' : 'The video could not be played in this browser.', network);
  });
  hls.attachMedia(video);
  return {
    load(url) {
      hls.loadSource(url);
    },
    destroy() {
      detach();
      hls.destroy();
    },
  };
}

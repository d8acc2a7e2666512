import { create, ErrorType, isPlayerSupported, PlayerEventType, PlayerState } from 'amazon-ivs-player';
// The player runs its decoder in a WebAssembly worker; its package tells bundlers to serve
// these two files as assets and pass their URLs to create().
import wasmWorker from 'amazon-ivs-player/dist/assets/amazon-ivs-wasmworker.min.js?url';
import wasmBinary from 'amazon-ivs-player/dist/assets/amazon-ivs-wasmworker.min.wasm?url';
import type { EngineCallbacks, PlaybackEngine } from './playback-engine';

/** The Amazon IVS Player for IVS playback URLs (low latency, IVS's ABR). */
export function createIvsEngine(video: HTMLVideoElement, callbacks: EngineCallbacks): PlaybackEngine {
  if (!isPlayerSupported) throw new Error('This browser cannot run the Amazon IVS Player (WebAssembly is missing).');
  const player = create({ wasmWorker, wasmBinary });
  player.attachHTMLVideoElement(video);
  player.setAutoplay(true);
  player.addEventListener(PlayerState.PLAYING, () => callbacks.onPlaying());
  player.addEventListener(PlayerState.BUFFERING, () => callbacks.onWaiting());
  player.addEventListener(PlayerState.ENDED, () => callbacks.onEnded());
  player.addEventListener(PlayerEventType.ERROR, (error) => {
    // A channel that just went live may not have its playlist yet (404): try again shortly.
    const retry = error.type === ErrorType.NOT_AVAILABLE || error.type === ErrorType.NETWORK || error.type === ErrorType.NETWORK_IO;
    callbacks.onError(retry ? 'The video could not be loaded.' : 'The video could not be played.', retry);
  });
  return {
    load(url) {
      player.load(url);
    },
    destroy() {
      player.delete();
    },
  };
}

/**
 * One interface over the two ways we play HLS: hls.js for the local media emulation (and
 * recordings), the Amazon IVS Player for IVS channels (its low-latency mode only works with
 * IVS's own playlists). Each engine is imported on demand so a page pays only for the one it uses.
 */
export type EngineKind = 'ivs' | 'hls';

/** What the player component shows; `reconnecting`: a live picture stopped moving and the player is getting it back. */
export type PlayerState = 'loading' | 'playing' | 'reconnecting' | 'offline' | 'error';

export interface EngineCallbacks {
  /** Frames are moving. */
  onPlaying(): void;
  /** Buffering or waiting for the first segment. */
  onWaiting(): void;
  /** `retry`: the stream may simply not be there yet (a live playlist that 404s right after going live). */
  onError(message: string, retry: boolean): void;
  onEnded(): void;
}

export interface PlaybackEngine {
  load(url: string): void;
  destroy(): void;
}

/** IVS playback URLs live on `*.live-video.net`; everything else (local HLS, recordings) is plain HLS. */
export function engineKindFor(url: string): EngineKind {
  try {
    const host = new URL(url, 'http://localhost').hostname.toLowerCase();
    return host === 'live-video.net' || host.endsWith('.live-video.net') ? 'ivs' : 'hls';
  } catch {
    return 'hls';
  }
}

export async function createEngine(kind: EngineKind, video: HTMLVideoElement, callbacks: EngineCallbacks): Promise<PlaybackEngine> {
  if (kind === 'ivs') {
    const { createIvsEngine } = await import('./ivs-engine');
    return createIvsEngine(video, callbacks);
  }
  const { createHlsEngine } = await import('./hls-engine');
  return createHlsEngine(video, callbacks);
}

/**
 * Where the studio sends its programme (composite canvas + mixed audio) when going live.
 * IVS mode wraps the broadcast SDK's client; local mode streams to the emulator's ingest.
 */
export type BroadcastSinkState = 'idle' | 'connecting' | 'live' | 'stopped' | 'failed';

export interface BroadcastSinkError {
  /** e.g. INGEST_UNAVAILABLE (no ffmpeg), STREAM_KEY_INVALID, STOPPED_BY_SERVER, CONNECTION_LOST. */
  code: string;
  message: string;
}

export interface BroadcastSink {
  readonly state: BroadcastSinkState;
  /** Resolves when the ingest accepted the stream; rejects with a BroadcastSinkError. */
  start(programme: MediaStream, streamKey: string): Promise<void>;
  stop(): Promise<void>;
  /** Called on every state change; `error` is set for `failed` and server-side stops. */
  onStateChange(listener: (state: BroadcastSinkState, error?: BroadcastSinkError) => void): () => void;
}

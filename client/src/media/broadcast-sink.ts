/**
 * Where the studio sends its programme (composite canvas + mixed audio) when going live.
 * IVS mode wraps the broadcast SDK's client; local mode streams to the emulator's ingest.
 * `reconnecting`: the connection dropped mid-show and the sink is trying again by itself
 * (broadcast-reconnect); it ends `live` again, or `failed` once the tries are over.
 */
export type BroadcastSinkState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopped' | 'failed';

export interface BroadcastSinkError {
  /** e.g. INGEST_UNAVAILABLE (no ffmpeg), STREAM_KEY_INVALID, STOPPED_BY_SERVER, CONNECTION_LOST, TAKEOVER, SOURCE_CONNECTED. */
  code: string;
  message: string;
}

export interface BroadcastStartOptions {
  /**
   * The show is live already and this page's encoder went (the studio was reloaded): carry on
   * the channel's stream rather than start one. The local ingest refuses it when another encoder
   * sends (SOURCE_CONNECTED) or no stream waits (NOTHING_TO_RESUME). On IVS a reconnect is a new
   * stream that the recording configuration's reconnect window joins to the same recording.
   */
  resume?: boolean;
}

export interface BroadcastSink {
  readonly state: BroadcastSinkState;
  /** Resolves when the ingest accepted the stream; rejects with a BroadcastSinkError. */
  start(programme: MediaStream, streamKey: string, options?: BroadcastStartOptions): Promise<void>;
  /** Ends the stream: the show is over. */
  stop(): Promise<void>;
  /**
   * Stops sending without ending the stream, for another encoder to carry it on (the cloud
   * programme taking over): the local ingest keeps it for its reconnect grace. On IVS the
   * connection simply closes (the next encoder's stream joins the recording within its window).
   */
  release(): Promise<void>;
  /** Called on every state change; `error` is set for `failed` and server-side stops. */
  onStateChange(listener: (state: BroadcastSinkState, error?: BroadcastSinkError) => void): () => void;
}

import { INGEST_SOCKET_PATH, type IngestClientMessage, parseIngestServerMessage } from '@streamcat/protocol/browser-ingest';
import type { BroadcastSink, BroadcastSinkError, BroadcastSinkState, BroadcastStartOptions } from './broadcast-sink';

/** Chunk cadence: shorter means lower latency and more websocket messages. */
const TIMESLICE_MS = 250;
/** More than this unsent means the network cannot keep up; the stream is ended rather than lagging forever. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** H.264 first: the ingest then copies video into HLS and only encodes audio. */
const MIME_TYPES = ['video/webm;codecs=h264,opus', 'video/webm;codecs=vp8,opus', 'video/webm'];

export interface LocalIngestSinkOptions {
  /** ws(s)://host/_ivs/ingest; defaults to the page's origin. */
  ingestUrl?: string;
  videoBitsPerSecond?: number;
  audioBitsPerSecond?: number;
}

/**
 * The local broadcast sink: MediaRecorder chunks (WebM) over a websocket to the emulator's ingest.
 * Closing without `stop` (the page reloading) leaves the stream waiting for the next page, which
 * starts with `resume` and a recorder of its own (a new WebM file; the ingest appends it).
 */
export class LocalIngestSink implements BroadcastSink {
  private current: BroadcastSinkState = 'idle';
  private ws?: WebSocket;
  private recorder?: MediaRecorder;
  private readonly listeners = new Set<(state: BroadcastSinkState, error?: BroadcastSinkError) => void>();

  constructor(private readonly options: LocalIngestSinkOptions = {}) {}

  get state(): BroadcastSinkState {
    return this.current;
  }

  onStateChange(listener: (state: BroadcastSinkState, error?: BroadcastSinkError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(programme: MediaStream, streamKey: string, options: BroadcastStartOptions = {}): Promise<void> {
    if (this.current === 'connecting' || this.current === 'live') return Promise.reject(sinkError('ALREADY_STARTED', 'Already live.'));
    const mimeType = MIME_TYPES.find((m) => MediaRecorder.isTypeSupported(m));
    if (!mimeType) return Promise.reject(sinkError('UNSUPPORTED_BROWSER', 'This browser cannot record WebM.'));
    const url = this.options.ingestUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${INGEST_SOCKET_PATH}`;
    this.setState('connecting');
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => send(ws, { t: 'start', streamKey, mimeType, ...(options.resume ? { resume: true } : {}) });
      ws.onmessage = (e) => {
        // Anything but the ingest's own messages is dropped.
        const m = typeof e.data === 'string' ? parseIngestServerMessage(e.data) : undefined;
        if (!m) return;
        if (m.t === 'live') {
          settled = true;
          this.record(programme, mimeType, ws);
          this.setState('live');
          resolve();
        } else if (m.t === 'error') {
          const err = sinkError(m.code, m.message);
          this.finish('failed', err);
          if (!settled) reject(err);
          settled = true;
        } else if (m.t === 'ended') {
          this.finish(
            'stopped',
            sinkError(m.reason === 'STOPPED' ? 'STOPPED_BY_SERVER' : m.reason, `The ingest ended the stream (${m.reason}).`),
          );
        }
      };
      ws.onclose = () => {
        if (this.ws !== ws) return;
        const err = sinkError('CONNECTION_LOST', 'The connection to the ingest closed.');
        this.finish('failed', err);
        if (!settled) reject(err);
        settled = true;
      };
    });
  }

  async stop(): Promise<void> {
    if (this.current !== 'live' && this.current !== 'connecting') return;
    const ws = this.ws;
    // Flush the last chunk before telling the server we are done.
    await this.stopRecorder();
    if (ws?.readyState === WebSocket.OPEN) send(ws, { t: 'stop' });
    this.finish('stopped');
  }

  /** Stops the recorder once its last chunk has been handed to the socket. */
  private async stopRecorder(): Promise<void> {
    const recorder = this.recorder;
    this.recorder = undefined;
    if (!recorder || recorder.state === 'inactive') return;
    await new Promise<void>((resolve) => {
      recorder.addEventListener('stop', () => setTimeout(resolve, 0), { once: true });
      recorder.stop();
    });
  }

  async release(): Promise<void> {
    if (this.current !== 'live' && this.current !== 'connecting') return;
    // Its last chunk still goes: the next encoder appends after it.
    await this.stopRecorder();
    // Closed without `stop`: the ingest waits for the next source.
    this.finish('stopped');
  }

  private record(programme: MediaStream, mimeType: string, ws: WebSocket): void {
    const recorder = new MediaRecorder(programme, {
      mimeType,
      videoBitsPerSecond: this.options.videoBitsPerSecond ?? 2_500_000,
      audioBitsPerSecond: this.options.audioBitsPerSecond ?? 128_000,
      // A keyframe every 2 s lets the ingest cut 2 s HLS segments without re-encoding (Chromium ≥ 119; ignored elsewhere).
      videoKeyFrameIntervalDuration: 2_000,
    } as MediaRecorderOptions);
    this.recorder = recorder;
    recorder.ondataavailable = async (e) => {
      if (e.data.size === 0 || ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.finish('failed', sinkError('NETWORK_TOO_SLOW', 'The upload cannot keep up with the stream.'));
        return;
      }
      ws.send(await e.data.arrayBuffer());
    };
    recorder.start(TIMESLICE_MS);
  }

  private finish(state: 'stopped' | 'failed', error?: BroadcastSinkError): void {
    const ws = this.ws;
    this.ws = undefined;
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.recorder = undefined;
    if (ws) {
      ws.onclose = null;
      // Give a just-sent "stop" a moment to leave before closing.
      setTimeout(() => ws.close(1000), 100);
    }
    this.setState(state, error);
  }

  private setState(state: BroadcastSinkState, error?: BroadcastSinkError): void {
    if (state === this.current && !error) return;
    this.current = state;
    for (const l of this.listeners) l(state, error);
  }
}

function send(ws: WebSocket, message: IngestClientMessage): void {
  ws.send(JSON.stringify(message));
}

function sinkError(code: string, message: string): BroadcastSinkError {
  return { code, message };
}

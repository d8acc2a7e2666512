import { INGEST_SOCKET_PATH, type IngestClientMessage, parseIngestServerMessage } from '@streamcat/protocol/browser-ingest';
import type { BroadcastSink, BroadcastSinkError, BroadcastSinkState, BroadcastStartOptions } from './broadcast-sink';
import { reconnectDelay, reconnectRetries } from './broadcast-reconnect';

/**
 * Chunk cadence: shorter means lower latency and more websocket messages. The ingest cuts a
 * live segment only once it reads the next keyframe, so every millisecond a chunk waits here
 * is added to what viewers see; 100 ms is 10 small messages a second.
 */
const TIMESLICE_MS = 100;
/** More than this unsent means the network cannot keep up; the stream is ended rather than lagging forever. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * A reconnect that has had no answer this long is abandoned for the next. Generous: the ingest
 * lets the old source's ffmpeg flush before it answers, which takes seconds on a busy machine.
 */
const RESUME_TIMEOUT_MS = 8_000;
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
 * starts with `resume` and a recorder of its own (a new WebM file; the ingest appends it). The
 * connection dropping mid-show is the same to the ingest: the sink says `reconnecting`, tries
 * again with `resume` (broadcast-reconnect's schedule, within the ingest's grace) and records
 * afresh once the ingest has it back. What was recorded while disconnected is not kept: a new
 * file starts on a keyframe, and viewers get the show from now rather than further behind.
 */
export class LocalIngestSink implements BroadcastSink {
  private current: BroadcastSinkState = 'idle';
  private ws?: WebSocket;
  private recorder?: MediaRecorder;
  private readonly listeners = new Set<(state: BroadcastSinkState, error?: BroadcastSinkError) => void>();
  /** What start was given: a reconnect sends the same programme with the same key. */
  private session?: { programme: MediaStream; streamKey: string; mimeType: string; url: string };
  /** While reconnecting: when the connection dropped, tries made, the next try's timer. */
  private retry?: { since: number; attempt: number; timer?: ReturnType<typeof setTimeout>; lastError: BroadcastSinkError };

  constructor(private readonly options: LocalIngestSinkOptions = {}) {}

  get state(): BroadcastSinkState {
    return this.current;
  }

  onStateChange(listener: (state: BroadcastSinkState, error?: BroadcastSinkError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(programme: MediaStream, streamKey: string, options: BroadcastStartOptions = {}): Promise<void> {
    if (this.current === 'connecting' || this.current === 'live' || this.current === 'reconnecting') {
      throw sinkError('ALREADY_STARTED', 'Already live.');
    }
    const mimeType = MIME_TYPES.find((m) => MediaRecorder.isTypeSupported(m));
    if (!mimeType) throw sinkError('UNSUPPORTED_BROWSER', 'This browser cannot record WebM.');
    const url = this.options.ingestUrl ?? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${INGEST_SOCKET_PATH}`;
    this.session = { programme, streamKey, mimeType, url };
    this.setState('connecting');
    try {
      await this.connect(options.resume === true);
    } catch (e) {
      // Not when the ingest's `ended` already stopped it.
      if (this.state === 'connecting') this.finish('failed', e as BroadcastSinkError);
      throw e;
    }
  }

  /**
   * One connection to the ingest: resolves once it is live (and recording into it), rejects
   * with the refusal or the close before that. Once live, a close nobody asked for starts the
   * reconnect and an `ended` from the ingest stops the sink.
   */
  private connect(resume: boolean): Promise<void> {
    const { programme, streamKey, mimeType, url } = this.session!;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const ws = new WebSocket(url);
      // A try into a dead network may neither open nor fail for a long time: it is given up so the next can go.
      const timer = resume
        ? setTimeout(() => {
            if (settled || this.ws !== ws) return;
            settled = true;
            this.letGo(ws);
            reject(sinkError('CONNECTION_LOST', 'The ingest did not answer.'));
          }, RESUME_TIMEOUT_MS)
        : undefined;
      this.ws = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => send(ws, { t: 'start', streamKey, mimeType, ...(resume ? { resume: true } : {}) });
      ws.onmessage = (e) => {
        if (this.ws !== ws) return;
        // Anything but the ingest's own messages is dropped.
        const m = typeof e.data === 'string' ? parseIngestServerMessage(e.data) : undefined;
        if (!m) return;
        clearTimeout(timer);
        if (m.t === 'live') {
          settled = true;
          this.retry = undefined;
          this.record(programme, mimeType, ws);
          this.setState('live');
          resolve();
        } else if (m.t === 'error') {
          this.letGo(ws);
          if (!settled) reject(sinkError(m.code, m.message));
          settled = true;
        } else if (m.t === 'ended') {
          const err = sinkError(m.reason === 'STOPPED' ? 'STOPPED_BY_SERVER' : m.reason, `The ingest ended the stream (${m.reason}).`);
          this.finish('stopped', err);
          if (!settled) reject(err);
          settled = true;
        }
      };
      ws.onclose = () => {
        clearTimeout(timer);
        if (this.ws !== ws) return;
        this.letGo(ws);
        const err = sinkError('CONNECTION_LOST', 'The connection to the ingest closed.');
        if (!settled) reject(err);
        else if (this.current === 'live') this.connectionLost(err);
        settled = true;
      };
    });
  }

  /** The live connection closed without anyone asking: the ingest keeps the stream for its grace, so try again. */
  private connectionLost(error: BroadcastSinkError): void {
    // Its chunks have nowhere to go; the next connection gets a recorder (and a WebM file) of its own.
    void this.stopRecorder();
    this.retry = { since: Date.now(), attempt: 0, lastError: error };
    this.setState('reconnecting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    const retry = this.retry;
    if (!retry || this.current !== 'reconnecting') return;
    const delay = reconnectDelay(retry.attempt, Date.now() - retry.since);
    if (delay === null) {
      this.finish('failed', retry.lastError);
      return;
    }
    retry.timer = setTimeout(() => {
      if (this.retry !== retry || this.current !== 'reconnecting') return;
      retry.attempt += 1;
      this.connect(true).catch((e: BroadcastSinkError) => {
        if (this.retry !== retry || this.current !== 'reconnecting') return;
        retry.lastError = e;
        if (reconnectRetries(e.code)) this.scheduleRetry();
        else this.finish('failed', e);
      });
    }, delay);
  }

  async stop(): Promise<void> {
    if (this.current === 'reconnecting') {
      // No connection to say `stop` on: the control plane's StopStream ends the waiting stream.
      this.finish('stopped');
      return;
    }
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
    if (this.current === 'reconnecting') {
      // Already away from the ingest: the next encoder carries the stream on within the grace.
      this.finish('stopped');
      return;
    }
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
      // A keyframe every second lets the ingest cut 1 s live HLS segments without re-encoding
      // (Chromium ≥ 119; elsewhere the segments follow the encoder's own keyframes, and are longer).
      videoKeyFrameIntervalDuration: 1_000,
    } as MediaRecorderOptions);
    this.recorder = recorder;
    recorder.ondataavailable = async (e) => {
      if (e.data.size === 0 || ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        this.finish('failed', sinkError('NETWORK_TOO_SLOW', 'The upload cannot keep up with the stream.'));
        return;
      }
      const bytes = await e.data.arrayBuffer();
      // The connection may have gone while the chunk was read.
      if (ws.readyState === WebSocket.OPEN) ws.send(bytes);
    };
    recorder.start(TIMESLICE_MS);
  }

  private finish(state: 'stopped' | 'failed', error?: BroadcastSinkError): void {
    clearTimeout(this.retry?.timer);
    this.retry = undefined;
    if (this.ws) this.letGo(this.ws);
    if (this.recorder && this.recorder.state !== 'inactive') this.recorder.stop();
    this.recorder = undefined;
    this.setState(state, error);
  }

  /** Forgets a socket: its events no longer count, and it closes (a just-sent "stop" gets a moment to leave first). */
  private letGo(ws: WebSocket): void {
    if (this.ws === ws) this.ws = undefined;
    ws.onclose = null;
    ws.onmessage = null;
    setTimeout(() => ws.close(1000), 100);
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

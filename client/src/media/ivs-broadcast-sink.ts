import type * as IvsSdk from 'amazon-ivs-web-broadcast';
import type { BroadcastSink, BroadcastSinkError, BroadcastSinkState } from './broadcast-sink';
import type { BroadcastPreset } from './broadcast-preset';
import { BROADCAST_RECONNECT_LIMIT_MS, reconnectDelay } from './broadcast-reconnect';

export type IvsBroadcastSdk = Pick<typeof IvsSdk, 'create' | 'BroadcastClientEvents' | BroadcastPreset>;

/**
 * The IVS broadcast client fed the programme: the composite canvas stream as its one video
 * input and the mixed audio as its one audio input, sent to the channel's ingest endpoint.
 * The SDK is loaded on first start, so local-only use never downloads it. Started again after a
 * reload (`resume`), it connects the same way: IVS makes it a new stream, and the recording
 * configuration's reconnect window (recordingReconnectWindowSeconds) keeps one recording; a
 * connection lost mid-show is tried again the same way (`reconnecting`, then `live` or `failed`).
 */
export class IvsBroadcastSink implements BroadcastSink {
  private current: BroadcastSinkState = 'idle';
  private client: IvsSdk.AmazonIVSBroadcastClient | null = null;
  private programme?: MediaStream;
  private streamKey?: string;
  /** While reconnecting: when the connection went, new clients tried, the pending timer. */
  private retry?: { since: number; attempt: number; timer?: ReturnType<typeof setTimeout> };
  private readonly listeners = new Set<(state: BroadcastSinkState, error?: BroadcastSinkError) => void>();

  constructor(
    private readonly ingestEndpoint: string,
    /** From the channel's type (broadcastPreset): IVS refuses input above the channel's limits. */
    private readonly preset: BroadcastPreset,
    private readonly loadSdk: () => Promise<IvsBroadcastSdk> = () => import('amazon-ivs-web-broadcast'),
  ) {}

  get state(): BroadcastSinkState {
    return this.current;
  }

  onStateChange(listener: (state: BroadcastSinkState, error?: BroadcastSinkError) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(programme: MediaStream, streamKey: string): Promise<void> {
    if (this.current === 'connecting' || this.current === 'live' || this.current === 'reconnecting') {
      throw { code: 'ALREADY_STARTED', message: 'Already live.' };
    }
    this.programme = programme;
    this.streamKey = streamKey;
    this.setState('connecting');
    try {
      await this.open();
      this.setState('live');
    } catch (e) {
      const err = { code: 'BROADCAST_FAILED', message: (e as { message?: string })?.message ?? 'Amazon IVS refused the broadcast.' };
      this.fail(err.code, err.message);
      throw err;
    }
  }

  /** A client sending the programme to the channel's ingest; resolves once IVS accepted it. */
  private async open(): Promise<void> {
    const sdk = await this.loadSdk();
    const client = sdk.create({ streamConfig: sdk[this.preset], ingestEndpoint: this.ingestEndpoint });
    this.client = client;
    // The SDK types its listeners as `() => unknown`; the payloads are documented per event.
    const on = client.on.bind(client) as (event: string, listener: (payload: never) => void) => void;
    on(sdk.BroadcastClientEvents.CONNECTION_STATE_CHANGE, (state: string) => {
      if (this.client === client) this.connectionChanged(state);
    });
    on(sdk.BroadcastClientEvents.ERROR, (e: { message?: string }) => {
      if (this.client === client && this.current !== 'reconnecting') this.fail('BROADCAST_ERROR', e.message ?? 'The broadcast failed.');
    });
    const video = new MediaStream(this.programme!.getVideoTracks());
    const audio = new MediaStream(this.programme!.getAudioTracks());
    await client.addVideoInputDevice(video, 'programme', { index: 0 });
    if (audio.getAudioTracks().length) await client.addAudioInputDevice(audio, 'programme-audio');
    const refused = await client.startBroadcast(this.streamKey!, this.ingestEndpoint);
    if (refused) throw refused;
  }

  /**
   * The SDK's WebRTC connection state. Mid-show, `disconnected` (or connecting again) may still
   * come back by itself: the sink says `reconnecting`. A connection that failed or closed does
   * not: a new client connects (a new stream, joined to the recording by its reconnect window),
   * retried on broadcast-reconnect's schedule until its limit.
   */
  private connectionChanged(state: string): void {
    if (state === 'connected') {
      if (this.current === 'reconnecting' || this.current === 'connecting') this.setState('live');
      clearTimeout(this.retry?.timer);
      this.retry = undefined;
      return;
    }
    if (this.current !== 'live' && this.current !== 'reconnecting') return;
    if (state === 'disconnected' || state === 'connecting' || state === 'new') {
      this.beginReconnect(false);
    } else if (state === 'failed' || state === 'closed') {
      this.beginReconnect(true);
    }
  }

  private beginReconnect(newClient: boolean): void {
    this.retry ??= { since: Date.now(), attempt: 0 };
    this.setState('reconnecting');
    if (this.retry.timer === undefined || newClient) this.scheduleRetry(newClient);
  }

  /** Waits the schedule's next delay; then a new client connects when asked, or the SDK's own recovery is given up on. */
  private scheduleRetry(newClient: boolean): void {
    const retry = this.retry;
    if (!retry) return;
    clearTimeout(retry.timer);
    // Waiting on the SDK's own recovery: the whole limit; a new client: the schedule's delay.
    const delay = newClient
      ? reconnectDelay(retry.attempt, Date.now() - retry.since)
      : BROADCAST_RECONNECT_LIMIT_MS - (Date.now() - retry.since);
    if (delay === null || delay <= 0) {
      this.fail('CONNECTION_LOST', 'The connection to Amazon IVS was lost.');
      return;
    }
    retry.timer = setTimeout(() => {
      if (this.retry !== retry || this.current !== 'reconnecting') return;
      if (!newClient) {
        this.fail('CONNECTION_LOST', 'The connection to Amazon IVS was lost.');
        return;
      }
      retry.attempt += 1;
      const old = this.client;
      this.client = null;
      old?.delete();
      this.open().then(
        () => {
          if (this.retry !== retry) return;
          this.retry = undefined;
          this.setState('live');
        },
        () => {
          if (this.retry === retry && this.current === 'reconnecting') this.scheduleRetry(true);
        },
      );
    }, delay);
  }

  async stop(): Promise<void> {
    clearTimeout(this.retry?.timer);
    this.retry = undefined;
    const client = this.client;
    this.client = null;
    if (client) {
      client.stopBroadcast();
      client.delete();
    }
    if (this.current !== 'idle') this.setState('stopped');
  }

  /** IVS has no "keep the stream": the connection closes as on stop, and the next encoder starts a stream of its own. */
  release(): Promise<void> {
    return this.stop();
  }

  private fail(code: string, message: string): void {
    clearTimeout(this.retry?.timer);
    this.retry = undefined;
    const client = this.client;
    this.client = null;
    client?.delete();
    this.setState('failed', { code, message });
  }

  private setState(state: BroadcastSinkState, error?: BroadcastSinkError): void {
    if (state === this.current && !error) return;
    this.current = state;
    for (const l of this.listeners) l(state, error);
  }
}

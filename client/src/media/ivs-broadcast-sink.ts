import type * as IvsSdk from 'amazon-ivs-web-broadcast';
import type { BroadcastSink, BroadcastSinkError, BroadcastSinkState } from './broadcast-sink';
import type { BroadcastPreset } from './broadcast-preset';

export type IvsBroadcastSdk = Pick<typeof IvsSdk, 'create' | 'BroadcastClientEvents' | BroadcastPreset>;

/**
 * The IVS broadcast client fed the programme: the composite canvas stream as its one video
 * input and the mixed audio as its one audio input, sent to the channel's ingest endpoint.
 * The SDK is loaded on first start, so local-only use never downloads it. Started again after a
 * reload (`resume`), it connects the same way: IVS makes it a new stream, and the recording
 * configuration's reconnect window (recordingReconnectWindowSeconds) keeps one recording.
 */
export class IvsBroadcastSink implements BroadcastSink {
  private current: BroadcastSinkState = 'idle';
  private client: IvsSdk.AmazonIVSBroadcastClient | null = null;
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
    if (this.current === 'connecting' || this.current === 'live') throw { code: 'ALREADY_STARTED', message: 'Already live.' };
    this.setState('connecting');
    try {
      const sdk = await this.loadSdk();
      const client = sdk.create({ streamConfig: sdk[this.preset], ingestEndpoint: this.ingestEndpoint });
      this.client = client;
      // The SDK types its listeners as `() => unknown`; the payloads are documented per event.
      const on = client.on.bind(client) as (event: string, listener: (payload: never) => void) => void;
      on(sdk.BroadcastClientEvents.CONNECTION_STATE_CHANGE, (state: string) => {
        if (this.client !== client) return;
        if (state === 'connected') this.setState('live');
        if (state === 'disconnected' && this.current === 'live') this.fail('CONNECTION_LOST', 'The connection to Amazon IVS was lost.');
      });
      on(sdk.BroadcastClientEvents.ERROR, (e: { message?: string }) => {
        if (this.client === client) this.fail('BROADCAST_ERROR', e.message ?? 'The broadcast failed.');
      });
      const video = new MediaStream(programme.getVideoTracks());
      const audio = new MediaStream(programme.getAudioTracks());
      await client.addVideoInputDevice(video, 'programme', { index: 0 });
      if (audio.getAudioTracks().length) await client.addAudioInputDevice(audio, 'programme-audio');
      const refused = await client.startBroadcast(streamKey, this.ingestEndpoint);
      if (refused) throw refused;
      this.setState('live');
    } catch (e) {
      const err = { code: 'BROADCAST_FAILED', message: (e as { message?: string })?.message ?? 'Amazon IVS refused the broadcast.' };
      this.fail(err.code, err.message);
      throw err;
    }
  }

  async stop(): Promise<void> {
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

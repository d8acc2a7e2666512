import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import type { BroadcastSinkState } from './broadcast-sink';
import { BROADCAST_RECONNECT_LIMIT_MS } from './broadcast-reconnect';
import { IvsBroadcastSink, type IvsBroadcastSdk } from './ivs-broadcast-sink';

// A stand-in for the broadcast SDK's client: records what it was asked and lets the test fire its connection states.
class FakeClient {
  static made: FakeClient[] = [];
  readonly listeners = new Map<string, ((p: unknown) => void)[]>();
  deleted = false;
  started = 0;
  constructor() {
    FakeClient.made.push(this);
  }
  on(event: string, l: (p: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
  }
  fire(event: string, p: unknown) {
    for (const l of this.listeners.get(event) ?? []) l(p);
  }
  addVideoInputDevice() {
    return Promise.resolve();
  }
  addAudioInputDevice() {
    return Promise.resolve();
  }
  startBroadcast() {
    this.started += 1;
    return Promise.resolve();
  }
  stopBroadcast() {}
  delete() {
    this.deleted = true;
  }
}
const sdk = {
  create: () => new FakeClient(),
  BroadcastClientEvents: { CONNECTION_STATE_CHANGE: 'connectionStateChange', ERROR: 'clientError' },
  STANDARD_LANDSCAPE: {},
} as unknown as IvsBroadcastSdk;
const programme = { getVideoTracks: () => [], getAudioTracks: () => [] } as unknown as MediaStream;
const state = (c: FakeClient, s: string) => c.fire('connectionStateChange', s);

async function liveSink(): Promise<{ sink: IvsBroadcastSink; states: BroadcastSinkState[]; codes: (string | undefined)[] }> {
  const sink = new IvsBroadcastSink('rtmps://x', 'STANDARD_LANDSCAPE' as never, () => Promise.resolve(sdk));
  const states: BroadcastSinkState[] = [];
  const codes: (string | undefined)[] = [];
  sink.onStateChange((s, e) => {
    states.push(s);
    codes.push(e?.code);
  });
  await sink.start(programme, 'sk_key');
  return { sink, states, codes };
}

describe('IvsBroadcastSink riding out a dropped connection', () => {
  beforeEach(() => {
    FakeClient.made = [];
    (globalThis as { MediaStream?: unknown }).MediaStream = class {
      constructor(readonly tracks: unknown[]) {}
      getAudioTracks() {
        return this.tracks;
      }
    };
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('a disconnection mid-show is “reconnecting” until the SDK connects again', async () => {
    const { sink, states } = await liveSink();
    const [client] = FakeClient.made;
    state(client!, 'disconnected');
    expect(sink.state).toBe('reconnecting');
    state(client!, 'connected');
    expect(sink.state).toBe('live');
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    // Nothing left pending: the limit passing later does not fail a healthy broadcast.
    await jest.advanceTimersByTimeAsync(BROADCAST_RECONNECT_LIMIT_MS + 1_000);
    expect(sink.state).toBe('live');
  });

  test('a failed connection is replaced by a new client, which carries the broadcast on', async () => {
    const { sink } = await liveSink();
    state(FakeClient.made[0]!, 'failed');
    expect(sink.state).toBe('reconnecting');
    await jest.advanceTimersByTimeAsync(300);
    expect(FakeClient.made).toHaveLength(2);
    expect(FakeClient.made[0]!.deleted).toBe(true);
    expect(FakeClient.made[1]!.started).toBe(1);
    expect(sink.state).toBe('live');
    // Events of the old client no longer count.
    state(FakeClient.made[0]!, 'disconnected');
    expect(sink.state).toBe('live');
  });

  test('a connection that does not come back within the limit fails with CONNECTION_LOST', async () => {
    const { sink, codes } = await liveSink();
    state(FakeClient.made[0]!, 'disconnected');
    await jest.advanceTimersByTimeAsync(BROADCAST_RECONNECT_LIMIT_MS - 1_000);
    expect(sink.state).toBe('reconnecting');
    await jest.advanceTimersByTimeAsync(1_500);
    expect(sink.state).toBe('failed');
    expect(codes.at(-1)).toBe('CONNECTION_LOST');
  });

  test('stopping while reconnecting ends it without a later try', async () => {
    const { sink } = await liveSink();
    state(FakeClient.made[0]!, 'failed');
    await sink.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sink.state).toBe('stopped');
    expect(FakeClient.made).toHaveLength(1);
  });
});

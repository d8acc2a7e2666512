import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import type { BroadcastSinkState } from './broadcast-sink';
import { BROADCAST_RECONNECT_LIMIT_MS } from './broadcast-reconnect';
import { LocalIngestSink } from './local-ingest-sink';

// Stand-ins for the browser's WebSocket and MediaRecorder: the test plays the ingest's side.
class FakeSocket {
  static readonly OPEN = 1;
  static made: FakeSocket[] = [];
  readyState = 0;
  binaryType = '';
  sent: unknown[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  bufferedAmount = 0;
  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }
  send(m: unknown) {
    this.sent.push(m);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  /** The ingest accepts the connection and answers `start` with `answer`. */
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  answer(m: object) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  /** The network drops it. */
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
  get start(): { resume?: boolean } {
    return JSON.parse(this.sent[0] as string);
  }
}
class FakeRecorder {
  static made: FakeRecorder[] = [];
  static isTypeSupported = () => true;
  state = 'inactive';
  ondataavailable: unknown = null;
  constructor() {
    FakeRecorder.made.push(this);
  }
  start() {
    this.state = 'recording';
  }
  stop() {
    this.state = 'inactive';
  }
  addEventListener(_: string, fn: () => void) {
    fn();
  }
}
const last = () => FakeSocket.made.at(-1)!;

async function liveSink() {
  const sink = new LocalIngestSink({ ingestUrl: 'ws://ingest' });
  const states: BroadcastSinkState[] = [];
  const codes: (string | undefined)[] = [];
  sink.onStateChange((s, e) => {
    states.push(s);
    codes.push(e?.code);
  });
  const started = sink.start({} as MediaStream, 'sk_key');
  last().open();
  last().answer({ t: 'live', streamId: 'st-1' });
  await started;
  return { sink, states, codes };
}

describe('LocalIngestSink riding out a dropped connection', () => {
  beforeEach(() => {
    FakeSocket.made = [];
    FakeRecorder.made = [];
    Object.assign(globalThis, { WebSocket: FakeSocket, MediaRecorder: FakeRecorder });
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  test('an unasked close mid-show reconnects with resume and records afresh', async () => {
    const { sink, states } = await liveSink();
    expect(FakeSocket.made[0]!.start.resume).toBeUndefined();
    last().drop();
    expect(sink.state).toBe('reconnecting');
    expect(FakeRecorder.made[0]!.state).toBe('inactive');
    await jest.advanceTimersByTimeAsync(250);
    expect(FakeSocket.made).toHaveLength(2);
    last().open();
    expect(last().start.resume).toBe(true);
    last().answer({ t: 'live', streamId: 'st-1' });
    expect(sink.state).toBe('live');
    // A new recorder: a new WebM file, which the ingest appends after the last.
    expect(FakeRecorder.made).toHaveLength(2);
    expect(FakeRecorder.made[1]!.state).toBe('recording');
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  test('keeps trying while the network is down, and while the ingest still holds the dead connection', async () => {
    const { sink } = await liveSink();
    last().drop();
    await jest.advanceTimersByTimeAsync(250);
    last().drop(); // refused: still no network
    await jest.advanceTimersByTimeAsync(500);
    last().open();
    last().answer({ t: 'error', code: 'SOURCE_CONNECTED', message: 'busy' });
    expect(sink.state).toBe('reconnecting');
    await jest.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.made).toHaveLength(4);
    last().open();
    last().answer({ t: 'live', streamId: 'st-1' });
    expect(sink.state).toBe('live');
  });

  test('a try that never answers is given up for the next', async () => {
    const { sink } = await liveSink();
    last().drop();
    await jest.advanceTimersByTimeAsync(250);
    const hung = last();
    await jest.advanceTimersByTimeAsync(8_200);
    expect(hung.closed).toBe(true);
    await jest.advanceTimersByTimeAsync(500);
    expect(FakeSocket.made).toHaveLength(3);
    expect(sink.state).toBe('reconnecting');
  });

  test('fails at once when the ingest has nothing left to carry on (its grace is over)', async () => {
    const { sink, codes } = await liveSink();
    last().drop();
    await jest.advanceTimersByTimeAsync(250);
    last().open();
    last().answer({ t: 'error', code: 'NOTHING_TO_RESUME', message: 'gone' });
    await jest.advanceTimersByTimeAsync(0);
    expect(sink.state).toBe('failed');
    expect(codes.at(-1)).toBe('NOTHING_TO_RESUME');
  });

  test('fails with CONNECTION_LOST once the tries are over', async () => {
    const { sink, codes } = await liveSink();
    last().drop();
    for (let t = 0; t < BROADCAST_RECONNECT_LIMIT_MS + 2_000 && sink.state === 'reconnecting'; t += 250) {
      await jest.advanceTimersByTimeAsync(250);
      if (last().readyState === 0) last().drop();
    }
    expect(sink.state).toBe('failed');
    expect(codes.at(-1)).toBe('CONNECTION_LOST');
    const tries = FakeSocket.made.length - 1;
    expect(tries).toBeGreaterThan(30);
  });

  test('stop while reconnecting ends it with no further try', async () => {
    const { sink } = await liveSink();
    last().drop();
    await sink.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sink.state).toBe('stopped');
    expect(FakeSocket.made).toHaveLength(1);
  });
});

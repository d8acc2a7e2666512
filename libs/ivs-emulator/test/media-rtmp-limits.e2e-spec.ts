import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { CreateChannelCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { RtmpIngestServer } from '@streamcat/ivs-emulator';
import { encodeAmf0 } from '../src/media/rtmp/rtmp-amf0';
import { encodeChunks, MessageType } from '../src/media/rtmp/rtmp-chunks';
import { MediaApp, startMediaApp } from './support/media-app';

/** A hand-driven RTMP peer: handshake, then whatever bytes the test wants to send. */
class RawRtmpPeer {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;

  private constructor(port: number, from?: string) {
    this.socket = connect({ port, host: '127.0.0.1', ...(from ? { localAddress: from } : {}) });
    this.socket.on('data', (d: Buffer) => (this.received = Buffer.concat([this.received, d])));
    this.socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  static async handshake(port: number, from?: string): Promise<RawRtmpPeer> {
    const peer = await RawRtmpPeer.tryHandshake(port, from);
    if (!peer.admitted) throw new Error('the server closed the connection during the handshake');
    return peer;
  }

  /** Connects from `from` (any 127.x address) and handshakes; `admitted` false if the server hung up instead of answering. */
  static async tryHandshake(port: number, from?: string): Promise<RawRtmpPeer & { admitted: boolean }> {
    const peer = new RawRtmpPeer(port, from);
    await new Promise<void>((resolve) => peer.socket.once('connect', () => resolve()));
    peer.socket.write(Buffer.concat([Buffer.from([3]), randomBytes(1536)]));
    const admitted = await peer.until(() => peer.received.length >= 1 + 1536 * 2);
    if (admitted) peer.socket.write(randomBytes(1536));
    peer.received = Buffer.alloc(0);
    return Object.assign(peer, { admitted });
  }

  command(...values: Parameters<typeof encodeAmf0>): void {
    this.socket.write(
      encodeChunks({ chunkStreamId: 3, type: MessageType.CommandAmf0, timestamp: 0, streamId: 0, payload: encodeAmf0(...values) }, 128),
    );
  }

  /** Resolves when `done()` holds, or when the server hangs up (then `done` decides the outcome). */
  async until(done: () => boolean, timeoutMs = 5_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && !this.socket.destroyed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return done();
  }

  /** True when the server closed the connection within `ms`. */
  closesWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  }
}

/**
 * The RTMP port is open to anyone who can reach it: until a publish with a valid key is
 * accepted, a peer may send only what an encoder sends to get there (a few small commands).
 */
describe('RTMP ingest before publish: only small commands, then a valid key', () => {
  let env: MediaApp;
  let port: number;

  beforeAll(async () => {
    env = await startMediaApp({ rtmpPort: 0, rtmpHost: '127.0.0.1' });
    port = env.app.get(RtmpIngestServer).port!;
  }, 60_000);

  afterAll(() => env?.close());

  it('hangs up on a message announced at 1 MiB before publish, from its header alone', async () => {
    const peer = await RawRtmpPeer.handshake(port);
    // fmt 0 chunk header on csid 6: video, 1 MiB; not one payload byte follows.
    peer.socket.write(Buffer.from([0x06, 0, 0, 0, 0x10, 0x00, 0x00, 9, 1, 0, 0, 0]));
    expect(await peer.closesWithin(3_000)).toBe(true);
  });

  it('hangs up on a peer that streams a large message before publish, long before it is all sent', async () => {
    const peer = await RawRtmpPeer.handshake(port);
    const huge = encodeChunks(
      { chunkStreamId: 4, type: MessageType.Audio, timestamp: 0, streamId: 1, payload: Buffer.alloc(8 * 1024 * 1024) },
      128,
    );
    let sent = 0;
    while (!peer.socket.destroyed && sent < huge.length) {
      const piece = huge.subarray(sent, sent + 64 * 1024);
      sent += piece.length;
      if (!peer.socket.write(piece)) await Promise.race([new Promise((r) => peer.socket.once('drain', r)), peer.closed]);
    }
    expect(await peer.closesWithin(3_000)).toBe(true);
    expect(sent).toBeLessThan(huge.length);
  });

  it('hangs up on a peer that keeps talking without publishing', async () => {
    const peer = await RawRtmpPeer.handshake(port);
    const ack = Buffer.alloc(4);
    ack.writeUInt32BE(2_500_000);
    for (let i = 0; i < 100 && !peer.socket.destroyed; i++) {
      peer.socket.write(encodeChunks({ chunkStreamId: 2, type: MessageType.WindowAckSize, timestamp: 0, streamId: 0, payload: ack }, 128));
    }
    expect(await peer.closesWithin(3_000)).toBe(true);
  });

  it('refuses a wrong key with BadName and hangs up without taking media; a valid key may then send media-sized messages', async () => {
    const out = await env.ivs.send(new CreateChannelCommand({ name: 'rtmp-limits' }));
    const wrong = await RawRtmpPeer.handshake(port);
    wrong.command('connect', 1, { app: 'app', type: 'nonprivate', tcUrl: `rtmp://127.0.0.1:${port}/app` });
    wrong.command('createStream', 2, null);
    wrong.command('publish', 3, null, 'sk_us-east-1_notakey', 'live');
    expect(await wrong.until(() => wrong.received.includes('NetStream.Publish.BadName'))).toBe(true);
    expect(await wrong.closesWithin(3_000)).toBe(true);
    await expect(env.ivs.send(new GetStreamCommand({ channelArn: out.channel!.arn! }))).rejects.toMatchObject({
      name: 'ChannelNotBroadcasting',
    });

    const right = await RawRtmpPeer.handshake(port);
    right.command('connect', 1, { app: 'app', type: 'nonprivate', tcUrl: `rtmp://127.0.0.1:${port}/app` });
    right.command('createStream', 2, null);
    right.command('publish', 3, null, out.streamKey!.value!, 'live');
    expect(await right.until(() => right.received.includes('NetStream.Publish.Start'))).toBe(true);
    // An AAC sequence header padded to 64 KiB: far above the pre-publish limit, fine for a publisher.
    right.socket.write(
      encodeChunks(
        {
          chunkStreamId: 4,
          type: MessageType.Audio,
          timestamp: 0,
          streamId: 1,
          payload: Buffer.concat([Buffer.from([0xaf, 0]), Buffer.alloc(64 * 1024)]),
        },
        128,
      ),
    );
    expect(await right.closesWithin(1_000)).toBe(false);
    right.socket.destroy();
  });
});

/** A flood of connections that never publish is refused at accept, per client address and overall. */
describe('RTMP ingest: connections without an accepted publish are capped', () => {
  let env: MediaApp;
  let port: number;
  const peers: RawRtmpPeer[] = [];

  beforeAll(async () => {
    env = await startMediaApp({ rtmpPort: 0, rtmpHost: '127.0.0.1', rtmpPendingLimits: { perAddress: 2, overall: 3 } });
    port = env.app.get(RtmpIngestServer).port!;
  }, 60_000);

  afterAll(async () => {
    for (const p of peers) p.socket.destroy();
    await env?.close();
  });

  async function attempt(from: string): Promise<boolean> {
    const peer = await RawRtmpPeer.tryHandshake(port, from);
    peers.push(peer);
    return peer.admitted;
  }

  it('refuses a third stranger from one address and a fourth overall; a closed or publishing connection frees its place', async () => {
    const first = await RawRtmpPeer.handshake(port, '127.0.0.1');
    const second = await RawRtmpPeer.handshake(port, '127.0.0.1');
    peers.push(first, second);
    expect(await attempt('127.0.0.1')).toBe(false);
    expect(await attempt('127.0.0.2')).toBe(true);
    expect(await attempt('127.0.0.3')).toBe(false);

    // A stranger that leaves frees its place (the server learns of the close asynchronously).
    first.socket.destroy();
    const deadline = Date.now() + 5_000;
    let admitted = false;
    while (!admitted && Date.now() < deadline) admitted = await attempt('127.0.0.3');
    expect(admitted).toBe(true);
    expect(await attempt('127.0.0.4')).toBe(false);

    // So does a publisher once its key is accepted: it is no longer a stranger.
    const out = await env.ivs.send(new CreateChannelCommand({ name: 'rtmp-admission' }));
    second.command('connect', 1, { app: 'app', type: 'nonprivate', tcUrl: `rtmp://127.0.0.1:${port}/app` });
    second.command('createStream', 2, null);
    second.command('publish', 3, null, out.streamKey!.value!, 'live');
    expect(await second.until(() => second.received.includes('NetStream.Publish.Start'))).toBe(true);
    expect(await attempt('127.0.0.4')).toBe(true);
    expect(second.socket.destroyed).toBe(false);
  });
});

import { execFileSync } from 'node:child_process';
import { CreateChannelCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { CreateParticipantTokenCommand, CreateStageCommand } from '@aws-sdk/client-ivs-realtime';
import { WebSocket } from 'ws';
import { eventually, MediaApp, startMediaApp } from './support/media-app';
import { StageSocket } from './support/stage-socket';

/** Opens a raw socket on a media path and records what the server says and how it closes. */
async function rawSocket(baseUrl: string, path: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${path}`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const said: { t: string; code?: string; fatal?: boolean }[] = [];
  ws.on('message', (d) => said.push(JSON.parse(d.toString())));
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return { ws, said, closed };
}

/** Resolves with the close code, or 'open' when the socket is still open after `ms`. */
function closeWithin(closed: Promise<number>, ms: number): Promise<number | 'open'> {
  return Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
}

/**
 * The media websockets are reachable by anyone: each reads nothing beyond a small credential
 * message (stream key, participant token) until that credential is accepted.
 */
describe('media websockets check their credential before anything else', () => {
  let env: MediaApp;

  beforeAll(async () => {
    env = await startMediaApp({});
  }, 60_000);

  afterAll(() => env?.close());

  describe('stage signalling (/_ivs/stage/events)', () => {
    async function token(capabilities: ('PUBLISH' | 'SUBSCRIBE')[] = ['SUBSCRIBE']) {
      const { stage } = await env.realtime.send(new CreateStageCommand({}));
      const out = await env.realtime.send(new CreateParticipantTokenCommand({ stageArn: stage!.arn!, userId: 'u', capabilities }));
      return out.participantToken!.token!;
    }

    it('ends a socket that sends anything but join first', async () => {
      const s = await rawSocket(env.baseUrl, '/_ivs/stage/events');
      s.ws.send(JSON.stringify({ t: 'subscribe', participantId: 'abc', sdp: 'v=0 '.repeat(10), type: 'audio_video' }));
      expect(await closeWithin(s.closed, 3_000)).toBe(4401);
      expect(s.said).toEqual([expect.objectContaining({ t: 'error', code: 'NOT_JOINED', fatal: true })]);
    });

    it('ends a socket that sends an unreadable or binary message before join', async () => {
      const s = await rawSocket(env.baseUrl, '/_ivs/stage/events');
      s.ws.send(Buffer.from([1, 2, 3]));
      expect(await closeWithin(s.closed, 3_000)).toBe(4400);
      expect(s.said[0]).toMatchObject({ code: 'BAD_MESSAGE', fatal: true });
    });

    it('refuses a message of 100 KB before join from its frame header (1009), not after reading it', async () => {
      const s = await rawSocket(env.baseUrl, '/_ivs/stage/events');
      s.ws.send(JSON.stringify({ t: 'join', token: 'x'.repeat(100 * 1024) }));
      expect(await closeWithin(s.closed, 3_000)).toBe(1009);
    });

    it('refuses a forged token, and anything sent while a token is being checked', async () => {
      const forged = await rawSocket(env.baseUrl, '/_ivs/stage/events');
      forged.ws.send(JSON.stringify({ t: 'join', token: 'eyJhbGciOiJFUzM4NCJ9.eyJ4IjoxfQ.c2ln' }));
      expect(await closeWithin(forged.closed, 3_000)).toBe(4401);
      expect(forged.said[0]).toMatchObject({ t: 'error', code: 'TOKEN_INVALID', fatal: true });

      const eager = await rawSocket(env.baseUrl, '/_ivs/stage/events');
      eager.ws.send(JSON.stringify({ t: 'join', token: await token() }));
      eager.ws.send(JSON.stringify({ t: 'mute', audioMuted: true, videoStopped: true }));
      expect(await closeWithin(eager.closed, 3_000)).toBe(4401);
      expect(eager.said.map((m) => m.code)).toContain('NOT_JOINED');
    });

    it('lets a joined participant send SDP-sized messages', async () => {
      const s = await StageSocket.open(env.baseUrl);
      s.send({ t: 'join', token: await token() });
      await s.next('joined');
      // 100 KB: above the pre-join limit, within the joined one (unknown fields are ignored).
      s.send({ t: 'mute', audioMuted: true, videoStopped: false, padding: 'x'.repeat(100 * 1024) });
      expect(await s.next('participant-updated')).toMatchObject({ participant: { audioMuted: true } });
      expect(s.closeCode).toBeUndefined();
      s.close();
    });
  });

  describe('browser channel ingest (/_ivs/ingest)', () => {
    async function channel() {
      const out = await env.ivs.send(new CreateChannelCommand({ name: `sock-${Math.random().toString(36).slice(2, 8)}` }));
      return { arn: out.channel!.arn!, key: out.streamKey!.value! };
    }

    it('ends a socket that sends media before its start message', async () => {
      const s = await rawSocket(env.baseUrl, '/_ivs/ingest');
      s.ws.send(Buffer.alloc(1000, 1));
      expect(await closeWithin(s.closed, 3_000)).toBe(4403);
      expect(s.said[0]).toMatchObject({ t: 'error', code: 'BAD_MESSAGE' });
    });

    it('refuses a 1 MB frame before the key is accepted from its header (1009)', async () => {
      const s = await rawSocket(env.baseUrl, '/_ivs/ingest');
      s.ws.send(Buffer.alloc(1024 * 1024, 1));
      expect(await closeWithin(s.closed, 3_000)).toBe(1009);
    });

    it('refuses a wrong key before taking any media, and nothing goes live', async () => {
      const ch = await channel();
      const s = await rawSocket(env.baseUrl, '/_ivs/ingest');
      s.ws.send(JSON.stringify({ t: 'start', streamKey: `${ch.key}x`, mimeType: 'video/webm;codecs=h264,opus' }));
      expect(await closeWithin(s.closed, 3_000)).toBe(4403);
      expect(s.said[0]).toMatchObject({ t: 'error', code: 'STREAM_KEY_INVALID' });
      await expect(env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).rejects.toMatchObject({ name: 'ChannelNotBroadcasting' });
    });

    it('takes programme-sized chunks once the key is accepted', async () => {
      const ch = await channel();
      const s = await rawSocket(env.baseUrl, '/_ivs/ingest');
      s.ws.send(JSON.stringify({ t: 'start', streamKey: ch.key, mimeType: 'video/webm;codecs=h264,opus' }));
      await eventually(async () => s.said.find((m) => m.t === 'live'), 10_000, 50);
      const sample = execFileSync('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15:duration=3'],
        ...[
          '-f',
          'lavfi',
          '-i',
          'sine=duration=3',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-c:a',
          'libopus',
          '-f',
          'matroska',
          'pipe:1',
        ],
      ]);
      expect(sample.length).toBeGreaterThan(4 * 1024);
      s.ws.send(sample);
      await eventually(
        async () => (await env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).stream?.state === 'LIVE',
        10_000,
        100,
      );
      expect(await closeWithin(s.closed, 0)).toBe('open');
      s.ws.send(JSON.stringify({ t: 'stop' }));
      s.ws.close();
    });
  });
});

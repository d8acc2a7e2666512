import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { packagedFfmpegPath } from '../src/media/packaged-ffmpeg';
import { call, register, startTestApp, TestApp } from './support/test-app';

/** The local media plane as mounted by the real server (health, ingest refusal without ffmpeg). */
describe('local media plane in the server', () => {
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
  });

  it('reports ffmpeg as available in /api/health when it is installed, and which one', async () => {
    app = await startTestApp();
    const res = await call(app.url, 'GET', '/api/health');
    expect(res.body.ffmpeg).toEqual({ status: 'available', source: 'path', version: expect.stringMatching(/^\S+$/) });
  });

  it('with no ffmpeg on the PATH, going live uses the one packaged with StreamCat (npm optional dependency)', async () => {
    const packaged = packagedFfmpegPath()!;
    // Two seconds of H.264 + Opus in Matroska (what MediaRecorder sends), made by the packaged ffmpeg.
    const programme = execFileSync(packaged, [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=15:duration=3'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15'],
      ...['-c:a', 'libopus', '-f', 'matroska', 'pipe:1'],
    ]);
    const path = process.env.PATH;
    // A PATH without ffmpeg, as on a machine where only `npm start` was run.
    process.env.PATH = mkdtempSync(join(tmpdir(), 'no-ffmpeg-'));
    try {
      app = await startTestApp();
      const res = await call(app.url, 'GET', '/api/health');
      expect(res.body.ffmpeg).toEqual({ status: 'available', source: 'packaged', version: expect.stringMatching(/^N-\d+/) });

      const user = await register(app.url);
      const me = await call(app.url, 'GET', '/api/me', undefined, user.accessToken);
      const creds = await call(app.url, 'GET', '/api/me/channel/credentials', undefined, user.accessToken);
      const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/_ivs/ingest`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const reply = new Promise<{ t: string }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
      ws.send(JSON.stringify({ t: 'start', streamKey: creds.body.streamKey, mimeType: 'video/webm;codecs=h264,opus' }));
      expect(await reply).toMatchObject({ t: 'live' });
      ws.send(programme);
      // The channel's playback URL (PUBLIC_URL is not this test server's port) answers once the packaged ffmpeg cut a segment.
      const playback = new URL(new URL(me.body.channel.playbackUrl).pathname, app.url);
      const deadline = Date.now() + 20_000;
      while (!(await fetch(playback)).ok) {
        if (Date.now() > deadline) throw new Error('the live playlist never appeared');
        await new Promise((r) => setTimeout(r, 250));
      }
      ws.send(JSON.stringify({ t: 'stop' }));
      ws.close();
    } finally {
      process.env.PATH = path;
    }
  }, 60_000);

  it('FFMPEG_PATH wins over the PATH', async () => {
    app = await startTestApp({ FFMPEG_PATH: packagedFfmpegPath()! });
    const res = await call(app.url, 'GET', '/api/health');
    expect(res.body.ffmpeg).toMatchObject({ status: 'available', source: 'configured', version: expect.stringMatching(/^N-\d+/) });
  });

  it('without ffmpeg: health says so, going live is refused with the install hint, the server keeps serving', async () => {
    app = await startTestApp({ FFMPEG_PATH: '/nonexistent/ffmpeg' });
    const health = await call(app.url, 'GET', '/api/health');
    expect(health.status).toBe(200);
    expect(health.body.ffmpeg).toMatchObject({ status: 'missing', message: expect.stringContaining('apt-get install ffmpeg') });

    const user = await register(app.url);
    const creds = await call(app.url, 'GET', '/api/me/channel/credentials', undefined, user.accessToken);
    const ws = new WebSocket(`${app.url.replace(/^http/, 'ws')}/_ivs/ingest`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const reply = new Promise<{ t: string; code: string; message: string }>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(d.toString()))),
    );
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(JSON.stringify({ t: 'start', streamKey: creds.body.streamKey, mimeType: 'video/webm;codecs=h264,opus' }));
    expect(await reply).toMatchObject({ t: 'error', code: 'INGEST_UNAVAILABLE', message: expect.stringContaining('FFMPEG_PATH') });
    expect(await closed).toBe(4503);
    expect((await call(app.url, 'GET', '/api/health')).status).toBe(200);
  });
});

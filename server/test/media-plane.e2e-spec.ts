import { WebSocket } from 'ws';
import { call, register, startTestApp, TestApp } from './support/test-app';

/** The local media plane as mounted by the real server (health, ingest refusal without ffmpeg). */
describe('local media plane in the server', () => {
  let app: TestApp;

  afterEach(async () => {
    await app?.close();
  });

  it('reports ffmpeg as available in /api/health when it is installed', async () => {
    app = await startTestApp();
    const res = await call(app.url, 'GET', '/api/health');
    expect(res.body.ffmpeg).toEqual({ status: 'available' });
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

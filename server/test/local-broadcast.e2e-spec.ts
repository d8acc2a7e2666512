import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { eventually } from '../../test/support/eventually';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * A broadcast through the local media plane reaches the same event pipeline as AWS's
 * EventBridge events: the channel goes live, then offline, and the recording becomes a VOD.
 * The programme is a short H.264 + Opus Matroska file (what MediaRecorder sends), paced
 * over the ingest websocket like a browser would.
 */
describe('local broadcast → IVS events → channel state and VOD', () => {
  const t = useTestApp();
  let dir: string;
  let media: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sc-programme-'));
    const file = join(dir, 'programme.mkv');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x180:rate=15',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      '6',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '15',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'libopus',
      '-f',
      'matroska',
      file,
    ]);
    media = readFileSync(file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const channelRow = async (name: string) =>
    (await t.pg.query('SELECT is_live, current_stream_id FROM channels WHERE name = $1', [name])).rows[0] as {
      is_live: boolean;
      current_stream_id: string | null;
    };

  const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>) => eventually(what, fn, 20_000, 200);

  it('goes live, ends, and lists the recording', async () => {
    const host = await register(t.url);
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, host.accessToken);
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/_ivs/ingest`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const messages: { t: string }[] = [];
    ws.on('message', (d, binary) => {
      if (!binary) messages.push(JSON.parse(d.toString()));
    });
    ws.send(JSON.stringify({ t: 'start', streamKey: creds.body.streamKey, mimeType: 'video/webm;codecs=h264,opus' }));
    // Like LocalIngestSink: media only after the server says the ingest is ready.
    await until('the ingest to accept the stream', async () => messages.some((m) => m.t === 'live'));

    // Pace the file at roughly real time (6 s of media), 16 KB at a time: a live source, not a wait for an event.
    const chunk = 16 * 1024;
    const pause = Math.max(20, Math.floor(6000 / Math.ceil(media.length / chunk)));
    for (let i = 0; i < media.length; i += chunk) {
      ws.send(media.subarray(i, i + chunk));
      await new Promise((r) => setTimeout(r, pause));
    }
    const live = await until(`the channel to be live (ingest said ${JSON.stringify(messages)})`, async () => {
      const row = await channelRow(host.user.username);
      return row.is_live ? row : null;
    });
    expect(live.current_stream_id).toMatch(/^st-/);
    expect(messages.map((m) => m.t)).toContain('live');

    ws.send(JSON.stringify({ t: 'stop' }));
    await until('the channel to be offline', async () => !(await channelRow(host.user.username)).is_live);
    ws.close();

    const vod = await until('the recording to be listed', async () => {
      const page = await call(t.url, 'GET', `/api/channels/${host.user.username}/streams`);
      return page.body.items.find((s: { recordingUrl: string | null }) => s.recordingUrl) ?? null;
    });
    expect(vod).toMatchObject({ streamId: live.current_stream_id, startedAt: expect.any(String), endedAt: expect.any(String) });
    expect(vod.recordingDurationMs).toBeGreaterThan(1000);
    // Test apps listen on a random port while PUBLIC_URL says :0, so fetch the same path here.
    expect(vod.recordingUrl).toMatch(/\/_ivs\/recordings\/ivs\/v1\/\d{12}\/[A-Za-z0-9]+\/.+\/media\/hls\/master\.m3u8$/);
    const playlist = await fetch(new URL(new URL(vod.recordingUrl).pathname, t.url));
    expect(playlist.status).toBe(200);
    expect(await playlist.text()).toContain('#EXTM3U');

    const ledger = await t.pg.query(
      `SELECT name FROM ivs_events WHERE resource_arn = (SELECT arn FROM channels WHERE name = $1) ORDER BY event_time, received_at`,
      [host.user.username],
    );
    expect(ledger.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['Session Created', 'Stream Start', 'Recording Start', 'Stream End', 'Recording End', 'Session Ended']),
    );
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ChannelNotBroadcasting,
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  GetStreamCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import type { Browser, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { eventually, launchBrowser, MediaApp, openHarness, PACKAGED_FFMPEG, startMediaApp } from './support/media-app';

declare const harness: {
  goLive(url: string, key: string): Promise<{ ok: boolean; code?: string; message?: string }>;
  stopLive(): Promise<void>;
  sinkState(): string | undefined;
  play(url: string): void;
  playback(): { currentTime: number; duration: number; readyState: number } | null;
};

/** A few seconds of H.264 + Opus in Matroska (what MediaRecorder's "WebM" with H.264 is), made by ffmpeg. */
function webmSample(seconds: number): Buffer {
  return execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=160x120:rate=15:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '15',
    '-c:a',
    'libopus',
    '-f',
    'matroska',
    'pipe:1',
  ]);
}

async function ingestSocket(baseUrl: string, streamKey: string) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/_ivs/ingest`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  const messages: Record<string, string>[] = [];
  const first = new Promise<Record<string, string>>((resolve) =>
    ws.on('message', (d) => {
      messages.push(JSON.parse(d.toString()));
      resolve(messages[0]!);
    }),
  );
  ws.send(JSON.stringify({ t: 'start', streamKey, mimeType: 'video/webm;codecs=h264,opus' }));
  return { ws, first, messages, closed };
}

// Once with the machine's ffmpeg, once with the static build npm installs as a fallback (an older
// ffmpeg: going live after `npm start` alone depends on it reading Chromium's WebM and RTMP's FLV).
describe.each([
  ['the ffmpeg on the PATH', undefined],
  ['the packaged ffmpeg (@ffmpeg-installer/linux-x64)', PACKAGED_FFMPEG],
])('channel ingest → HLS + recording + events, with %s', (_which, ffmpegPath) => {
  let env: MediaApp;
  let browser: Browser;
  const pages: Page[] = [];

  beforeAll(async () => {
    env = await startMediaApp({ starvationAfterMs: 1_000, endAfterMs: 3_000, ...(ffmpegPath ? { ffmpegPath } : {}) });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });

  async function page(): Promise<Page> {
    const p = await openHarness(browser, env.baseUrl);
    pages.push(p);
    return p;
  }

  async function channel(name: string) {
    const out = await env.ivs.send(new CreateChannelCommand({ name }));
    return { arn: out.channel!.arn!, playbackUrl: out.channel!.playbackUrl!, key: out.streamKey!.value!, keyArn: out.streamKey!.arn! };
  }

  const ingestUrl = () => `${env.baseUrl.replace(/^http/, 'ws')}/_ivs/ingest`;

  it('a page goes live; hls.js plays it; stop emits the closing events and leaves a playable VOD', async () => {
    const ch = await channel('browser-live');
    const studio = await page();
    expect(await studio.evaluate(([u, k]) => harness.goLive(u, k), [ingestUrl(), ch.key] as const)).toEqual({ ok: true });

    const playlist = await eventually(async () => ((r) => (r.ok ? r : null))(await fetch(ch.playbackUrl)), 20_000, 250);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toContain('no-cache');
    const live = await env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }));
    expect(live.stream).toMatchObject({ state: 'LIVE', health: 'HEALTHY' });

    const viewer = await page();
    await viewer.evaluate((u) => harness.play(u), ch.playbackUrl);
    const t1 = await eventually(
      async () => ((p) => (p && p.currentTime > 0.5 ? p.currentTime : null))(await viewer.evaluate(() => harness.playback())),
      20_000,
      250,
    );
    await eventually(async () => ((p) => p && p.currentTime > t1 + 1)(await viewer.evaluate(() => harness.playback())), 10_000, 250);
    // The playback URL is a master playlist whose variant lives under this player's session (as on IVS).
    const session = new URL(/^[^#].*\.m3u8$/m.exec(await (await fetch(ch.playbackUrl)).text())![0], ch.playbackUrl);
    const segment = /^[^#].*\.ts$/m.exec(await (await fetch(session)).text())![0];
    expect((await fetch(new URL(segment, session))).headers.get('content-type')).toBe('video/mp2t');
    await eventually(async () => (await env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).stream!.viewerCount! >= 1, 8_000, 250);

    await studio.evaluate(() => harness.stopLive());
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    expect(env.sink.names(ch.arn)).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    const recordingEnd = env.sink.envelopes.find((e) => e.resources[0] === ch.arn && e.detail.recording_status === 'Recording End')!;
    expect(recordingEnd.detail.recording_duration_ms).toBeGreaterThan(1_000);
    const prefix = String(recordingEnd.detail.recording_s3_key_prefix);
    expect(prefix).toMatch(/^ivs\/v1\/123456789012\/[A-Za-z0-9]+\/\d{4}\/\d{1,2}\/\d{1,2}\/\d{1,2}\/\d{1,2}\/[A-Za-z0-9]+$/);
    await expect(env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);
    expect((await fetch(ch.playbackUrl)).status).toBe(404);

    const onDisk = join(env.dataDir, 'recordings', ...prefix.split('/'));
    expect(readdirSync(join(onDisk, 'media', 'thumbnails')).some((f) => f.endsWith('.jpg'))).toBe(true);
    expect(JSON.parse(readFileSync(join(onDisk, 'events', 'recording-ended.json'), 'utf8'))).toMatchObject({
      recording_status: 'RECORDING_ENDED',
    });
    const vodUrl = `${env.baseUrl}/_ivs/recordings/${prefix}/media/hls/master.m3u8`;
    const variant = await (await fetch(new URL('source/playlist.m3u8', vodUrl))).text();
    expect(variant).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(variant).toContain('#EXT-X-ENDLIST');

    const vodViewer = await page();
    await vodViewer.evaluate((u) => harness.play(u), vodUrl);
    await eventually(async () => ((p) => p && p.currentTime > 1)(await vodViewer.evaluate(() => harness.playback())), 15_000, 250);
  }, 120_000);

  it('StopStream cuts the page at once and a rotated key is refused', async () => {
    const ch = await channel('stopped');
    const studio = await page();
    expect(await studio.evaluate(([u, k]) => harness.goLive(u, k), [ingestUrl(), ch.key] as const)).toEqual({ ok: true });
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    await env.ivs.send(new StopStreamCommand({ channelArn: ch.arn }));
    // StopStream answers after the cut: the browser is told right away.
    await eventually(async () => (await studio.evaluate(() => harness.sinkState())) === 'stopped', 2_000, 50);
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 10_000, 100);
    expect(env.sink.names(ch.arn)).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);

    await env.ivs.send(new DeleteStreamKeyCommand({ arn: ch.keyArn }));
    await env.ivs.send(new CreateStreamKeyCommand({ channelArn: ch.arn }));
    const again = await page();
    expect(await again.evaluate(([u, k]) => harness.goLive(u, k), [ingestUrl(), ch.key] as const)).toMatchObject({
      ok: false,
      code: 'STREAM_KEY_INVALID',
    });
  }, 60_000);

  it('input that stalls reports Starvation Start, then ends the stream', async () => {
    const ch = await channel('stalling');
    const { ws, first, closed } = await ingestSocket(env.baseUrl, ch.key);
    expect(await first).toMatchObject({ t: 'live' });
    ws.send(webmSample(3));
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    const names = env.sink.names(ch.arn);
    expect(names).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Starvation Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    // The ingest hangs up on the stalled encoder.
    expect(await closed).toBe(4000);
  }, 40_000);
});

describe('channel ingest without ffmpeg', () => {
  it('going live fails with a clear message and nothing crashes', async () => {
    const broken = await startMediaApp({ ffmpegPath: '/nonexistent/ffmpeg' });
    try {
      const out = await broken.ivs.send(new CreateChannelCommand({ name: 'no-ffmpeg' }));
      const { first, closed } = await ingestSocket(broken.baseUrl, out.streamKey!.value!);
      expect(await first).toMatchObject({
        t: 'error',
        code: 'INGEST_UNAVAILABLE',
        message: expect.stringContaining('apt-get install ffmpeg'),
      });
      expect(await closed).toBe(4503);
      await expect(broken.ivs.send(new GetStreamCommand({ channelArn: out.channel!.arn! }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);
      expect(existsSync(join(broken.dataDir, 'ivs-emulator', 'hls', out.channel!.arn!.split('/')[1]!))).toBe(false);
    } finally {
      await broken.close();
    }
  }, 30_000);
});

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
import { ChannelIngestService } from '@streamcat/ivs-emulator';
import { eventually, launchBrowser, MediaApp, openHarness, PACKAGED_FFMPEG, startMediaApp } from './support/media-app';

declare const harness: {
  goLive(url: string, key: string): Promise<{ ok: boolean; code?: string; message?: string }>;
  stopLive(): Promise<void>;
  sinkState(): string | undefined;
  play(url: string): void;
  playback(): { currentTime: number; duration: number; readyState: number } | null;
};

/**
 * A few seconds of H.264 + Opus in Matroska (what MediaRecorder's "WebM" with H.264 is), made by
 * ffmpeg; or H.264 + AAC in FLV (what RTMP and compositions feed the ingest).
 */
function webmSample(seconds: number, container: 'matroska' | 'flv' = 'matroska'): Buffer {
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
    container === 'flv' ? 'aac' : 'libopus',
    '-f',
    container,
    'pipe:1',
  ]);
}

async function ingestSocket(baseUrl: string, streamKey: string, resume?: boolean) {
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
  ws.send(JSON.stringify({ t: 'start', streamKey, mimeType: 'video/webm;codecs=h264,opus', ...(resume ? { resume } : {}) }));
  return { ws, first, messages, closed };
}

/** Recording prefixes of `arn`, from its Recording End events. */
function recordingPrefixes(env: MediaApp, arn: string): string[] {
  return env.sink.envelopes
    .filter((e) => e.resources[0] === arn && e.detail.recording_status === 'Recording End')
    .map((e) => String(e.detail.recording_s3_key_prefix));
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

// A reload is not the end of the show: a source that goes without `stop` leaves the stream
// waiting for the next one, which carries on the same stream and recording.
describe.each([
  ['the ffmpeg on the PATH', undefined],
  ['the packaged ffmpeg (@ffmpeg-installer/linux-x64)', PACKAGED_FFMPEG],
])('a source that drops without stop, with %s', (_which, ffmpegPath) => {
  const GRACE_MS = 6_000;
  let env: MediaApp;
  let browser: Browser;
  const sample = webmSample(4);
  const sockets: WebSocket[] = [];
  // An open client socket would keep jest from exiting.
  afterEach(() => sockets.splice(0).forEach((ws) => ws.terminate()));
  const connect = async (key: string, resume?: boolean) => {
    const s = await ingestSocket(env.baseUrl, key, resume);
    sockets.push(s.ws);
    return s;
  };

  beforeAll(async () => {
    env = await startMediaApp({
      starvationAfterMs: 1_000,
      endAfterMs: 3_000,
      reconnectGraceMs: GRACE_MS,
      ...(ffmpegPath ? { ffmpegPath } : {}),
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  async function channel(name: string) {
    const out = await env.ivs.send(new CreateChannelCommand({ name }));
    return { arn: out.channel!.arn!, playbackUrl: out.channel!.playbackUrl!, key: out.streamKey!.value! };
  }

  const streamIds = (arn: string) => [
    ...new Set(env.sink.envelopes.filter((e) => e.resources[0] === arn).map((e) => String(e.detail.stream_id))),
  ];

  it('the next source within the grace carries on the same stream: one stream id, one recording, playable across the break', async () => {
    const ch = await channel('resumed');
    const first = await connect(ch.key);
    const live = await first.first;
    expect(live).toMatchObject({ t: 'live' });
    first.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    // Let ffmpeg take all of it before the connection goes (a page's last chunks are in flight too).
    await eventually(async () => env.sink.names(ch.arn).includes('Starvation Start'), 10_000, 100);
    first.ws.terminate();

    // Waiting: still live at IVS, the playback URL still answers.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).stream).toMatchObject({
      streamId: live.streamId,
      state: 'LIVE',
      health: 'STARVING',
    });
    expect((await fetch(ch.playbackUrl)).status).toBe(200);

    const second = await connect(ch.key);
    expect(await second.first).toEqual({ t: 'live', streamId: live.streamId });
    second.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Starvation End'), 10_000, 100);
    // All of it in the recording before stopping: ffmpeg has flushed its input when the stream is quiet again.
    await eventually(async () => env.sink.names(ch.arn).filter((n) => n === 'Starvation Start').length === 2, 10_000, 100);
    second.ws.send(JSON.stringify({ t: 'stop' }));
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);

    const names = env.sink.names(ch.arn);
    expect(names.filter((n) => !n.startsWith('Starvation'))).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    // The wait shows as starvation between the start and the end, as it does on IVS.
    expect(names.indexOf('Starvation Start')).toBeGreaterThan(names.indexOf('Recording Start'));
    expect(names.indexOf('Starvation End')).toBeGreaterThan(names.indexOf('Starvation Start'));
    expect(names.lastIndexOf('Starvation Start')).toBeLessThan(names.indexOf('Stream End'));
    expect(streamIds(ch.arn)).toEqual([live.streamId]);

    const prefixes = recordingPrefixes(env, ch.arn);
    expect(prefixes).toHaveLength(1);
    const onDisk = join(env.dataDir, 'recordings', ...prefixes[0]!.split('/'));
    // One recording folder for the channel, holding both sources' media and thumbnails.
    const channelDir = join(env.dataDir, 'recordings', ...prefixes[0]!.split('/').slice(0, 4));
    expect(execFileSync('find', [channelDir, '-name', 'recording-started.json'], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
    const variant = readFileSync(join(onDisk, 'media', 'hls', 'source', 'playlist.m3u8'), 'utf8');
    expect(variant.match(/#EXT-X-DISCONTINUITY/g)).toHaveLength(1);
    expect(variant.match(/#EXT-X-ENDLIST/g)).toHaveLength(1);
    const recordingEnd = env.sink.envelopes.find((e) => e.resources[0] === ch.arn && e.detail.recording_status === 'Recording End')!;
    expect(recordingEnd.detail.recording_duration_ms).toBeGreaterThan(7_000);

    // hls.js plays the recording past the first source's four seconds.
    const vod = await openHarness(browser, env.baseUrl);
    try {
      await vod.evaluate((u) => harness.play(u), `${env.baseUrl}/_ivs/recordings/${prefixes[0]}/media/hls/master.m3u8`);
      await eventually(async () => ((p) => p && p.currentTime > 5.5)(await vod.evaluate(() => harness.playback())), 20_000, 250);
    } finally {
      await vod.close();
    }
  }, 120_000);

  it('a composition (FLV) arriving within the grace carries the stream on too', async () => {
    const ch = await channel('resumed-flv');
    const first = await connect(ch.key);
    const live = await first.first;
    first.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    first.ws.terminate();
    // The drop has reached the ingest (before it, the healthy source would be taken over, not resumed).
    await eventually(async () => env.sink.names(ch.arn).includes('Starvation Start'), 10_000, 100);

    const ended: string[] = [];
    const r = await env.app.get(ChannelIngestService).start(ch.key, { input: 'flv', videoIsH264: true, onEnded: (why) => ended.push(why) });
    if (!r.ok) throw new Error(r.message);
    expect(r.session.streamId).toBe(live.streamId);
    r.session.write(webmSample(3, 'flv'));
    await eventually(async () => (await fetch(ch.playbackUrl)).ok, 5_000, 100);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await r.session.end('ENDED');
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    expect(env.sink.names(ch.arn).filter((n) => !n.startsWith('Starvation'))).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    expect(streamIds(ch.arn)).toEqual([live.streamId]);
    expect(recordingPrefixes(env, ch.arn)).toHaveLength(1);
    expect(ended).toEqual([]);
  }, 60_000);

  it('a source still connected but silent is replaced within the same stream, and told so', async () => {
    const ch = await channel('silent');
    const first = await connect(ch.key);
    const live = await first.first;
    first.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Starvation Start'), 20_000, 100);
    const second = await connect(ch.key);
    expect(await second.first).toEqual({ t: 'live', streamId: live.streamId });
    expect(await first.closed).toBe(4000);
    expect(first.messages).toContainEqual({ t: 'ended', reason: 'TAKEOVER' });
    // The replaced source's late stop must not end the stream the new one carries.
    second.ws.send(sample);
    await new Promise((r) => setTimeout(r, 500));
    expect(env.sink.names(ch.arn)).not.toContain('Stream End');
    second.ws.send(JSON.stringify({ t: 'stop' }));
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    expect(streamIds(ch.arn)).toEqual([live.streamId]);
  }, 60_000);

  it('a reloaded page asks only to resume: refused while another encoder sends or when nothing waits', async () => {
    const ch = await channel('resume-only');
    const nothing = await connect(ch.key, true);
    expect(await nothing.first).toMatchObject({ t: 'error', code: 'NOTHING_TO_RESUME' });
    expect(await nothing.closed).toBe(4403);

    const first = await connect(ch.key);
    const live = await first.first;
    first.ws.send(sample);
    // A second window of the owner's while the first sends (its data just arrived): it must not take the show over.
    const second = await connect(ch.key, true);
    expect(await second.first).toMatchObject({ t: 'error', code: 'SOURCE_CONNECTED' });
    expect(first.ws.readyState).toBe(WebSocket.OPEN);

    await eventually(async () => env.sink.names(ch.arn).includes('Starvation Start'), 10_000, 100);
    first.ws.terminate();
    await new Promise((r) => setTimeout(r, 300));
    const reloaded = await connect(ch.key, true);
    expect(await reloaded.first).toEqual({ t: 'live', streamId: live.streamId });
    reloaded.ws.send(JSON.stringify({ t: 'stop' }));
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    expect(streamIds(ch.arn)).toEqual([live.streamId]);
  }, 60_000);

  it('nobody comes back: the stream ends when the grace is over, not before', async () => {
    const ch = await channel('gone');
    const first = await connect(ch.key);
    await first.first;
    first.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    const droppedAt = Date.now();
    first.ws.terminate();
    await eventually(async () => env.sink.names(ch.arn).includes('Stream End'), GRACE_MS + 10_000, 50);
    const endedAfter = Date.now() - droppedAt;
    expect(endedAfter).toBeGreaterThanOrEqual(GRACE_MS - 100);
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 10_000, 100);
    expect(env.sink.names(ch.arn)).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Starvation Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    await expect(env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);
  }, 60_000);

  it('StopStream during the grace ends the stream at once', async () => {
    const ch = await channel('stopped-while-waiting');
    const first = await connect(ch.key);
    await first.first;
    first.ws.send(sample);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    first.ws.terminate();
    await new Promise((r) => setTimeout(r, 500));
    const stoppedAt = Date.now();
    await env.ivs.send(new StopStreamCommand({ channelArn: ch.arn }));
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 10_000, 50);
    expect(Date.now() - stoppedAt).toBeLessThan(GRACE_MS - 1_000);
    // And a source arriving now starts a new stream: the old one is over.
    const again = await connect(ch.key);
    const second = await again.first;
    expect(second).toMatchObject({ t: 'live' });
    expect(second.streamId).not.toBe(streamIds(ch.arn)[0]);
    again.ws.send(JSON.stringify({ t: 'stop' }));
  }, 60_000);
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

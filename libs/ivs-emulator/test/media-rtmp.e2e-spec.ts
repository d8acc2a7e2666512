import { ChildProcess, spawn } from 'node:child_process';
import {
  ChannelNotBroadcasting,
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  GetStreamCommand,
  StopStreamCommand,
} from '@aws-sdk/client-ivs';
import type { Browser, Page } from 'playwright-core';
import { RtmpIngestServer } from '@streamcat/ivs-emulator';
import { eventually, launchBrowser, MediaApp, openHarness, startMediaApp } from './support/media-app';

declare const harness: {
  play(url: string): void;
  playback(): { currentTime: number; duration: number; readyState: number } | null;
};

/** What an OBS user does, with ffmpeg: a test pattern + tone, H.264 + AAC over RTMP. Low resolution to spare the CPU. */
function encoder(url: string): { proc: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const proc = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x180:rate=15',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'sine',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      '30',
      '-c:a',
      'aac',
      '-f',
      'flv',
      url,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { proc, exited, stderr: () => err };
}

/** Resolves with the exit code, or 'running' if the process is still up after `ms`. */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'running'> {
  return Promise.race([exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
}

const CLOSING = ['Stream End', 'Recording End', 'Session Ended'];

describe('RTMP ingest (ffmpeg as the encoder) → HLS + recording + events', () => {
  let env: MediaApp;
  let browser: Browser;
  let rtmpBase: string;
  const pages: Page[] = [];
  const encoders: ChildProcess[] = [];

  beforeAll(async () => {
    env = await startMediaApp({ starvationAfterMs: 1_000, endAfterMs: 3_000, rtmpPort: 0, rtmpHost: '127.0.0.1' });
    const port = env.app.get(RtmpIngestServer).port;
    expect(port).toBeGreaterThan(0);
    rtmpBase = `rtmp://127.0.0.1:${port}/app/`;
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    for (const p of encoders) p.kill('SIGKILL');
    await browser?.close();
    await env?.close();
  });

  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });

  function publish(key: string) {
    const e = encoder(rtmpBase + key);
    encoders.push(e.proc);
    return e;
  }

  async function channel(name: string) {
    const out = await env.ivs.send(new CreateChannelCommand({ name }));
    return { arn: out.channel!.arn!, playbackUrl: out.channel!.playbackUrl!, key: out.streamKey!.value!, keyArn: out.streamKey!.arn! };
  }

  it('an encoder goes live; hls.js plays it; stopping the encoder ends the stream and leaves a playable VOD', async () => {
    const ch = await channel('rtmp-live');
    const obs = publish(ch.key);

    await eventually(async () => ((r) => r.ok)(await fetch(ch.playbackUrl)), 20_000, 250);
    expect((await env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).stream).toMatchObject({ state: 'LIVE', health: 'HEALTHY' });

    const viewer = await openHarness(browser, env.baseUrl);
    pages.push(viewer);
    await viewer.evaluate((u) => harness.play(u), ch.playbackUrl);
    const t1 = await eventually(
      async () => ((p) => (p && p.currentTime > 0.5 ? p.currentTime : null))(await viewer.evaluate(() => harness.playback())),
      20_000,
      250,
    );
    await eventually(async () => ((p) => p && p.currentTime > t1 + 1)(await viewer.evaluate(() => harness.playback())), 10_000, 250);

    // Ctrl+C in the encoder: it sends FCUnpublish / deleteStream and hangs up.
    obs.proc.kill('SIGINT');
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 15_000, 100);
    expect(env.sink.names(ch.arn)).toEqual(['Session Created', 'Stream Start', 'Recording Start', ...CLOSING]);
    await expect(env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);

    const recordingEnd = env.sink.envelopes.find((e) => e.resources[0] === ch.arn && e.detail.recording_status === 'Recording End')!;
    expect(recordingEnd.detail.recording_duration_ms).toBeGreaterThan(1_000);
    const vodUrl = `${env.baseUrl}/_ivs/recordings/${String(recordingEnd.detail.recording_s3_key_prefix)}/media/hls/master.m3u8`;
    const variant = await (await fetch(new URL('source/playlist.m3u8', vodUrl))).text();
    expect(variant).toContain('#EXT-X-ENDLIST');
    const vod = await openHarness(browser, env.baseUrl);
    pages.push(vod);
    await vod.evaluate((u) => harness.play(u), vodUrl);
    await eventually(async () => ((p) => p && p.currentTime > 1)(await vod.evaluate(() => harness.playback())), 15_000, 250);
  }, 120_000);

  it('a wrong key and a rotated key are refused at publish, before anything goes live', async () => {
    const ch = await channel('rtmp-keys');
    const wrong = publish('sk_us-east-1_notakey');
    expect(await exitWithin(wrong.exited, 8_000)).not.toBe('running');
    expect(wrong.stderr()).toMatch(/BadName|not valid/);

    await env.ivs.send(new DeleteStreamKeyCommand({ arn: ch.keyArn }));
    await env.ivs.send(new CreateStreamKeyCommand({ channelArn: ch.arn }));
    const rotated = publish(ch.key);
    expect(await exitWithin(rotated.exited, 8_000)).not.toBe('running');
    expect(env.sink.names(ch.arn)).toEqual([]);
    await expect(env.ivs.send(new GetStreamCommand({ channelArn: ch.arn }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);
  }, 30_000);

  it('a second encoder takes the channel over; StopStream cuts the encoder at once', async () => {
    const ch = await channel('rtmp-takeover');
    const first = publish(ch.key);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);

    const second = publish(ch.key);
    expect(await exitWithin(first.exited, 10_000)).not.toBe('running');
    await eventually(async () => env.sink.names(ch.arn).filter((n) => n === 'Stream Start').length === 2, 20_000, 100);
    expect(await exitWithin(second.exited, 0)).toBe('running');

    await env.ivs.send(new StopStreamCommand({ channelArn: ch.arn }));
    expect(await exitWithin(second.exited, 3_000)).not.toBe('running');
    await eventually(async () => env.sink.names(ch.arn).filter((n) => n === 'Session Ended').length === 2, 10_000, 100);
    const session = ['Session Created', 'Stream Start', 'Recording Start', ...CLOSING];
    expect(env.sink.names(ch.arn)).toEqual([...session, ...session]);
  }, 60_000);

  it('an encoder that freezes reports Starvation Start, then the stream ends and the connection is dropped', async () => {
    const ch = await channel('rtmp-frozen');
    const frozen = publish(ch.key);
    await eventually(async () => env.sink.names(ch.arn).includes('Stream Start'), 20_000, 100);
    // SIGSTOP: the TCP connection stays open but nothing is sent, like a hung encoder.
    frozen.proc.kill('SIGSTOP');
    await eventually(async () => env.sink.names(ch.arn).includes('Session Ended'), 10_000, 100);
    expect(env.sink.names(ch.arn)).toEqual(['Session Created', 'Stream Start', 'Recording Start', 'Starvation Start', ...CLOSING]);
    // Woken up, the encoder finds its connection gone and gives up.
    frozen.proc.kill('SIGCONT');
    expect(await exitWithin(frozen.exited, 8_000)).not.toBe('running');
  }, 40_000);
});

import { execFileSync } from 'node:child_process';
import { CreateChannelCommand, GetStreamCommand } from '@aws-sdk/client-ivs';
import { WebSocket } from 'ws';
import { eventually, MediaApp, startMediaApp } from './support/media-app';

/** A few seconds of H.264 + Opus in Matroska, as the browser's MediaRecorder sends. */
function sample(seconds: number): Buffer {
  return execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=size=160x120:rate=15:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15'],
    ...['-c:a', 'libopus', '-f', 'matroska', 'pipe:1'],
  ]);
}

/**
 * GetStream's viewerCount counts players by playback session, as IVS does: the playback URL
 * hands out a session, the player's fetches under it keep it counted, and one client address
 * contributes at most three however many sessions or User-Agents it uses.
 */
describe('live HLS viewers are counted by playback session', () => {
  let env: MediaApp;
  let ws: WebSocket;
  let channelArn: string;
  let playbackUrl: string;
  let rest: Buffer;

  beforeAll(async () => {
    env = await startMediaApp({});
    const out = await env.ivs.send(new CreateChannelCommand({ name: 'sessions' }));
    channelArn = out.channel!.arn!;
    playbackUrl = out.channel!.playbackUrl!;
    ws = new WebSocket(`${env.baseUrl.replace(/^http/, 'ws')}/_ivs/ingest`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const live = new Promise((resolve) => ws.on('message', (d) => JSON.parse(d.toString()).t === 'live' && resolve(true)));
    ws.send(JSON.stringify({ t: 'start', streamKey: out.streamKey!.value!, mimeType: 'video/webm;codecs=h264,opus' }));
    await live;
    // Half now; the rest is what the blocking-reload test waits for.
    const media = sample(6);
    rest = media.subarray(media.length >> 1);
    ws.send(media.subarray(0, media.length >> 1));
    // Stream Start is announced once the playlist exists (fetching the playback URL here would open sessions).
    await eventually(async () => env.sink.names(channelArn).includes('Stream Start'), 20_000, 100);
  }, 60_000);

  afterAll(async () => {
    ws?.close();
    await env?.close();
  });

  const viewerCount = async () => (await env.ivs.send(new GetStreamCommand({ channelArn }))).stream?.viewerCount;

  /** What a player does: open the playback URL, follow its variant, fetch a segment. */
  async function play(userAgent: string): Promise<{ variantUrl: string }> {
    const master = await fetch(playbackUrl, { headers: { 'user-agent': userAgent } });
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const text = await master.text();
    expect(text).toMatch(/^#EXTM3U/);
    const variant = text.split('\n').find((l) => l && !l.startsWith('#'))!;
    const variantUrl = new URL(variant, playbackUrl).toString();
    const media = await fetch(variantUrl, { headers: { 'user-agent': userAgent } });
    expect(media.status).toBe(200);
    const segment = (await media.text()).split('\n').find((l) => l.endsWith('.ts'))!;
    const seg = await fetch(new URL(segment, variantUrl), { headers: { 'user-agent': userAgent } });
    expect([seg.status, seg.headers.get('content-type')]).toEqual([200, 'video/mp2t']);
    return { variantUrl };
  }

  it('hands each player its own session and counts players, not requests', async () => {
    const a = await play('player-a');
    const b = await play('player-a');
    expect(a.variantUrl).not.toBe(b.variantUrl);
    expect(a.variantUrl).toMatch(/\/_ivs\/hls\/[A-Za-z0-9]+\/s\/[A-Za-z0-9_-]{22}\/live\.m3u8$/);
    // Refreshes under the same session do not add viewers.
    for (let i = 0; i < 5; i++) expect((await fetch(a.variantUrl)).status).toBe(200);
    await eventually(async () => (await viewerCount()) === 2, 5_000, 100);
  });

  it('one address counts at most three, however many sessions, User-Agents or made-up session ids it uses', async () => {
    for (let i = 0; i < 20; i++) await play(`Mozilla/5.0 variant ${i}`);
    const forged = playbackUrl.replace(/live\.m3u8$/, 's/AAAAAAAAAAAAAAAAAAAAAA/live.m3u8');
    expect((await fetch(forged)).status).toBe(200);
    await eventually(async () => (await viewerCount()) === 3, 5_000, 100);
    // Watched over a few of the counter's 250 ms rounds, it never goes past three.
    const seen: (number | undefined)[] = [];
    for (const until = Date.now() + 1_000; Date.now() < until;) seen.push(await viewerCount());
    expect(Math.max(...seen.map(Number))).toBe(3);
  });

  it('holds a request for the next segment (blocking reload) until ffmpeg lists it', async () => {
    const { variantUrl } = await play('player-blocking');
    const now = await (await fetch(variantUrl)).text();
    expect(now).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
    const lastListed = (text: string) =>
      Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]) + (text.match(/^#EXTINF:/gm) ?? []).length - 1;
    const next = lastListed(now) + 1;
    let answered = false;
    const held = fetch(`${variantUrl}?_HLS_msn=${next}`).then(async (r) => {
      answered = true;
      return { status: r.status, text: await r.text() };
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(answered).toBe(false);
    ws.send(rest);
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(lastListed(reply.text)).toBeGreaterThanOrEqual(next);
    // A segment already listed is answered at once.
    expect(lastListed(await (await fetch(`${variantUrl}?_HLS_msn=${next}`)).text())).toBeGreaterThanOrEqual(next);
  });

  it('refuses session paths that are not a live file', async () => {
    const base = playbackUrl.replace(/live\.m3u8$/, 's/AAAAAAAAAAAAAAAAAAAAAA/');
    expect((await fetch(`${base}..%2F..%2Fsecrets`)).status).toBe(404);
    expect((await fetch(`${base}live.mp4`)).status).toBe(404);
  });
});

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateChannelCommand } from '@aws-sdk/client-ivs';
import { CreateParticipantTokenCommand, CreateStageCommand, DisconnectParticipantCommand } from '@aws-sdk/client-ivs-realtime';
import { RTCPeerConnection } from 'werift';
import {
  ChannelIngestService,
  CompositionEngine,
  CompositionLayout,
  CompositionMediaListener,
  CompositionPlan,
  CompositionSwitch,
  GridLayout,
  PipLayout,
  RunningComposition,
  StageSessionsService,
} from '@streamcat/ivs-emulator';
import { compositionTiles, Tile } from '../src/media/composition/composition-layout';
import { startsVp8Keyframe } from '../src/media/composition/rtp-forwarding';
import { eventually, MediaApp, startMediaApp } from './support/media-app';
import { captureRtp, replayRtp } from './support/rtp-replay';
import { nodePublisher, StageSocket } from './support/stage-socket';

/**
 * Server-side composition, end to end on real parts: werift publishers on the local SFU, each
 * sending a solid colour (VP8 made once by ffmpeg, replayed) and a tone (Opus); the engine's
 * ffmpeg composes them into the channel's live HLS and an S3-layout recording; frames are read
 * back from the HLS and every tile's colour is checked where the layout puts it.
 * Small on purpose (two cores): 320×180 publishers at 15 fps, a 640×360 composite at 15 fps
 * (COMPOSITION_TEST_VIDEO=WxHxFPS to measure another size).
 */
const VIDEO = (() => {
  // COMPOSITION_TEST_VIDEO=1280x720x30 measures IVS's default size (under the lock, as a benchmark).
  const [width, height, framerate] = (process.env.COMPOSITION_TEST_VIDEO ?? '640x360x15').split('x').map(Number);
  return { width, height, framerate, bitrate: width >= 1280 ? 2_500_000 : 800_000 };
})();
const RENDITION = `${VIDEO.height}p${VIDEO.framerate}`;
const COLOURS: [number, number, number][] = [
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
  [255, 255, 0],
  [255, 0, 255],
  [0, 255, 255],
  [255, 255, 255],
  [255, 128, 0],
  [128, 0, 255],
  [128, 128, 128],
  [0, 128, 0],
  [128, 0, 64],
];
const BLACK: [number, number, number] = [0, 0, 0];
const hex = (c: [number, number, number]) => `0x${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

const GRID: GridLayout = {
  kind: 'grid',
  featuredParticipantAttribute: '',
  participantOrderAttribute: 'order',
  gridGap: 2,
  omitStoppedVideo: false,
  videoAspectRatio: 'VIDEO',
  videoFillMode: 'COVER',
};
const PIP: PipLayout = {
  kind: 'pip',
  featuredParticipantAttribute: '',
  participantOrderAttribute: '',
  gridGap: 0,
  omitStoppedVideo: false,
  videoFillMode: 'COVER',
  pipParticipantAttribute: 'pip',
  pipBehavior: 'STATIC',
  pipOffset: 10,
  pipPosition: 'BOTTOM_RIGHT',
  pipWidth: 160,
  pipHeight: 90,
};

function run(cmd: string, args: string[], encoding: 'buffer' | 'utf8' = 'utf8'): Promise<{ stdout: Buffer | string; stderr: string }> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { encoding: encoding as BufferEncoding, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} failed: ${String(stderr)}`)) : resolve({ stdout, stderr: String(stderr) }),
    ),
  );
}

interface Publisher {
  participantId: string;
  colour: [number, number, number];
  socket: StageSocket;
  pc: RTCPeerConnection;
  stop(): void;
  /** Stops the camera as a page does: no more video, and the stage is told. */
  stopVideo(): void;
  /** Lets keyframes through again (for a publisher made with `withholdKeyframes`). */
  releaseKeyframes(): void;
}

/** The newest live segment's first frame, as RGB, and whether that segment carries audible sound. */
async function liveFrame(liveDir: string): Promise<{ rgb: Buffer; segment: string }> {
  const playlist = readFileSync(join(liveDir, 'live.m3u8'), 'utf8');
  const segments = playlist.split('\n').filter((l) => l.endsWith('.ts'));
  const segment = join(liveDir, segments[segments.length - 1]);
  const { stdout } = await run(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      segment,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${VIDEO.width}x${VIDEO.height}`,
      'pipe:1',
    ],
    'buffer',
  );
  return { rgb: stdout as Buffer, segment };
}

function pixel(rgb: Buffer, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * VIDEO.width + Math.round(x)) * 3;
  return [rgb[o], rgb[o + 1], rgb[o + 2]];
}

function nearest(c: [number, number, number], palette: [number, number, number][]): number {
  let best = 0;
  let bestD = Infinity;
  palette.forEach((p, i) => {
    const d = (p[0] - c[0]) ** 2 + (p[1] - c[1]) ** 2 + (p[2] - c[2]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/** Which colour each tile shows at its centre, and what shows where no tile is. */
function readTiles(rgb: Buffer, tiles: Tile[]): { tiles: string[]; background: string } {
  const palette = [BLACK, ...COLOURS];
  const name = (c: [number, number, number]) => {
    const i = nearest(c, palette);
    return i === 0 ? 'black' : hex(palette[i]);
  };
  const onTop = [...tiles].sort((a, b) => b.z - a.z);
  const shown = tiles.map((t) => {
    // A spot of the tile no other tile covers (the PiP window sits in a corner of the main one).
    const spots = [
      [0.5, 0.5],
      [0.25, 0.25],
      [0.25, 0.75],
    ].map(([fx, fy]) => [t.x + t.width * fx, t.y + t.height * fy]);
    const [x, y] = spots.find(([sx, sy]) => onTop.find((o) => sx >= o.x && sx < o.x + o.width && sy >= o.y && sy < o.y + o.height) === t)!;
    return name(pixel(rgb, x, y));
  });
  // The first canvas point outside every tile, scanning a coarse grid.
  let background = 'none';
  for (let y = 2; y < VIDEO.height && background === 'none'; y += 8)
    for (let x = 2; x < VIDEO.width; x += 8)
      if (!tiles.some((t) => x >= t.x - 2 && x < t.x + t.width + 2 && y >= t.y - 2 && y < t.y + t.height + 2)) {
        background = name(pixel(rgb, x, y));
        break;
      }
  return { tiles: shown, background };
}

async function meanVolumeDb(segment: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-i', segment, '-map', '0:a:0', '-af', 'volumedetect', '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1] ?? -Infinity);
}

/** CPU seconds used per second by the compose ffmpeg processes of this test (Linux /proc). */
async function composeCpu(windowMs: number): Promise<number> {
  const pids = async () => {
    const { stdout } = await run('pgrep', ['-f', 'ivs-composition-.*compose-']).catch(() => ({ stdout: '' }));
    return String(stdout).split('\n').filter(Boolean);
  };
  const ticks = (pid: string) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const before = new Map((await pids()).map((p) => [p, ticks(p)]));
  await new Promise((r) => setTimeout(r, windowMs));
  let used = 0;
  for (const [pid, t0] of before) used += Math.max(0, ticks(pid) - t0);
  return used / 100 / (windowMs / 1000);
}

describe('server-side composition media (real ffmpeg, werift publishers)', () => {
  let env: MediaApp;
  let engine: CompositionEngine;
  let stages: StageSessionsService;
  let ingest: ChannelIngestService;
  const videoRtp = new Map<string, Buffer[]>();
  let audioRtp: Buffer[] = [];
  const publishers: Publisher[] = [];
  const running: RunningComposition[] = [];

  beforeAll(async () => {
    env = await startMediaApp();
    engine = env.app.get(CompositionEngine);
    stages = env.app.get(StageSessionsService);
    ingest = env.app.get(ChannelIngestService);
    audioRtp = await captureRtp(
      ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ['-c:a', 'libopus', '-b:a', '32k', '-ac', '2', '-payload_type', '111'],
    );
    for (const c of COLOURS) {
      videoRtp.set(
        hex(c),
        await captureRtp(
          ['-f', 'lavfi', '-i', `color=c=${hex(c)}:s=320x180:r=15`],
          [
            '-c:v',
            'libvpx',
            '-deadline',
            'realtime',
            '-cpu-used',
            '8',
            '-g',
            '15',
            '-b:v',
            '150k',
            '-pix_fmt',
            'yuv420p',
            '-payload_type',
            '96',
          ],
        ),
      );
    }
  }, 120_000);

  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    for (const p of publishers.splice(0)) {
      p.stop();
      p.socket.close();
      await p.pc.close().catch(() => undefined);
    }
  });

  afterAll(async () => {
    await env?.close();
  });

  async function newStage(): Promise<string> {
    return (await env.realtime.send(new CreateStageCommand({}))).stage!.arn!;
  }

  async function newChannel(): Promise<{ arn: string; key: string; id: string }> {
    const out = await env.ivs.send(new CreateChannelCommand({ name: `comp-${Date.now()}` }));
    return { arn: out.channel!.arn!, key: out.streamKey!.value!, id: out.channel!.arn!.split('/').pop()! };
  }

  /**
   * `withholdKeyframes`: the publisher sends only its delta frames (and ignores PLI, as the replay
   * always does) until `releaseKeyframes()`: an encoder whose keyframe never reaches the server.
   */
  async function publish(
    stageArn: string,
    colour: [number, number, number],
    attributes: Record<string, string> = {},
    opts: { withholdKeyframes?: boolean } = {},
  ): Promise<Publisher> {
    const t = await env.realtime.send(
      new CreateParticipantTokenCommand({ stageArn, userId: hex(colour), attributes, capabilities: ['PUBLISH'] }),
    );
    const { socket, pc } = await nodePublisher(env.baseUrl, t.participantToken!.token!);
    await socket.next('published', 20_000);
    const [audio, video] = [pc.getTransceivers().find((x) => x.kind === 'audio')!, pc.getTransceivers().find((x) => x.kind === 'video')!];
    const captured = videoRtp.get(hex(colour))!;
    // Every packet of a keyframe: the packets sharing the timestamp of one that starts a keyframe.
    const keyframeStamps = new Set(captured.filter((b) => startsVp8Keyframe(b)).map((b) => b.readUInt32BE(4)));
    const inKeyframe = captured.map((b) => keyframeStamps.has(b.readUInt32BE(4)));
    let withholding = !!opts.withholdKeyframes;
    const stops = [
      replayRtp(
        captured,
        90_000,
        (p) => void video.sender.sendRtp(p).catch(() => undefined),
        (i) => withholding && inKeyframe[i],
      ),
      replayRtp(audioRtp, 48_000, (p) => void audio.sender.sendRtp(p).catch(() => undefined)),
    ];
    const p: Publisher = {
      participantId: t.participantToken!.participantId!,
      colour,
      socket,
      pc,
      stop: () => stops.forEach((s) => s()),
      stopVideo: () => {
        stops[0]();
        socket.send({ t: 'mute', audioMuted: false, videoStopped: true });
      },
      releaseKeyframes: () => (withholding = false),
    };
    publishers.push(p);
    return p;
  }

  function recorder(): CompositionMediaListener & { states: string[]; counts: number[]; failures: string[] } {
    const l = {
      states: [] as string[],
      counts: [] as number[],
      failures: [] as string[],
      destinationState: (id: string, state: string) => l.states.push(`${id}:${state}`),
      publishersChanged: (n: number) => l.counts.push(n),
      failed: (e: { code: string }) => l.failures.push(e.code),
    };
    return l;
  }

  function plan(stageArn: string, layout: CompositionLayout, channel: { arn: string; key: string }, s3Dir?: string): CompositionPlan {
    return {
      compositionId: `c${Date.now()}`,
      compositionArn: `arn:aws:ivs:us-east-1:123456789012:composition/c${Date.now()}`,
      stageArn,
      layout,
      destinations: [
        { id: 'channel-1', kind: 'channel', channelArn: channel.arn, streamKey: channel.key, video: VIDEO },
        ...(s3Dir ? [{ id: 's3-1', kind: 's3' as const, dir: s3Dir, video: [VIDEO], segmentSeconds: 2 }] : []),
      ],
    };
  }

  function expectedTiles(layout: CompositionLayout, stageArn: string): Tile[] {
    return compositionTiles(
      layout,
      stages
        .stagePublishers(stageArn)
        .map((p) => ({ id: p.participantId, attributes: p.attributes, arrival: p.arrival, videoStopped: p.videoStopped })),
      VIDEO,
    );
  }

  /** Waits until a fresh live frame shows every expected tile in its publisher's colour; returns what was read. */
  async function waitForLayout(liveDir: string, layout: CompositionLayout, stageArn: string, timeoutMs = 30_000) {
    let lastSegment = '';
    return eventually(
      async () => {
        if (!existsSync(join(liveDir, 'live.m3u8'))) return undefined;
        const { rgb, segment } = await liveFrame(liveDir).catch(() => ({ rgb: Buffer.alloc(0), segment: '' }));
        if (!segment || segment === lastSegment || rgb.length < VIDEO.width * VIDEO.height * 3) return undefined;
        lastSegment = segment;
        const tiles = expectedTiles(layout, stageArn);
        const read = readTiles(rgb, tiles);
        const want = tiles.map((t) => hex(publishers.find((p) => p.participantId === t.participantId)!.colour));
        return JSON.stringify(read.tiles) === JSON.stringify(want) ? { ...read, segment, tiles } : undefined;
      },
      timeoutMs,
      500,
    );
  }

  it('grid: 1, 2, 4 and 12 publishers, each tile where IVS puts it, audio mixed, one broadcast, and the S3 recording in IVS layout', async () => {
    const stageArn = await newStage();
    const channel = await newChannel();
    const liveDir = join(ingest.options.liveDir, channel.id);
    const s3Dir = join(env.dataDir, 's3', 'composite');
    await publish(stageArn, COLOURS[0], { order: '1' });
    const listener = recorder();
    const composition = await engine.start(plan(stageArn, GRID, channel, s3Dir), listener);
    running.push(composition);
    const switches = (composition as unknown as { switches: CompositionSwitch[] }).switches;

    const one = await waitForLayout(liveDir, GRID, stageArn, 40_000);
    expect(one.tiles).toHaveLength(1);
    expect(one.tiles[0]).toMatchObject({ x: 0, y: 0, width: VIDEO.width, height: VIDEO.height });
    expect(await meanVolumeDb(one.segment)).toBeGreaterThan(-40);
    expect(listener.states).toEqual(expect.arrayContaining(['channel-1:ACTIVE', 's3-1:ACTIVE']));
    const streamStarts = () => env.sink.names(channel.arn).filter((n) => n === 'Stream Start').length;
    await eventually(async () => streamStarts() === 1, 15_000);

    // A second publisher: ordered after the first by the order attribute.
    await publish(stageArn, COLOURS[1], { order: '2' });
    const two = await waitForLayout(liveDir, GRID, stageArn);
    expect(two.tiles[1].x).toBe(two.tiles[0].x + two.tiles[0].width + GRID.gridGap);
    expect(two.background).toBe('black');
    const cpu2 = await composeCpu(5_000);

    for (const c of COLOURS.slice(2, 4)) await publish(stageArn, c, { order: String(COLOURS.indexOf(c) + 1) });
    const four = await waitForLayout(liveDir, GRID, stageArn);
    expect(new Set(four.tiles.map((t) => t.y)).size).toBe(2);
    const cpu4 = await composeCpu(5_000);
    expect(await meanVolumeDb(four.segment)).toBeGreaterThan(-40);

    for (const c of COLOURS.slice(4)) await publish(stageArn, c, { order: String(COLOURS.indexOf(c) + 1) });
    const twelve = await waitForLayout(liveDir, GRID, stageArn, 60_000);
    expect(twelve.tiles).toHaveLength(12);
    expect(new Set(twelve.tiles.map((t) => t.x)).size).toBe(4);
    const cpu12 = await composeCpu(5_000);
    // Counted up as each publisher arrived, never down.
    expect(listener.counts.every((n, k) => k === 0 || n > listener.counts[k - 1])).toBe(true);
    expect(listener.counts[listener.counts.length - 1]).toBe(12);

    // One leaves: the grid closes up; until the new process takes over, the old one shows the leaver's last frame.
    const leaver = publishers[publishers.length - 1];
    await env.realtime.send(new DisconnectParticipantCommand({ stageArn, participantId: leaver.participantId }));
    const eleven = await waitForLayout(liveDir, GRID, stageArn, 40_000);
    expect(eleven.tiles).toHaveLength(11);
    expect(eleven.tiles.some((t) => t.participantId === leaver.participantId)).toBe(false);

    // Layout changes never ended the broadcast: one Stream Start, no Stream End while composing.
    expect(streamStarts()).toBe(1);
    expect(env.sink.names(channel.arn)).not.toContain('Stream End');
    console.log(
      `composition figures: layout switches ${JSON.stringify(switches)}; compose ffmpeg CPU (cores): 2 publishers ${cpu2.toFixed(2)}, 4 publishers ${cpu4.toFixed(2)}, 12 publishers ${cpu12.toFixed(2)}`,
    );
    expect(switches.length).toBeGreaterThanOrEqual(3);

    await composition.stop();
    expect(listener.states).toEqual(expect.arrayContaining(['channel-1:STOPPED', 's3-1:STOPPED']));
    await eventually(async () => env.sink.names(channel.arn).includes('Stream End'), 15_000);

    // The recording, as IVS lays out a composite recording.
    const hls = join(s3Dir, 'media', 'hls');
    expect(readFileSync(join(hls, 'multivariant.m3u8'), 'utf8')).toContain(`${RENDITION}/playlist.m3u8`);
    const rendition = readFileSync(join(hls, RENDITION, 'playlist.m3u8'), 'utf8');
    expect(rendition).toContain('#EXT-X-ENDLIST');
    expect(readdirSync(join(hls, RENDITION)).filter((f) => f.endsWith('.ts')).length).toBeGreaterThan(3);
    const started = JSON.parse(readFileSync(join(s3Dir, 'events', 'recording-started.json'), 'utf8'));
    const ended = JSON.parse(readFileSync(join(s3Dir, 'events', 'recording-ended.json'), 'utf8'));
    expect(started).toMatchObject({ recording_status: 'RECORDING_STARTED', resource_arn: stageArn });
    expect(ended).toMatchObject({ recording_status: 'RECORDING_ENDED' });
    expect(ended.duration_ms).toBeGreaterThan(10_000);

    // The seams between compose processes, as the recording shows them: the largest step between frames.
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time',
      '-of',
      'csv=p=0',
      join(hls, RENDITION, 'playlist.m3u8'),
    ]);
    const pts = String(stdout)
      .split('\n')
      .map((line) => parseFloat(line))
      .filter((n) => Number.isFinite(n))
      .sort((a, b) => a - b);
    const maxStep = Math.max(...pts.slice(1).map((t, i) => t - pts[i]));
    console.log(`composition figures: recording ${pts.length} frames, largest step between frames ${(maxStep * 1000).toFixed(0)} ms`);
    expect(pts.length).toBeGreaterThan(10 * VIDEO.framerate);
    expect(maxStep).toBeLessThan(0.5);
  }, 300_000);

  it('grid: the featured participant takes the large slot; a stopped camera leaves the grid with omitStoppedVideo', async () => {
    const stageArn = await newStage();
    const channel = await newChannel();
    const liveDir = join(ingest.options.liveDir, channel.id);
    const layout: GridLayout = { ...GRID, featuredParticipantAttribute: 'featured', omitStoppedVideo: true };
    await publish(stageArn, COLOURS[4]);
    const featured = await publish(stageArn, COLOURS[5], { featured: 'true' });
    const third = await publish(stageArn, COLOURS[6]);
    const composition = await engine.start(plan(stageArn, layout, channel), recorder());
    running.push(composition);
    const three = await waitForLayout(liveDir, layout, stageArn, 40_000);
    const big = three.tiles.find((t) => t.participantId === featured.participantId)!;
    expect(big).toMatchObject({ x: 0, y: 0, height: VIDEO.height });
    expect(three.tiles.filter((t) => t !== big).every((t) => t.width * t.height < big.width * big.height)).toBe(true);

    third.stopVideo();
    const two = await waitForLayout(liveDir, layout, stageArn, 30_000);
    expect(two.tiles.map((t) => t.participantId).sort()).toEqual([publishers[0].participantId, featured.participantId].sort());
  }, 180_000);

  it('a publisher whose keyframe has not come does not hold the output back: the other tile shows within seconds, its own once its keyframe comes', async () => {
    const stageArn = await newStage();
    const channel = await newChannel();
    const liveDir = join(ingest.options.liveDir, channel.id);
    const held = await publish(stageArn, COLOURS[7], { order: '1' }, { withholdKeyframes: true });
    const fine = await publish(stageArn, COLOURS[8], { order: '2' });
    // The held publisher's delta frames are flowing when the composition starts.
    await new Promise((r) => setTimeout(r, 500));
    const listener = recorder();
    const startedAt = Date.now();
    const composition = await engine.start(plan(stageArn, GRID, channel), listener);
    running.push(composition);

    const tiles = expectedTiles(GRID, stageArn);
    const at = (id: string) => tiles.findIndex((t) => t.participantId === id);
    const first = await eventually(
      async () => {
        if (!existsSync(join(liveDir, 'live.m3u8'))) return undefined;
        const { rgb } = await liveFrame(liveDir).catch(() => ({ rgb: Buffer.alloc(0) }));
        if (rgb.length < VIDEO.width * VIDEO.height * 3) return undefined;
        const read = readTiles(rgb, tiles);
        return read.tiles[at(fine.participantId)] === hex(fine.colour) ? read : undefined;
      },
      20_000,
      250,
    );
    const firstSegmentMs = Date.now() - startedAt;
    console.log(
      `composition figures: with one publisher's keyframes withheld, the first live segment came ${firstSegmentMs} ms after the start`,
    );
    // Two-second segments: the first is complete about 2 s after the output starts.
    expect(firstSegmentMs).toBeLessThan(10_000);
    expect(first.tiles[at(held.participantId)]).toBe('black');
    expect(listener.states).toContain('channel-1:ACTIVE');

    // Still withheld a while later: the output goes on, the held tile stays black.
    await new Promise((r) => setTimeout(r, 3_000));
    const { rgb } = await liveFrame(liveDir);
    const still = readTiles(rgb, tiles).tiles;
    expect([still[at(held.participantId)], still[at(fine.participantId)]]).toEqual(['black', hex(fine.colour)]);

    held.releaseKeyframes();
    const both = await waitForLayout(liveDir, GRID, stageArn, 20_000);
    expect(both.tiles).toHaveLength(2);
    expect(env.sink.names(channel.arn).filter((n) => n === 'Stream Start')).toHaveLength(1);
    expect(env.sink.names(channel.arn)).not.toContain('Stream End');
    expect(listener.failures).toEqual([]);
  }, 120_000);

  it('pip: the pip participant in its corner over the other; with no publishers left it keeps sending black and reports 0', async () => {
    const stageArn = await newStage();
    const channel = await newChannel();
    const liveDir = join(ingest.options.liveDir, channel.id);
    const main = await publish(stageArn, COLOURS[2]);
    const small = await publish(stageArn, COLOURS[3], { pip: 'true' });
    const listener = recorder();
    const composition = await engine.start(plan(stageArn, PIP, channel), listener);
    running.push(composition);
    const shown = await waitForLayout(liveDir, PIP, stageArn, 40_000);
    expect(shown.tiles.find((t) => t.participantId === small.participantId)).toMatchObject({
      x: VIDEO.width - 170,
      y: VIDEO.height - 100,
      width: 160,
      height: 90,
      z: 1,
    });
    expect(shown.tiles.find((t) => t.participantId === main.participantId)).toMatchObject({
      x: 0,
      y: 0,
      width: VIDEO.width,
      height: VIDEO.height,
    });

    for (const p of [main, small]) await env.realtime.send(new DisconnectParticipantCommand({ stageArn, participantId: p.participantId }));
    await eventually(async () => listener.counts[listener.counts.length - 1] === 0, 10_000);
    // Still one broadcast, now black with silence: new segments keep coming.
    const black = await eventually(
      async () => {
        const { rgb, segment } = await liveFrame(liveDir);
        return nearest(pixel(rgb, VIDEO.width / 2, VIDEO.height / 2), [BLACK, ...COLOURS]) === 0 &&
          nearest(pixel(rgb, VIDEO.width - 90, VIDEO.height - 55), [BLACK, ...COLOURS]) === 0
          ? segment
          : undefined;
      },
      20_000,
      500,
    );
    const later = await eventually(async () => {
      const { segment } = await liveFrame(liveDir);
      return segment !== black ? segment : undefined;
    }, 15_000);
    expect(later).not.toBe(black);
    expect(env.sink.names(channel.arn).filter((n) => n === 'Stream End')).toHaveLength(0);
    expect(listener.failures).toEqual([]);
  }, 180_000);
});

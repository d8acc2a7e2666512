import { ChildProcess, spawn } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { ChannelIngestService, IngestSession } from '../ingest/channel-ingest.service';
import { FfmpegProcess } from '../ingest/ffmpeg-process';
import { finishVodPlaylist, playlistDurationMs } from '../ingest/recording-layout';
import type { MediaKind, PublisherLeg } from '../stage/sfu-peers';
import { StageSessionsService, StagePublisher } from '../stage/stage-sessions.service';
import { composeArgs, composeFilterGraph, composeSdp, OPUS_PAYLOAD_TYPE, RtpInput, VP8_PAYLOAD_TYPE } from './compose-command';
import {
  CompositionDestinationPlan,
  CompositionEngine,
  CompositionMediaListener,
  CompositionPlan,
  CompositionVideo,
  DestinationMediaState,
  RunningComposition,
} from './composition-engine';
import { compositionTiles, Tile } from './composition-layout';
import { compositeRecordingDocument, multivariantPlaylist, recorderArgs, renditionName, uniqueRenditions } from './composite-recording';
import { flvFileHeader, FlvReader, FlvSplicer, FlvTag, flvTagBytes, isKeyframe, isSequenceHeader } from './flv-splice';
import {
  freeUdpPortPair,
  KeyframeCache,
  opusSilencePacket,
  restamped,
  rtpSequence,
  rtpTimestamp,
  startsVp8Keyframe,
  withPayloadType,
} from './rtp-forwarding';

/** A track counts as live while packets arrived this recently; one that stops is dropped from the compose inputs. */
const FLOWING_MS = 1_500;
/** Time to see which tracks flow before the first compose process starts. */
const FIRST_LOOK_MS = 700;
/** Several stage changes in a row make one new compose process. */
const DEBOUNCE_MS = 250;
/** After this, a new compose process takes over at its next keyframe even if a tile is still black. */
const READY_GIVE_UP_MS = 6_000;
/** Decode and compose time between a keyframe arriving and a frame showing it. */
const DECODE_MARGIN_MS = 200;
const REFRESH_MS = 500;
const FILL_TICK_MS = 20;
/** A video track silent this long is stood in for by its last keyframe, repeated this often. */
const STILL_AFTER_MS = 250;
const STILL_EVERY_MS = 100;
const SILENCE_AFTER_MS = 120;
const MAX_CRASHES_PER_MINUTE = 5;
const CHANNEL_RETRIES = 3;

@Injectable()
export class FfmpegCompositionEngine extends CompositionEngine {
  constructor(
    private readonly stages: StageSessionsService,
    private readonly ingest: ChannelIngestService,
  ) {
    super();
  }

  async start(plan: CompositionPlan, listener: CompositionMediaListener): Promise<RunningComposition> {
    const composition = new StageComposition(plan, listener, this.stages, this.ingest);
    await composition.begin();
    return composition;
  }
}

/** One layout change as the output saw it (read by tests and benchmarks). */
export interface CompositionSwitch {
  /** From the stage change to the new layout's first frame going out. */
  layoutLatencyMs: number;
  /** Wall time between the last frame of the old process and the first of the new one. */
  stallMs: number;
  tiles: number;
}

/** One publisher track, tapped once, forwarded to whichever compose processes read it. */
interface Tap {
  participantId: string;
  kind: MediaKind;
  leg: PublisherLeg;
  off: () => void;
  tappedAt: number;
  lastPacketAt: number;
  /** Last sequence number and timestamp sent, continued by the stand-in packets. */
  seq: number;
  timestamp: number;
  keyframe?: KeyframeCache;
  /** When the last stand-in was sent for this silent track. */
  filledAt?: number;
  targets: Map<ComposeProcess, { port: number; firstAt?: number; keyframeAt?: number }>;
}

interface ComposeProcess {
  id: number;
  child: ChildProcess;
  signature: string;
  tiles: Tile[];
  inputs: RtpInput[];
  requestedAt: number;
  spawnedAt: number;
  firstForwardAt?: number;
  firstOutputAt?: number;
  takeOverFrom?: number;
  killed: boolean;
  errors: string;
  timers: NodeJS.Timeout[];
}

/** Where the composite goes: an FLV byte sink that must start at a keyframe with the codec configuration. */
interface FlvSink {
  destination: CompositionDestinationPlan;
  write(chunk: Buffer): void;
  fresh: boolean;
  state?: DestinationMediaState;
}

class StageComposition implements RunningComposition {
  private readonly logger: Logger;
  private readonly master: CompositionVideo;
  private readonly splicer: FlvSplicer;
  private readonly taps = new Map<string, Tap>();
  /** Taps of publishers gone from the stage that a compose process still reads until it is replaced. */
  private readonly retired = new Set<Tap>();
  private filler?: NodeJS.Timeout;
  private readonly legIds = new WeakMap<PublisherLeg, number>();
  private legCount = 0;
  private readonly sinks: FlvSink[] = [];
  private readonly config: { audio?: FlvTag; video?: FlvTag } = {};
  private readonly recorders: { sink: FlvSink; proc: FfmpegProcess; dir: string; renditions: CompositionVideo[]; startedAt?: Date }[] = [];
  private channel?: { sink: FlvSink; session?: IngestSession; retries: number };
  private current?: ComposeProcess;
  private next?: ComposeProcess;
  private processCount = 0;
  private wanted?: { signature: string; tiles: Tile[]; inputs: Omit<RtpInput, 'port'>[] };
  private changedAt = Date.now();
  /** When the SFU last reported a change: what a layout change's latency is measured from. */
  private stageChangedAt = Date.now();
  private debounce?: NodeJS.Timeout;
  private ticker?: NodeJS.Timeout;
  private offStage?: () => void;
  private udp?: Socket;
  private workDir = '';
  private ffmpegPath = '';
  private publisherCount = -1;
  private lastOutputAt?: number;
  private crashes: number[] = [];
  private stopping?: Promise<void>;
  private failedAlready = false;
  readonly switches: CompositionSwitch[] = [];

  constructor(
    private readonly plan: CompositionPlan,
    private readonly listener: CompositionMediaListener,
    private readonly stages: StageSessionsService,
    private readonly ingest: ChannelIngestService,
  ) {
    this.logger = new Logger(`Composition ${plan.compositionId}`);
    const channel = plan.destinations.find((d) => d.kind === 'channel');
    const s3Videos = plan.destinations.flatMap((d) => (d.kind === 's3' ? d.video : []));
    // One encode: the channel's settings, else the largest recording rendition (the others are scaled from it).
    this.master = channel?.kind === 'channel' ? channel.video : [...s3Videos].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    this.splicer = new FlvSplicer(Math.round(1000 / this.master.framerate));
  }

  async begin(): Promise<void> {
    const ffmpeg = await this.ingest.checkFfmpeg();
    if (!ffmpeg.ok) {
      this.fail('FFMPEG_UNAVAILABLE', ffmpeg.message);
      return;
    }
    this.ffmpegPath = ffmpeg.path;
    this.workDir = await mkdtemp(join(tmpdir(), 'ivs-composition-'));
    this.udp = createSocket('udp4');
    this.udp.on('error', (err) => this.logger.warn(`forwarding socket: ${err.message}`));
    for (const d of this.plan.destinations) {
      if (d.kind === 'channel') await this.openChannel(d);
      else await this.openRecording(d);
    }
    this.offStage = this.stages.onStagePublishersChanged(this.plan.stageArn, () => {
      this.stageChangedAt = Date.now();
      this.refresh();
    });
    this.refresh();
    this.ticker = setInterval(() => this.refresh(), REFRESH_MS);
    this.ticker.unref();
    this.filler = setInterval(() => this.fillSilentTracks(), FILL_TICK_MS);
    this.filler.unref();
    // Tracks are tapped now; which ones flow is known a moment later.
    setTimeout(() => this.refresh(true), FIRST_LOOK_MS).unref();
  }

  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  // ── the stage side ────────────────────────────────────────────────────────

  /** Re-reads the stage; starts a new compose process when what should be on screen changed. */
  private refresh(firstLook = false): void {
    if (this.stopping || this.failedAlready || !this.udp) return;
    const publishers = this.stages.stagePublishers(this.plan.stageArn);
    if (publishers.length !== this.publisherCount) {
      this.publisherCount = publishers.length;
      this.listener.publishersChanged(publishers.length);
    }
    this.syncTaps(publishers);
    const now = Date.now();
    if (!firstLook && !this.wanted && now - this.changedAt < FIRST_LOOK_MS) return;
    // A track just tapped gets a moment to show it flows: one new process for a newcomer, not two.
    if ([...this.taps.values()].some((t) => t.lastPacketAt === 0 && now - t.tappedAt < FIRST_LOOK_MS)) return;
    const flowing = (id: string, kind: MediaKind) => {
      const tap = this.taps.get(`${id}:${kind}`);
      return !!tap && now - tap.lastPacketAt < FLOWING_MS;
    };
    const tiles = compositionTiles(
      this.plan.layout,
      publishers.map((p) => ({ id: p.participantId, attributes: p.attributes, arrival: p.arrival, videoStopped: p.videoStopped })),
      this.master,
    );
    const inputs: Omit<RtpInput, 'port'>[] = [
      ...tiles
        .filter((t) => t.hasVideo && flowing(t.participantId, 'video'))
        .map((t) => ({ participantId: t.participantId, kind: 'video' as const })),
      ...publishers
        .filter((p) => flowing(p.participantId, 'audio'))
        .map((p) => ({ participantId: p.participantId, kind: 'audio' as const })),
    ];
    const legOf = (id: string) => this.legIds.get(publishers.find((p) => p.participantId === id)!.leg);
    const signature = JSON.stringify({ tiles, inputs: inputs.map((i) => [i.participantId, i.kind, legOf(i.participantId)]) });
    if (signature === this.wanted?.signature) return;
    this.wanted = { signature, tiles, inputs };
    this.changedAt = now;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.spawnWanted(), this.current ? DEBOUNCE_MS : 0);
    this.debounce.unref();
  }

  private syncTaps(publishers: StagePublisher[]): void {
    const live = new Set<string>();
    for (const p of publishers) {
      if (!this.legIds.has(p.leg)) this.legIds.set(p.leg, ++this.legCount);
      for (const kind of ['audio', 'video'] as const) {
        const key = `${p.participantId}:${kind}`;
        live.add(key);
        const existing = this.taps.get(key);
        if (existing?.leg === p.leg) continue;
        existing?.off();
        if (existing && existing.targets.size > 0) this.retired.add(existing);
        const tap: Tap = {
          participantId: p.participantId,
          kind,
          leg: p.leg,
          off: () => undefined,
          tappedAt: Date.now(),
          lastPacketAt: 0,
          seq: 0,
          timestamp: 0,
          keyframe: kind === 'video' ? new KeyframeCache() : undefined,
          targets: new Map(),
        };
        tap.off = p.leg.onRtp(kind, (raw) => this.forward(tap, raw));
        this.taps.set(key, tap);
      }
    }
    for (const [key, tap] of this.taps)
      if (!live.has(key)) {
        tap.off();
        this.taps.delete(key);
        if (tap.targets.size > 0) this.retired.add(tap);
      }
  }

  private forward(tap: Tap, raw: Buffer): void {
    const now = Date.now();
    tap.lastPacketAt = now;
    tap.filledAt = undefined;
    tap.seq = rtpSequence(raw);
    tap.timestamp = rtpTimestamp(raw);
    tap.keyframe?.add(raw);
    if (tap.targets.size === 0) return;
    const packet = withPayloadType(raw, tap.kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE);
    const keyframe = tap.kind === 'video' && startsVp8Keyframe(raw);
    for (const [proc, target] of tap.targets) {
      target.firstAt ??= now;
      proc.firstForwardAt ??= now;
      if (keyframe) target.keyframeAt ??= now;
      this.udp?.send(packet, target.port, '127.0.0.1');
    }
  }

  /**
   * A compose process waits for every input it has: one that goes silent (its publisher left or
   * stalled) would freeze the whole picture until the next process takes over. Until then its
   * last keyframe is repeated (a still) and its audio is Opus silence.
   */
  private fillSilentTracks(): void {
    const now = Date.now();
    for (const tap of [...this.taps.values(), ...this.retired]) {
      if (tap.targets.size === 0 || tap.lastPacketAt === 0) continue;
      if (tap.kind === 'video') {
        const still = tap.keyframe?.latest;
        if (!still || now - tap.lastPacketAt < STILL_AFTER_MS || now - (tap.filledAt ?? 0) < STILL_EVERY_MS) continue;
        tap.filledAt = now;
        tap.timestamp = (tap.timestamp + (90_000 * STILL_EVERY_MS) / 1000) >>> 0;
        for (const raw of still) this.send(tap, restamped(raw, ++tap.seq, tap.timestamp, VP8_PAYLOAD_TYPE));
      } else {
        if (now - tap.lastPacketAt < SILENCE_AFTER_MS) continue;
        tap.filledAt ??= now - 20;
        for (; tap.filledAt + 20 <= now; tap.filledAt += 20) {
          tap.timestamp = (tap.timestamp + 960) >>> 0;
          this.send(tap, opusSilencePacket(++tap.seq, tap.timestamp, OPUS_PAYLOAD_TYPE));
        }
      }
    }
  }

  private send(tap: Tap, packet: Buffer): void {
    for (const target of tap.targets.values()) this.udp?.send(packet, target.port, '127.0.0.1');
  }

  // ── compose processes ─────────────────────────────────────────────────────

  private async spawnWanted(): Promise<void> {
    const wanted = this.wanted;
    if (!wanted || this.stopping || this.failedAlready) return;
    if (this.next && this.next.signature !== wanted.signature) this.kill(this.next);
    if (this.next?.signature === wanted.signature || (this.current?.signature === wanted.signature && !this.next)) return;
    const inputs: RtpInput[] = [];
    for (const i of wanted.inputs) inputs.push({ ...i, port: await freeUdpPortPair() });
    if (this.wanted !== wanted || this.stopping) return;
    const id = ++this.processCount;
    let sdpPath: string | undefined;
    if (inputs.length > 0) {
      sdpPath = join(this.workDir, `compose-${id}.sdp`);
      await writeFile(sdpPath, composeSdp(inputs));
    }
    const args = composeArgs({ sdpPath, filterGraph: composeFilterGraph(wanted.tiles, inputs, this.master), video: this.master });
    const child = spawn(this.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const proc: ComposeProcess = {
      id,
      child,
      signature: wanted.signature,
      tiles: wanted.tiles,
      inputs,
      requestedAt: Math.min(this.stageChangedAt, this.changedAt),
      spawnedAt: Date.now(),
      killed: false,
      errors: '',
      timers: [],
    };
    this.next = proc;
    const reader = new FlvReader();
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const tag of reader.push(chunk)) this.onTag(proc, tag);
    });
    child.stderr!.on('data', (d: Buffer) => (proc.errors = (proc.errors + d.toString()).slice(-2_000)));
    child.once('error', (err) => (proc.errors += String(err)));
    child.once('exit', (code) => this.onExit(proc, code));
    // The process binds its ports while starting: packets sent before are lost, so ask for keyframes again.
    for (const input of inputs) {
      this.taps.get(`${input.participantId}:${input.kind}`)?.targets.set(proc, { port: input.port });
    }
    for (const delay of [0, 300, 900, 1800, 3000, 4500]) {
      const t = setTimeout(() => {
        for (const input of inputs.filter((i) => i.kind === 'video')) {
          const target = this.taps.get(`${input.participantId}:video`)?.targets.get(proc);
          if (target && !target.keyframeAt) this.taps.get(`${input.participantId}:video`)!.leg.requestKeyframe();
        }
      }, delay);
      t.unref();
      proc.timers.push(t);
    }
  }

  /** The timestamp (in the process's own time) from which its frames show every tile, once known. */
  private takeOverFrom(proc: ComposeProcess): number | undefined {
    if (proc.takeOverFrom !== undefined) return proc.takeOverFrom;
    const now = Date.now();
    const videos = proc.inputs.filter((i) => i.kind === 'video').map((i) => this.taps.get(`${i.participantId}:video`)?.targets.get(proc));
    if (videos.length === 0 || now - proc.spawnedAt > READY_GIVE_UP_MS) return (proc.takeOverFrom = 0);
    if (videos.some((v) => !v?.keyframeAt)) return undefined;
    // Inputs are stamped on arrival: ts 0 is the first packet forwarded to this process.
    const origin = proc.firstForwardAt ?? proc.spawnedAt;
    const ready = Math.max(...videos.map((v) => v!.keyframeAt!)) + DECODE_MARGIN_MS;
    return (proc.takeOverFrom = Math.max(0, ready - origin));
  }

  private onTag(proc: ComposeProcess, tag: FlvTag): void {
    if (proc.killed || this.stopping) return;
    proc.firstOutputAt ??= Date.now();
    if (proc !== this.current && proc !== this.next) return;
    const { out, tookOver } = this.splicer.push(proc.id, tag, proc === this.next ? this.takeOverFrom(proc) : undefined);
    if (tookOver) this.tookOver(proc);
    for (const t of out) this.emit(t);
  }

  private tookOver(proc: ComposeProcess): void {
    const now = Date.now();
    const old = this.current;
    this.current = proc;
    if (this.next === proc) this.next = undefined;
    this.switches.push({
      layoutLatencyMs: now - proc.requestedAt,
      stallMs: this.lastOutputAt ? now - this.lastOutputAt : 0,
      tiles: proc.tiles.length,
    });
    if (old) this.kill(old);
  }

  private kill(proc: ComposeProcess): void {
    if (proc.killed) return;
    proc.killed = true;
    for (const t of proc.timers) clearTimeout(t);
    for (const tap of [...this.taps.values(), ...this.retired]) tap.targets.delete(proc);
    for (const tap of this.retired) if (tap.targets.size === 0) this.retired.delete(tap);
    this.splicer.drop(proc.id);
    if (this.next === proc) this.next = undefined;
    proc.child.kill('SIGKILL');
  }

  private onExit(proc: ComposeProcess, code: number | null): void {
    if (proc.killed || this.stopping) return;
    this.logger.warn(`compose process ${proc.id} exited (${code}): ${proc.errors.trim().slice(-400)}`);
    this.kill(proc);
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
    if (this.crashes.length > MAX_CRASHES_PER_MINUTE) {
      this.fail('COMPOSITION_FAILED', `The compose process keeps failing: ${proc.errors.trim().slice(-200)}`);
      return;
    }
    if (proc === this.current) {
      this.current = undefined;
      for (const sink of this.sinks) this.setState(sink, 'RECONNECTING');
    }
    // Start again with the stage as it is now.
    this.wanted = undefined;
    setTimeout(() => this.refresh(true), 500).unref();
  }

  // ── destinations ──────────────────────────────────────────────────────────

  private emit(tag: FlvTag): void {
    this.lastOutputAt = Date.now();
    if (isSequenceHeader(tag)) this.config[tag.kind] = tag;
    for (const sink of this.sinks) {
      if (sink.fresh) {
        // A sink (re)opened mid-stream starts at a keyframe, after the codec configuration.
        if (!isKeyframe(tag)) continue;
        sink.fresh = false;
        sink.write(flvFileHeader());
        for (const c of [this.config.video, this.config.audio]) if (c) sink.write(flvTagBytes({ ...c, ts: tag.ts }));
      }
      sink.write(flvTagBytes(tag));
      if (sink.state !== 'ACTIVE') this.setState(sink, 'ACTIVE');
    }
  }

  private setState(sink: FlvSink, state: DestinationMediaState, error?: { code: string; message: string }): void {
    if (sink.state === state || sink.state === 'STOPPED' || sink.state === 'FAILED') return;
    sink.state = state;
    this.listener.destinationState(sink.destination.id, state, error);
  }

  private async openChannel(d: Extract<CompositionDestinationPlan, { kind: 'channel' }>): Promise<void> {
    const sink: FlvSink = {
      destination: d,
      fresh: true,
      write: (chunk) => {
        const session = this.channel?.session;
        if (session && !session.isEnded) session.write(chunk);
      },
    };
    this.channel = { sink, retries: 0 };
    this.sinks.push(sink);
    await this.startChannelSession();
  }

  /** The composite is one broadcast on the channel: one ingest session, however many compose processes feed it. */
  private async startChannelSession(): Promise<void> {
    const channel = this.channel!;
    const d = channel.sink.destination as Extract<CompositionDestinationPlan, { kind: 'channel' }>;
    const r = await this.ingest.start(d.streamKey, {
      input: 'flv',
      videoIsH264: true,
      onEnded: (reason) => {
        if (this.stopping) return;
        this.logger.warn(`channel ingest ended (${reason})`);
        channel.session = undefined;
        if (channel.retries >= CHANNEL_RETRIES) {
          this.setState(channel.sink, 'FAILED', { code: 'DESTINATION_FAILED', message: `The channel's ingest ended (${reason}).` });
          return;
        }
        channel.retries++;
        this.setState(channel.sink, 'RECONNECTING');
        setTimeout(() => void this.startChannelSession(), 2_000).unref();
      },
    });
    if (this.stopping) {
      if (r.ok) await r.session.end('ENDED');
      return;
    }
    if (!r.ok) {
      this.setState(channel.sink, 'FAILED', { code: r.code, message: r.message });
      return;
    }
    channel.session = r.session;
    channel.sink.fresh = true;
  }

  private async openRecording(d: Extract<CompositionDestinationPlan, { kind: 's3' }>): Promise<void> {
    const renditions = uniqueRenditions(d.video);
    await Promise.all([
      mkdir(join(d.dir, 'events'), { recursive: true }),
      ...renditions.map((v) => mkdir(join(d.dir, 'media', 'hls', renditionName(v)), { recursive: true })),
    ]);
    await writeFile(join(d.dir, 'media', 'hls', 'multivariant.m3u8'), multivariantPlaylist(renditions));
    const proc = FfmpegProcess.start(
      this.ffmpegPath,
      recorderArgs({ dir: d.dir, source: this.master, renditions, segmentSeconds: d.segmentSeconds }),
    );
    const recorder = {
      proc,
      dir: d.dir,
      renditions,
      startedAt: undefined as Date | undefined,
      sink: {
        destination: d,
        fresh: true,
        write: (chunk: Buffer) => {
          if (!recorder.startedAt) {
            recorder.startedAt = new Date();
            void writeFile(
              join(d.dir, 'events', 'recording-started.json'),
              this.recordingDocument('RECORDING_STARTED', recorder.startedAt, renditions),
            );
          }
          proc.write(chunk);
        },
      } as FlvSink,
    };
    void proc.exited.then((code) => {
      if (this.stopping) return;
      this.logger.warn(`recorder exited (${code}): ${proc.errorTail.slice(-400)}`);
      this.setState(recorder.sink, 'FAILED', { code: 'RECORDING_FAILED', message: 'The recording stopped unexpectedly.' });
      void writeFile(
        join(d.dir, 'events', 'recording-failed.json'),
        this.recordingDocument('RECORDING_FAILED', recorder.startedAt ?? new Date(), renditions),
      );
    });
    this.recorders.push(recorder);
    this.sinks.push(recorder.sink);
  }

  private recordingDocument(
    status: 'RECORDING_STARTED' | 'RECORDING_ENDED' | 'RECORDING_FAILED',
    startedAt: Date,
    renditions: CompositionVideo[],
    endedAt?: Date,
    durationMs?: number,
  ): string {
    return compositeRecordingDocument({
      status,
      stageArn: this.plan.stageArn,
      compositionArn: this.plan.compositionArn,
      renditions,
      startedAt,
      endedAt,
      durationMs,
    });
  }

  private fail(code: string, message: string): void {
    if (this.failedAlready) return;
    this.failedAlready = true;
    this.logger.error(`${code}: ${message}`);
    for (const sink of this.sinks) this.setState(sink, 'FAILED', { code, message });
    this.listener.failed({ code, message });
    void this.teardown();
  }

  private async teardown(): Promise<void> {
    clearInterval(this.ticker);
    clearInterval(this.filler);
    clearTimeout(this.debounce);
    this.offStage?.();
    for (const tap of this.taps.values()) tap.off();
    this.taps.clear();
    for (const p of [this.current, this.next]) if (p) this.kill(p);
    this.current = this.next = undefined;
    const session = this.channel?.session;
    if (this.channel) this.channel.session = undefined;
    await session?.end('ENDED');
    for (const r of this.recorders) {
      await r.proc.stop();
      let durationMs = 0;
      for (const v of r.renditions) {
        const playlist = join(r.dir, 'media', 'hls', renditionName(v), 'playlist.m3u8');
        if (!existsSync(playlist)) continue;
        const text = finishVodPlaylist(await readFile(playlist, 'utf8'));
        await writeFile(playlist, text);
        durationMs = Math.max(durationMs, playlistDurationMs(text));
      }
      if (r.startedAt && !this.failedAlready)
        await writeFile(
          join(r.dir, 'events', 'recording-ended.json'),
          this.recordingDocument('RECORDING_ENDED', r.startedAt, r.renditions, new Date(), durationMs),
        );
    }
    this.udp?.close();
    this.udp = undefined;
    if (this.workDir) await rm(this.workDir, { recursive: true, force: true });
  }

  private async finish(): Promise<void> {
    if (!this.failedAlready) await this.teardown();
    for (const sink of this.sinks) this.setState(sink, 'STOPPED');
  }
}

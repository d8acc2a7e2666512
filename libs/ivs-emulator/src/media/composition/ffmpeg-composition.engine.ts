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
  vp8PictureId,
  withVp8PictureId,
} from './rtp-forwarding';

/** A track counts as live while packets arrived this recently; one that stops is dropped from the compose inputs. */
const FLOWING_MS = 1_500;
/** Time to see which tracks flow before the first compose process starts. */
const FIRST_LOOK_MS = 700;
/**
 * A video track that flows but has not given a keyframe yet is not an input (ffmpeg configures
 * its graph only once every input has decoded a frame: one undecodable input means no output
 * at all). A track tapped this recently holds the next layout back a moment for its keyframe.
 */
const KEYFRAME_WAIT_MS = 1_000;
/** Until a new process's first output, each video input is primed with its cached keyframe this often (packets sent before ffmpeg binds its port are lost). */
const PRIME_EVERY_MS = 300;
/** A prime due between live frames waits this long for forward() to send it at a frame's end. */
const PRIME_WAIT_MS = 60;
/** A process with no output this long after its spawn is replaced (logged with ffmpeg's stderr). */
const NO_OUTPUT_MS = 4_000;
/** The process on air that has sent nothing for this long is replaced too. */
const OUTPUT_STALL_MS = 5_000;
/** Output this recent means something is on air. */
const ON_AIR_MS = 2_000;
/** A replaced process's layout is tried again after this while another process is on air. */
const RETRY_MS = 3_000;
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
/** A track silent in the middle of a frame gets a still only after this. */
const STILL_IN_FRAME_AFTER_MS = 1_000;
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

/**
 * One compose process's input port for a track. Sequence numbers are rewritten per port
 * (publisher's plus an offset) so that packets the engine inserts (primes, stills, silence) fit
 * between the publisher's without colliding, while the publisher's own gaps stay visible.
 */
interface Target {
  port: number;
  firstAt?: number;
  /** When a real keyframe reached the process after its first output (so surely while it listened). */
  keyframeAt?: number;
  seqOffset: number;
  lastSeq: number;
  /** A prime is due at the end of the current live frame (since primeDueAt). */
  primeDue: boolean;
  primeDueAt: number;
  primedAt?: number;
}

/** One publisher track, tapped once, forwarded to whichever compose processes read it. */
interface Tap {
  participantId: string;
  kind: MediaKind;
  leg: PublisherLeg;
  off: () => void;
  tappedAt: number;
  lastPacketAt: number;
  /** The publisher's last sequence number; the last timestamp (live, or continued by stand-ins). */
  seq: number;
  timestamp: number;
  /** The last live frame's VP8 PictureID, which inserted keyframes take. */
  pictureId?: number;
  /** The last live video packet did not end its frame: a packet inserted now would break that frame (and the depacketizer's sequence). */
  inFrame?: boolean;
  keyframe?: KeyframeCache;
  /** When the last stand-in was sent for this silent track. */
  filledAt?: number;
  targets: Map<ComposeProcess, Target>;
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
  /** Black and silent, no inputs: stands in while the wanted layout's process gives nothing. */
  holding?: boolean;
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
    this.askForKeyframes(now);
    this.checkOnAir(now);
    if (!firstLook && !this.wanted && now - this.changedAt < FIRST_LOOK_MS) return;
    // A track just tapped gets a moment to show it flows (and video its keyframe): one new process for a newcomer, not two.
    const settling = (t: Tap) =>
      (t.lastPacketAt === 0 && now - t.tappedAt < FIRST_LOOK_MS) ||
      (t.kind === 'video' && t.lastPacketAt > 0 && !t.keyframe?.latest && now - t.tappedAt < KEYFRAME_WAIT_MS);
    if ([...this.taps.values()].some(settling)) return;
    const flowing = (id: string, kind: MediaKind) => {
      const tap = this.taps.get(`${id}:${kind}`);
      // Video only from a keyframe on: the process is primed with it, so it never waits on the publisher.
      return !!tap && now - tap.lastPacketAt < FLOWING_MS && (kind === 'audio' || !!tap.keyframe?.latest);
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

  /**
   * PLI for every flowing video track still without a keyframe (it is not shown until one comes)
   * and for every input of a young process that has not had one since its output began (the
   * process takes over at such a keyframe). The leg limits how often the publisher is asked.
   */
  private askForKeyframes(now: number): void {
    for (const tap of this.taps.values()) {
      if (tap.kind !== 'video' || now - tap.lastPacketAt > FLOWING_MS) continue;
      const waiting =
        !tap.keyframe?.latest ||
        [...tap.targets].some(([proc, t]) => !t.keyframeAt && !proc.killed && now - proc.spawnedAt < READY_GIVE_UP_MS);
      if (waiting) tap.leg.requestKeyframe();
    }
  }

  /** Whether a process other than `except` has sent output lately. */
  private onAir(now: number, except?: ComposeProcess): boolean {
    return !!this.current && this.current !== except && !this.current.killed && !!this.lastOutputAt && now - this.lastOutputAt < ON_AIR_MS;
  }

  /** The process on air went quiet (hung, or starved of an input): replace it before the channel's ingest gives up. */
  private checkOnAir(now: number): void {
    const current = this.current;
    if (!current || current.killed || !this.lastOutputAt || now - this.lastOutputAt < OUTPUT_STALL_MS) return;
    // A young next process gets its own watchdog.
    if (this.next && !this.next.killed && now - this.next.spawnedAt < NO_OUTPUT_MS) return;
    this.logger.warn(
      `compose process ${current.id} has sent nothing for ${now - this.lastOutputAt} ms; replacing it. ffmpeg: ${tail(current.errors)}`,
    );
    this.kill(current);
    this.current = undefined;
    this.spawnHolding();
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
        // Its video is shown from a keyframe the tap has seen: ask for one now.
        if (kind === 'video') p.leg.requestKeyframe();
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
    // Live again after stand-ins: the publisher's next frames refer to frames the processes did not
    // decode last (a still came between), so a keyframe puts the picture right.
    if (tap.filledAt !== undefined && tap.kind === 'video') tap.leg.requestKeyframe();
    tap.filledAt = undefined;
    tap.seq = rtpSequence(raw);
    tap.timestamp = rtpTimestamp(raw);
    if (tap.keyframe) {
      tap.pictureId = vp8PictureId(raw) ?? tap.pictureId;
      const had = !!tap.keyframe.latest;
      tap.keyframe.add(raw);
      // The track's first keyframe makes it an input: a new layout.
      if (!had && tap.keyframe.latest) setImmediate(() => this.refresh());
    }
    if (tap.targets.size === 0) return;
    const payloadType = tap.kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE;
    const keyframe = tap.kind === 'video' && startsVp8Keyframe(raw);
    const endsFrame = tap.kind === 'video' && (raw[1] & 0x80) !== 0;
    tap.inFrame = tap.kind === 'video' && !endsFrame;
    for (const [proc, target] of tap.targets) {
      target.firstAt ??= now;
      // Before its first output the process may not have bound its port yet: such a keyframe may be lost.
      if (keyframe && proc.firstOutputAt) target.keyframeAt ??= now;
      target.lastSeq = (tap.seq + target.seqOffset) & 0xffff;
      this.deliver(proc, target, restamped(raw, target.lastSeq, tap.timestamp, payloadType));
      // Primes only until the first output: a late one would leave the live frames decoding on a stale picture.
      if (endsFrame && target.primeDue && !proc.firstOutputAt) this.prime(tap, proc, target, (tap.timestamp + 1) >>> 0);
    }
  }

  private deliver(proc: ComposeProcess, target: Target, packet: Buffer): void {
    // Inputs are stamped on arrival: the first packet is the process's time 0.
    proc.firstForwardAt ??= Date.now();
    this.udp?.send(packet, target.port, '127.0.0.1');
  }

  /** Packets the engine makes up, numbered after the last one this port got; the publisher's next packet follows them. */
  private inject(tap: Tap, proc: ComposeProcess, target: Target, packets: Buffer[], timestamp: number): void {
    const payloadType = tap.kind === 'video' ? VP8_PAYLOAD_TYPE : OPUS_PAYLOAD_TYPE;
    for (const raw of packets) {
      target.lastSeq = (target.lastSeq + 1) & 0xffff;
      this.deliver(proc, target, restamped(raw, target.lastSeq, timestamp, payloadType));
    }
    target.seqOffset = (target.lastSeq - tap.seq) & 0xffff;
  }

  /**
   * The cached keyframe, so the process can decode this input without waiting for the publisher
   * (its timestamp differs from the live frames' around it, so it is a frame of its own).
   */
  private prime(tap: Tap, proc: ComposeProcess, target: Target, timestamp: number): void {
    target.primeDue = false;
    const keyframe = tap.keyframe?.latest;
    if (!keyframe) return;
    target.primedAt = Date.now();
    // The live frames after it decode on the inserted picture: only a later real keyframe makes it right.
    target.keyframeAt = undefined;
    const id = tap.pictureId;
    this.inject(tap, proc, target, id === undefined ? keyframe : keyframe.map((raw) => withVp8PictureId(raw, id)), timestamp);
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
        if (!still) continue;
        // Primes until the process's first output: the first ones may come before it listens.
        for (const [proc, target] of tap.targets)
          if (!proc.firstOutputAt && !target.primeDue && now - (target.primedAt ?? 0) >= PRIME_EVERY_MS) {
            target.primeDue = true;
            target.primeDueAt = now;
          }
        const silentMs = now - tap.lastPacketAt;
        if (silentMs >= STILL_AFTER_MS) {
          // Not inside a frame whose rest may still come (an event-loop stall delays packets, not only publishers).
          if (now - (tap.filledAt ?? 0) < STILL_EVERY_MS || (tap.inFrame && silentMs < STILL_IN_FRAME_AFTER_MS)) continue;
          tap.filledAt = now;
          tap.timestamp = (tap.timestamp + (90_000 * STILL_EVERY_MS) / 1000) >>> 0;
          for (const [proc, target] of tap.targets) this.prime(tap, proc, target, tap.timestamp);
        } else {
          // A live track: a prime goes at the end of a frame (forward), or here between frames.
          for (const [proc, target] of tap.targets)
            if (target.primeDue && !proc.firstOutputAt && !tap.inFrame && now - target.primeDueAt >= PRIME_WAIT_MS)
              this.prime(tap, proc, target, (tap.timestamp + 1) >>> 0);
        }
      } else {
        if (now - tap.lastPacketAt < SILENCE_AFTER_MS) continue;
        tap.filledAt ??= now - 20;
        for (; tap.filledAt + 20 <= now; tap.filledAt += 20) {
          tap.timestamp = (tap.timestamp + 960) >>> 0;
          const silence = opusSilencePacket(0, tap.timestamp, OPUS_PAYLOAD_TYPE);
          for (const [proc, target] of tap.targets) this.inject(tap, proc, target, [silence], tap.timestamp);
        }
      }
    }
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
    if (this.next) this.kill(this.next);
    this.spawn(wanted.signature, wanted.tiles, inputs);
  }

  /**
   * A black, silent process with no inputs: it depends on nothing but ffmpeg, so it is what goes
   * on air when the wanted layout's process gives nothing; the wanted one is tried again once it is.
   */
  private spawnHolding(): void {
    if (this.stopping || this.failedAlready) return;
    if (this.next) this.kill(this.next);
    this.spawn(`holding`, this.wanted?.tiles ?? [], [], true);
  }

  private spawn(signature: string, tiles: Tile[], inputs: RtpInput[], holding = false): void {
    void this.writeAndSpawn(signature, tiles, inputs, holding);
  }

  private async writeAndSpawn(signature: string, tiles: Tile[], inputs: RtpInput[], holding: boolean): Promise<void> {
    const id = ++this.processCount;
    let sdpPath: string | undefined;
    if (inputs.length > 0) {
      sdpPath = join(this.workDir, `compose-${id}.sdp`);
      await writeFile(sdpPath, composeSdp(inputs));
    }
    if (this.stopping || this.failedAlready) return;
    this.logger.log(`compose process ${id} starts (${tiles.length} tiles, ${inputs.length} inputs${holding ? ', holding' : ''})`);
    const args = composeArgs({ sdpPath, filterGraph: composeFilterGraph(tiles, inputs, this.master), video: this.master });
    const child = spawn(this.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const proc: ComposeProcess = {
      id,
      child,
      signature,
      tiles,
      inputs,
      requestedAt: Math.min(this.stageChangedAt, this.changedAt),
      spawnedAt: Date.now(),
      holding,
      killed: false,
      errors: '',
      timers: [],
    };
    // Another spawn may have happened while the SDP was written: the newest wins.
    if (this.next) this.kill(this.next);
    this.next = proc;
    const reader = new FlvReader();
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const tag of reader.push(chunk)) this.onTag(proc, tag);
    });
    child.stderr!.on('data', (d: Buffer) => (proc.errors = (proc.errors + d.toString()).slice(-2_000)));
    child.once('error', (err) => (proc.errors += String(err)));
    child.once('exit', (code) => this.onExit(proc, code));
    // The process binds its ports while starting: packets sent before are lost. Video inputs are
    // primed with their cached keyframe (fillSilentTracks) until the process's first output.
    const now = Date.now();
    for (const input of inputs) {
      const tap = this.taps.get(`${input.participantId}:${input.kind}`);
      tap?.targets.set(proc, { port: input.port, seqOffset: 0, lastSeq: tap.seq, primeDue: input.kind === 'video', primeDueAt: now });
    }
    const watchdog = setTimeout(() => this.noOutput(proc), NO_OUTPUT_MS);
    watchdog.unref();
    proc.timers.push(watchdog);
  }

  /** A process that gave nothing is replaced: by a holding process when nothing else is on air, else by a fresh try later. */
  private noOutput(proc: ComposeProcess): void {
    if (proc.killed || proc.firstOutputAt || this.stopping || this.failedAlready) return;
    const now = Date.now();
    const onAir = this.onAir(now, proc);
    this.logger.warn(
      `compose process ${proc.id} (${proc.inputs.length} inputs${proc.holding ? ', holding' : ''}) produced no output ${now - proc.spawnedAt} ms after its spawn` +
        `${onAir ? '' : ' with nothing else on air'}; replacing it. ffmpeg: ${tail(proc.errors)}`,
    );
    this.kill(proc);
    if (this.current === proc) this.current = undefined;
    if (!onAir) this.spawnHolding();
    else {
      const retry = setTimeout(() => void this.spawnWanted(), RETRY_MS);
      retry.unref();
    }
  }

  /** The timestamp (in the process's own time) from which its frames show every tile, once known. */
  private takeOverFrom(proc: ComposeProcess): number | undefined {
    if (proc.takeOverFrom !== undefined) return proc.takeOverFrom;
    const now = Date.now();
    const videos = proc.inputs.filter((i) => i.kind === 'video').map((i) => this.taps.get(`${i.participantId}:video`)?.targets.get(proc));
    // With nothing on air, output now beats a complete picture: tiles show from their next keyframe.
    if (videos.length === 0 || now - proc.spawnedAt > READY_GIVE_UP_MS || !this.onAir(now, proc)) return (proc.takeOverFrom = 0);
    if (videos.some((v) => !v?.keyframeAt)) return undefined;
    // Inputs are stamped on arrival: ts 0 is the first packet forwarded to this process.
    const origin = proc.firstForwardAt ?? proc.spawnedAt;
    const ready = Math.max(...videos.map((v) => v!.keyframeAt!)) + DECODE_MARGIN_MS;
    return (proc.takeOverFrom = Math.max(0, ready - origin));
  }

  private onTag(proc: ComposeProcess, tag: FlvTag): void {
    if (proc.killed || this.stopping) return;
    if (!proc.firstOutputAt) {
      proc.firstOutputAt = Date.now();
      // It listens now: a real keyframe lets it take over (askForKeyframes keeps asking).
      for (const input of proc.inputs) if (input.kind === 'video') this.taps.get(`${input.participantId}:video`)?.leg.requestKeyframe();
    }
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
    this.logger.log(
      `compose process ${proc.id} on air (${proc.inputs.length} inputs${proc.holding ? ', holding' : ''}): first output ${(proc.firstOutputAt ?? now) - proc.spawnedAt} ms, on air ${now - proc.spawnedAt} ms after its spawn`,
    );
    // The holding process is on air: try the wanted layout again.
    if (proc.holding) void this.spawnWanted();
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
    this.logger.warn(`compose process ${proc.id} exited (${code}): ${tail(proc.errors)}`);
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

/** The end of what ffmpeg wrote to stderr, for a log line. */
function tail(errors: string): string {
  return errors.trim().slice(-400) || '(nothing on stderr)';
}

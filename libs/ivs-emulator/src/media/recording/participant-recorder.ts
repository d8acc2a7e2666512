import { createSocket, Socket } from 'node:dgram';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { buildParticipantRecordingEvent, type ParticipantRecordingName } from '@streamcat/ivs-events';
import { DataSource } from 'typeorm';
import { localBucketDir } from '../../compositions/compositions.rules';
import { queryOne } from '../../database/emulator-sql';
import { AutoParticipantRecording, participantRecordingPrefix, recordedMedia } from '../../stages/participant-recording.rules';
import { OPUS_PAYLOAD_TYPE, VP8_PAYLOAD_TYPE } from '../composition/compose-command';
import {
  freeUdpPortPair,
  opusSilencePacket,
  rtpSequence,
  rtpTimestamp,
  startsVp8Keyframe,
  withPayloadType,
} from '../composition/rtp-forwarding';
import { ChannelIngestService } from '../ingest/channel-ingest.service';
import { FfmpegProcess } from '../ingest/ffmpeg-process';
import { IvsEventSink, RESOLVED_EVENT_SINK } from '../ivs-event-sink';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { PublishingChange, StageSessionsService } from '../stage/stage-sessions.service';
import {
  PARTICIPANT_MEDIA_PATH,
  participantRecorderArgs,
  participantRecordingDocument,
  participantSdp,
} from './participant-recording-command';

/** Until the first keyframe arrives, one is asked for this often (a browser sends one only when asked). */
const FIRST_KEYFRAME_EVERY_MS = 400;

/** At most this many packets (a few seconds of a camera) wait for ffmpeg to listen. */
const MAX_HELD_PACKETS = 3_000;

/** Held packets go out this many at a time, one batch per turn of the event loop (see `send` below). */
const FLUSH_BATCH = 32;
const FLUSH_EVERY_MS = 5;

/** Whether every port got bound by someone else (ffmpeg) within 5 s. */
async function whenBound(ports: number[]): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const taken = await Promise.all(ports.map(isBound));
    if (taken.every(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 30));
  }
  return false;
}

function isBound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createSocket('udp4');
    probe.once('error', () => {
      probe.close();
      resolve(true);
    });
    probe.bind(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

interface Recording {
  stageArn: string;
  sessionId: string;
  participantId: string;
  bucketName: string;
  keyPrefix: string;
  dir: string;
  workDir: string;
  mediaTypes: string[];
  startedAt: Date;
  proc?: FfmpegProcess;
  udp?: Socket;
  audioPort?: number;
  /** The last audio packet forwarded: what the wake-up silence continues from. */
  lastAudio?: { seq: number; timestamp: number };
  /** When the publisher's last packet arrived: where its recording ends (a vanished browser is noticed seconds later). */
  lastPacketAt?: number;
  offs: (() => void)[];
  timers: NodeJS.Timeout[];
  /** Settles once the start (files, process, event) is done: a stop waits for it. */
  started: Promise<boolean>;
}

/**
 * Individual participant recording (a stage's autoParticipantRecordingConfiguration): every
 * publisher on a stage with recording on gets its own ffmpeg, fed the publisher's RTP as it
 * arrives at the SFU and copying it into the stage's storage (a local folder standing in for the
 * S3 bucket, in IVS's prefix layout), with `IVS Participant Recording State Change` events
 * through the same sink as the SFU's. The configuration is read when the participant starts
 * publishing: a stage updated meanwhile affects the next publish, as on IVS.
 */
@Injectable()
export class ParticipantRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ParticipantRecorder');
  private readonly recordings = new Map<string, Recording>();
  private off?: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly stages: StageSessionsService,
    private readonly ingest: ChannelIngestService,
    @Inject(IVS_MEDIA_OPTIONS) private readonly options: ResolvedMediaOptions,
    @Inject(RESOLVED_EVENT_SINK) private readonly sink: IvsEventSink,
  ) {}

  onModuleInit(): void {
    this.off = this.stages.onPublishing((change) => {
      if (change.published) void this.start(change);
      else void this.stop(change.participantId);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.off?.();
    await Promise.all([...this.recordings.keys()].map((id) => this.stop(id)));
  }

  /** Participants being recorded now (tests). */
  activeRecordings(): { participantId: string; keyPrefix: string; dir: string }[] {
    return [...this.recordings.values()].map((r) => ({ participantId: r.participantId, keyPrefix: r.keyPrefix, dir: r.dir }));
  }

  private async start(change: PublishingChange): Promise<void> {
    if (!change.leg || this.recordings.has(change.participantId)) return;
    const plan = await this.plan(change.stageArn).catch((err: unknown) => {
      this.logger.error(`reading the recording configuration of ${change.stageArn} failed`, String(err));
      return null;
    });
    const media = plan && recordedMedia(plan.config);
    if (!plan || !media) return;
    const startedAt = new Date();
    const keyPrefix = participantRecordingPrefix(plan.stageId, change.sessionId, change.participantId, startedAt);
    const r: Recording = {
      stageArn: change.stageArn,
      sessionId: change.sessionId,
      participantId: change.participantId,
      bucketName: plan.bucketName,
      keyPrefix,
      dir: join(localBucketDir(this.options.recordingsDir, this.options.bucketName, plan.bucketName), keyPrefix),
      workDir: '',
      mediaTypes: [media],
      startedAt,
      offs: [],
      timers: [],
      started: Promise.resolve(false),
    };
    this.recordings.set(change.participantId, r);
    r.started = this.begin(r, change, media, plan.config.hlsConfiguration.targetSegmentDurationSeconds);
  }

  private async begin(
    r: Recording,
    change: PublishingChange,
    media: 'AUDIO_VIDEO' | 'AUDIO_ONLY',
    keyframeEverySeconds: number,
  ): Promise<boolean> {
    const leg = change.leg!;
    try {
      const ffmpeg = await this.ingest.checkFfmpeg();
      if (!ffmpeg.ok) throw new Error(ffmpeg.message);
      await mkdir(join(r.dir, 'events'), { recursive: true });
      await mkdir(join(r.dir, 'media', 'webm'), { recursive: true });
      r.workDir = await mkdtemp(join(tmpdir(), 'ivs-participant-recording-'));
      const ports = { audio: await freeUdpPortPair(), ...(media === 'AUDIO_VIDEO' ? { video: await freeUdpPortPair() } : {}) };
      const sdpPath = join(r.workDir, 'input.sdp');
      await writeFile(sdpPath, participantSdp(r.participantId, ports));
      r.proc = FfmpegProcess.start(ffmpeg.path, participantRecorderArgs({ sdpPath, out: join(r.dir, PARTICIPANT_MEDIA_PATH) }));
      const udp = createSocket('udp4');
      udp.on('error', (err) => this.logger.warn(`recording ${r.participantId}: ${err.message}`));
      r.udp = udp;
      // Packets that come before ffmpeg listens are held, not lost: the file starts when publishing did.
      const held: [Buffer, number][] = [];
      let listening = false;
      // A recording stopped before ffmpeg bound its ports has closed this socket by the time
      // whenBound gives up; sending on it then throws (out of a promise callback: the process dies).
      const open = () => r.udp === udp;
      const send = (packet: Buffer, port: number) => {
        if (!open()) return;
        // While held packets are still going out, new ones queue behind them: ffmpeg gets them in order.
        if (listening && held.length === 0) udp.send(packet, port, '127.0.0.1');
        else if (held.length < MAX_HELD_PACKETS) held.push([packet, port]);
      };
      // The held packets go out a batch at a time: sent in one loop, a few thousand of them held the
      // server's event loop for seconds (every stage's signalling with it) and overflowed ffmpeg's
      // socket buffer, losing the first keyframe ("dimensions not set").
      const drain = () => {
        if (!open()) return void held.splice(0);
        for (const [packet, port] of held.splice(0, FLUSH_BATCH)) udp.send(packet, port, '127.0.0.1');
        if (held.length > 0) setTimeout(drain, FLUSH_EVERY_MS).unref();
      };
      void whenBound(Object.values(ports)).then((bound) => {
        // Nobody listens (ffmpeg did not start; its exit is reported): what was held has nowhere to go.
        if (!bound) held.splice(0);
        listening = true;
        drain();
      });
      r.audioPort = ports.audio;
      r.offs.push(
        leg.onRtp('audio', (raw) => {
          r.lastAudio = { seq: rtpSequence(raw), timestamp: rtpTimestamp(raw) };
          r.lastPacketAt = Date.now();
          send(withPayloadType(raw, OPUS_PAYLOAD_TYPE), ports.audio);
        }),
      );
      if (ports.video !== undefined) {
        // The file starts at a keyframe: frames before one cannot be decoded by anyone.
        let keyed = false;
        r.offs.push(
          leg.onRtp('video', (raw) => {
            r.lastPacketAt = Date.now();
            keyed ||= startsVp8Keyframe(raw);
            if (keyed) send(withPayloadType(raw, VP8_PAYLOAD_TYPE), ports.video!);
          }),
        );
        const untilKeyed = setInterval(() => (keyed ? clearInterval(untilKeyed) : leg.requestKeyframe()), FIRST_KEYFRAME_EVERY_MS);
        r.timers.push(untilKeyed);
        leg.requestKeyframe();
        // Regular keyframes keep the recording seekable (IVS cuts its segments at about this interval).
        r.timers.push(setInterval(() => leg.requestKeyframe(), keyframeEverySeconds * 1000));
      }
      void r.proc.exited.then((code) => {
        if (this.recordings.get(r.participantId) === r && code !== 0) {
          this.logger.warn(`recorder of ${r.participantId} exited (${code}): ${r.proc?.errorTail}`);
        }
      });
      await writeFile(join(r.dir, 'events', 'recording-started.json'), participantRecordingDocument({ ...r, status: 'RECORDING_STARTED' }));
      await this.emit(r, 'Recording Start', r.startedAt);
      return true;
    } catch (err) {
      this.logger.error(`recording ${r.participantId} could not start`, err instanceof Error ? err.message : String(err));
      await this.teardown(r);
      this.recordings.delete(r.participantId);
      await this.emit(r, 'Recording Start Failure', new Date(), err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  /** Ends a participant's recording: the file is finished, `recording-ended.json` written, Recording End sent. */
  private async stop(participantId: string): Promise<void> {
    const r = this.recordings.get(participantId);
    if (!r) return;
    this.recordings.delete(participantId);
    // The recording ends with the publisher's last packet (a browser that vanished without a word is
    // found by its silence seconds later); flushing the file takes a moment more.
    const endedAt = new Date(Math.max(r.startedAt.getTime(), Math.min(Date.now(), r.lastPacketAt ?? Date.now())));
    if (!(await r.started)) return;
    const exit = await this.teardown(r);
    const size = await stat(join(r.dir, PARTICIPANT_MEDIA_PATH)).then(
      (s) => s.size,
      () => 0,
    );
    // 255 is ffmpeg's exit after SIGINT with its outputs closed properly; null means it died before it was writing.
    const ok = (exit === 0 || exit === 255) && size > 0;
    const durationMs = endedAt.getTime() - r.startedAt.getTime();
    await writeFile(
      join(r.dir, 'events', ok ? 'recording-ended.json' : 'recording-failed.json'),
      participantRecordingDocument({ ...r, status: ok ? 'RECORDING_ENDED' : 'RECORDING_FAILED', endedAt, durationMs }),
    ).catch(() => undefined);
    if (!ok) this.logger.warn(`recording ${r.participantId} failed: exit ${exit}, ${size} bytes: ${(r.proc?.errorTail ?? '').slice(-300)}`);
    if (ok) await this.emit(r, 'Recording End', endedAt);
    else await this.emit(r, 'Recording End Failure', endedAt, `the recorder exited with ${exit}: ${(r.proc?.errorTail ?? '').slice(-400)}`);
  }

  /**
   * Stops forwarding and the process (which finishes the file); returns its exit code. ffmpeg
   * acts on SIGINT (closing the file properly: duration, cues) only once its blocked read returns,
   * and the publisher sends nothing more: 20 ms Opus silence packets, continuing the audio, wake it.
   */
  private async teardown(r: Recording): Promise<number | null> {
    for (const off of r.offs.splice(0)) off();
    for (const t of r.timers.splice(0)) clearTimeout(t);
    let code: number | null = null;
    if (r.proc) {
      r.proc.interrupt();
      let { seq, timestamp } = r.lastAudio ?? { seq: 0, timestamp: 0 };
      const waker = setInterval(() => {
        seq = (seq + 1) & 0xffff;
        timestamp = (timestamp + 960) >>> 0;
        if (r.audioPort !== undefined) r.udp?.send(opusSilencePacket(seq, timestamp, OPUS_PAYLOAD_TYPE), r.audioPort, '127.0.0.1');
      }, 50);
      code = await r.proc.exitedWithin(10_000);
      clearInterval(waker);
    }
    r.udp?.close();
    r.udp = undefined;
    if (r.workDir) await rm(r.workDir, { recursive: true, force: true }).catch(() => undefined);
    return code;
  }

  private async plan(stageArn: string): Promise<{ stageId: string; config: AutoParticipantRecording; bucketName: string } | null> {
    const row = await queryOne<{ id: string; config: AutoParticipantRecording | null; bucket_name: string | null }>(
      this.db,
      `SELECT s.id, s.auto_participant_recording AS config, c.bucket_name
         FROM ivs_emu_stages s
         LEFT JOIN ivs_emu_storage_configurations c ON c.arn = s.auto_participant_recording->>'storageConfigurationArn'
        WHERE s.arn = $1`,
      [stageArn],
    );
    if (!row?.config || !row.bucket_name) return null;
    return { stageId: row.id, config: row.config, bucketName: row.bucket_name };
  }

  private async emit(r: Recording, name: ParticipantRecordingName, time: Date, reason?: string): Promise<void> {
    const envelope = buildParticipantRecordingEvent({
      name,
      time,
      stageArn: r.stageArn,
      sessionId: r.sessionId,
      participantId: r.participantId,
      bucketName: r.bucketName,
      keyPrefix: r.keyPrefix,
      ...(reason ? { reason } : {}),
    });
    await this.sink.emit(envelope).catch((err: unknown) => this.logger.error(`event sink failed for ${name}`, String(err)));
  }
}

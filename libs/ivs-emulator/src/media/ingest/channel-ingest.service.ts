import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { buildRecordingEvent, buildStreamHealthEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import type { IngestEndedReason } from '@streamcat/protocol';
import type { StreamKeyOwner } from '../../channels/channels.service';
import { IVS_EMULATOR_OPTIONS, IvsEmulatorOptions } from '../../ivs-emulator.options';
import { IvsEmulatorService } from '../../ivs-emulator.service';
import { PlaybackSessions } from '../files/playback-sessions';
import { IvsEventSink, RESOLVED_EVENT_SINK } from '../ivs-event-sink';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { FfmpegStatus, ingestArgs, probeFfmpeg } from './ffmpeg';
import {
  finishVodPlaylist,
  masterPlaylist,
  newRecordingId,
  playlistDurationMs,
  RECORDING_RENDITION,
  recordingEventDocument,
  recordingKeyPrefix,
} from './recording-layout';

/** Why an ingest ended: the encoder stopped (ENDED), or the ingest ended it (the reasons the browser is told). */
export type IngestEndReason = 'ENDED' | IngestEndedReason;

/** What an ingest front end (browser websocket, RTMP) tells the ingest about its stream. */
export interface IngestSource {
  input: 'webm' | 'flv';
  videoIsH264: boolean;
  /** Called once when the session ends for any reason other than the source itself ending it. */
  onEnded(reason: IngestEndedReason): void;
}

export type IngestStartError = { code: 'STREAM_KEY_INVALID' | 'INGEST_UNAVAILABLE'; message: string };

const FFMPEG_RECHECK_MS = 30_000;
const THUMBNAIL_EVERY_SECONDS = 10;

/**
 * Channel ingest: one live session per channel, fed by a front end, turned by ffmpeg into
 * live HLS + an IVS-layout recording, reported to the control plane (GetStream) and as IVS
 * events, in the order AWS sends them.
 */
@Injectable()
export class ChannelIngestService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChannelIngest');
  private readonly sessions = new Map<string, IngestSession>();
  private readonly playback = new PlaybackSessions();
  private ffmpeg?: { status: FfmpegStatus; at: number };
  private probing?: Promise<FfmpegStatus>;
  private off?: () => void;

  constructor(
    private readonly emulator: IvsEmulatorService,
    @Inject(IVS_MEDIA_OPTIONS) readonly options: ResolvedMediaOptions,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly emulatorOptions: IvsEmulatorOptions,
    @Inject(RESOLVED_EVENT_SINK) private readonly sink: IvsEventSink,
  ) {}

  async onModuleInit(): Promise<void> {
    const status = await this.checkFfmpeg();
    if (!status.ok) this.logger.warn(`${status.message} Going live will fail until it is installed.`);
    this.off = this.emulator.onStopStream(async ({ channelArn }) => {
      const session = [...this.sessions.values()].find((s) => s.owner.channelArn === channelArn);
      await session?.end('STOPPED');
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.off?.();
    await Promise.all([...this.sessions.values()].map((s) => s.end('SHUTDOWN')));
  }

  /** ffmpeg availability, re-checked at most every 30 s (so installing it needs no restart). */
  async checkFfmpeg(): Promise<FfmpegStatus> {
    if (this.ffmpeg && Date.now() - this.ffmpeg.at <= FFMPEG_RECHECK_MS) return this.ffmpeg.status;
    // One probe at a time, however many callers ask while it runs.
    this.probing ??= probeFfmpeg(this.options.ffmpegPath)
      .then((status) => {
        this.ffmpeg = { status, at: Date.now() };
        return status;
      })
      .finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** The last known availability, for health reports; a stale answer starts a fresh check. */
  ffmpegStatus(): FfmpegStatus {
    if (!this.ffmpeg || Date.now() - this.ffmpeg.at > FFMPEG_RECHECK_MS) void this.checkFfmpeg();
    return this.ffmpeg?.status ?? { ok: false, message: 'ffmpeg has not been checked yet.' };
  }

  /** Channel ids with a running ingest. */
  liveChannelIds(): string[] {
    return [...this.sessions.keys()];
  }

  /** Checks the key and ffmpeg, replaces a running ingest on the channel, and goes live. */
  async start(streamKey: string, source: IngestSource): Promise<{ ok: true; session: IngestSession } | ({ ok: false } & IngestStartError)> {
    const owner = await this.emulator.findChannelByStreamKey(streamKey);
    if (!owner) return { ok: false, code: 'STREAM_KEY_INVALID', message: 'This stream key is not valid (it may have been rotated).' };
    const ffmpeg = await this.checkFfmpeg();
    if (!ffmpeg.ok) return { ok: false, code: 'INGEST_UNAVAILABLE', message: ffmpeg.message };
    await this.sessions.get(owner.channelId)?.end('TAKEOVER');
    const session = new IngestSession(
      owner,
      source,
      this.options,
      this.emulatorOptions.accountId,
      this.emulator,
      this.sink,
      this.logger,
      () => {
        if (this.sessions.get(owner.channelId) !== session) return;
        this.sessions.delete(owner.channelId);
        this.playback.forget(owner.channelId);
      },
      () => this.playback.count(owner.channelId, Date.now()),
    );
    this.sessions.set(owner.channelId, session);
    await session.begin();
    this.logger.log(`channel ${owner.channelId}: ingest started`);
    return { ok: true, session };
  }

  /**
   * The HLS server reports each playlist or segment fetch under a playback session; GetStream's
   * viewerCount counts recent sessions, a few per client address at most (see playback-sessions).
   */
  noteViewer(channelId: string, sessionId: string, clientAddress: string): void {
    if (!this.sessions.has(channelId)) return;
    this.playback.note(channelId, sessionId, clientAddress, Date.now());
  }

  /** True while the channel has a live ingest (its playback URL answers). */
  isLive(channelId: string): boolean {
    return this.sessions.has(channelId);
  }
}

/** One live stream on one channel. */
export class IngestSession {
  readonly liveDir: string;
  readonly recordingDir: string;
  readonly keyPrefix: string;
  streamId = '';
  private readonly recordingId = newRecordingId();
  private readonly startedAt = new Date();
  private ffmpeg?: ChildProcess;
  private ffmpegExited?: Promise<number | null>;
  private lastDataAt = Date.now();
  /** Since when ffmpeg's stdin has been full (the source is paused on our side), or null. */
  private backloggedSince: number | null = null;
  private starving = false;
  private streamStarted = false;
  private ending?: Promise<void>;
  private monitor?: NodeJS.Timeout;
  private events = Promise.resolve();
  private lastViewerCount = 0;
  private ffmpegErrors = '';

  constructor(
    readonly owner: StreamKeyOwner,
    private readonly source: IngestSource,
    private readonly options: ResolvedMediaOptions,
    accountId: string,
    private readonly emulator: IvsEmulatorService,
    private readonly sink: IvsEventSink,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
    private readonly viewers: () => number,
  ) {
    this.liveDir = join(options.liveDir, owner.channelId);
    this.keyPrefix = recordingKeyPrefix(accountId, owner.channelId, this.startedAt, this.recordingId);
    this.recordingDir = join(options.recordingsDir, ...this.keyPrefix.split('/'));
  }

  get isEnded(): boolean {
    return this.ending !== undefined;
  }

  async begin(): Promise<void> {
    await rm(this.liveDir, { recursive: true, force: true });
    const renditionDir = join(this.recordingDir, 'media', 'hls', RECORDING_RENDITION);
    const thumbnailsDir = join(this.recordingDir, 'media', 'thumbnails');
    await Promise.all([
      mkdir(this.liveDir, { recursive: true }),
      mkdir(renditionDir, { recursive: true }),
      mkdir(thumbnailsDir, { recursive: true }),
      mkdir(join(this.recordingDir, 'events'), { recursive: true }),
    ]);
    const { streamId } = await this.emulator.startStream(this.owner.channelArn);
    this.streamId = streamId;
    this.queueStreamState('Session Created');
    await writeFile(join(this.recordingDir, 'media', 'hls', 'master.m3u8'), masterPlaylist(2_628_000));
    const args = ingestArgs({
      input: this.source.input,
      videoIsH264: this.source.videoIsH264,
      segmentSeconds: this.options.segmentSeconds,
      liveDir: this.liveDir,
      recordingRenditionDir: renditionDir,
      thumbnailsDir,
      thumbnailEverySeconds: THUMBNAIL_EVERY_SECONDS,
    });
    const proc = spawn(this.options.ffmpegPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    this.ffmpeg = proc;
    this.ffmpegExited = new Promise((resolve) => {
      proc.once('exit', (code) => resolve(code));
      proc.once('error', (err) => {
        this.ffmpegErrors += String(err);
        resolve(-1);
      });
    });
    proc.stderr!.on('data', (d: Buffer) => (this.ffmpegErrors = (this.ffmpegErrors + d.toString()).slice(-2_000)));
    // EPIPE when ffmpeg dies mid-write: the exit handler ends the session.
    proc.stdin!.on('error', () => undefined);
    void this.ffmpegExited.then((code) => {
      if (!this.ending) {
        this.logger.warn(`ffmpeg exited (${code}) for channel ${this.owner.channelId}: ${this.ffmpegErrors.trim().slice(-500)}`);
        void this.end('FAILED');
      }
    });
    this.monitor = setInterval(() => void this.tick(), 250);
    this.monitor.unref();
  }

  /** Feeds ffmpeg; returns false when the caller should wait for `drain` (back-pressure). */
  write(chunk: Buffer): boolean {
    if (this.ending || !this.ffmpeg?.stdin?.writable) return true;
    this.lastDataAt = Date.now();
    if (this.starving) {
      this.starving = false;
      void this.emulator.setStreamHealth(this.owner.channelArn, { health: 'HEALTHY' }).catch(() => undefined);
      this.queueHealth('Starvation End');
    }
    const accepted = this.ffmpeg.stdin.write(chunk);
    if (!accepted) this.backloggedSince ??= Date.now();
    return accepted;
  }

  onDrain(fn: () => void): void {
    this.ffmpeg?.stdin?.once('drain', () => {
      // The source was held back by us: its silence clock starts again now.
      this.backloggedSince = null;
      this.lastDataAt = Date.now();
      fn();
    });
  }

  /** Ends the stream (idempotent): flushes ffmpeg, finishes the recording, emits the closing events. */
  end(reason: IngestEndReason): Promise<void> {
    this.ending ??= this.finish(reason);
    return this.ending;
  }

  private async tick(): Promise<void> {
    if (this.ending) return;
    // While ffmpeg's input is full we stop reading the source: that quiet is our encoder being
    // slow (a starved CPU), not the broadcaster going away. Only a stuck encoder ends the stream.
    // (Only the silence rules wait: Stream Start and viewer counts below still run.)
    const backlogged = this.backloggedSince !== null;
    if (backlogged && Date.now() - this.backloggedSince! >= this.options.endAfterMs * 3) {
      await this.end('STALLED');
      return;
    }
    const silentFor = backlogged ? 0 : Date.now() - this.lastDataAt;
    if (silentFor >= this.options.endAfterMs) {
      await this.end('STALLED');
      return;
    }
    if (!this.starving && this.streamStarted && silentFor >= this.options.starvationAfterMs) {
      this.starving = true;
      await this.emulator.setStreamHealth(this.owner.channelArn, { health: 'STARVING' }).catch(() => undefined);
      this.queueHealth('Starvation Start');
    }
    if (!this.streamStarted && existsSync(join(this.liveDir, 'live.m3u8'))) {
      // Stream Start once viewers can actually load the playlist, as on IVS.
      this.streamStarted = true;
      this.queueStreamState('Stream Start');
      this.queueRecording('Recording Start');
      await writeFile(join(this.recordingDir, 'events', 'recording-started.json'), this.recordingDocument('RECORDING_STARTED'));
    }
    const viewers = this.viewers();
    if (viewers !== this.lastViewerCount) {
      this.lastViewerCount = viewers;
      await this.emulator.setStreamHealth(this.owner.channelArn, { viewerCount: viewers }).catch(() => undefined);
    }
  }

  private async finish(reason: IngestEndReason): Promise<void> {
    clearInterval(this.monitor);
    // One line per stream end: why a show stopped is the first question after it did.
    this.logger.log(
      `channel ${this.owner.channelId}: ingest ended (${reason}) after ${Math.round((Date.now() - this.startedAt.getTime()) / 1000)} s`,
    );
    if (reason !== 'ENDED') this.source.onEnded(reason);
    const proc = this.ffmpeg;
    if (proc) {
      proc.stdin?.end();
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await this.ffmpegExited;
      clearTimeout(killer);
    }
    const endedAt = new Date();
    let durationMs = 0;
    const variant = join(this.recordingDir, 'media', 'hls', RECORDING_RENDITION, 'playlist.m3u8');
    if (existsSync(variant)) {
      const text = finishVodPlaylist(await readFile(variant, 'utf8'));
      await writeFile(variant, text);
      durationMs = playlistDurationMs(text);
    }
    // StopStream already ended the stream in the control plane.
    if (reason !== 'STOPPED') await this.emulator.endStream(this.owner.channelArn).catch(() => null);
    if (this.streamStarted) {
      await writeFile(
        join(this.recordingDir, 'events', 'recording-ended.json'),
        this.recordingDocument('RECORDING_ENDED', endedAt, durationMs),
      );
      this.queueStreamState('Stream End');
      this.queueRecording('Recording End', durationMs);
    } else {
      this.queueStreamState('Stream Failure', { code: 'INGEST_FAILED', reason: this.ffmpegErrors.trim().slice(-200) || reason });
    }
    this.queueStreamState('Session Ended');
    await this.events;
    await rm(this.liveDir, { recursive: true, force: true });
    this.onClosed();
  }

  private recordingDocument(status: 'RECORDING_STARTED' | 'RECORDING_ENDED', endedAt?: Date, durationMs?: number): string {
    return recordingEventDocument({
      status,
      channelArn: this.owner.channelArn,
      channelId: this.owner.channelId,
      streamId: this.streamId,
      recordingId: this.recordingId,
      startedAt: this.startedAt,
      endedAt,
      durationMs,
    });
  }

  private queue(build: () => object): void {
    const envelope = build();
    this.events = this.events.then(() =>
      this.sink.emit(envelope).catch((err: unknown) => this.logger.error(`event sink failed: ${String(err)}`)),
    );
  }

  private queueStreamState(
    name: Parameters<typeof buildStreamStateEvent>[0]['name'],
    extra: { code?: string; reason?: string } = {},
  ): void {
    this.queue(() =>
      buildStreamStateEvent({
        name,
        time: new Date(),
        channelArn: this.owner.channelArn,
        channelName: this.owner.channelName,
        streamId: this.streamId,
        ...extra,
      }),
    );
  }

  private queueHealth(name: 'Starvation Start' | 'Starvation End'): void {
    this.queue(() =>
      buildStreamHealthEvent({
        name,
        time: new Date(),
        channelArn: this.owner.channelArn,
        channelName: this.owner.channelName,
        streamId: this.streamId,
      }),
    );
  }

  private queueRecording(status: 'Recording Start' | 'Recording End', durationMs?: number): void {
    this.queue(() =>
      buildRecordingEvent({
        status,
        time: new Date(),
        channelArn: this.owner.channelArn,
        channelName: this.owner.channelName,
        streamId: this.streamId,
        s3BucketName: this.options.bucketName,
        s3KeyPrefix: this.keyPrefix,
        recordingSessionId: this.recordingId,
        ...(durationMs !== undefined ? { durationMs } : {}),
      }),
    );
  }
}

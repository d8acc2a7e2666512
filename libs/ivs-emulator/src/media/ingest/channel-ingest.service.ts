import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { IngestEndedReason } from '@streamcat/protocol';
import type { StreamKeyOwner } from '../../channels/channels.service';
import { IVS_EMULATOR_OPTIONS, IvsEmulatorOptions } from '../../ivs-emulator.options';
import { IvsEmulatorService } from '../../ivs-emulator.service';
import { PlaybackSessions } from '../files/playback-sessions';
import { IvsEventSink, RESOLVED_EVENT_SINK } from '../ivs-event-sink';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { ffmpegCandidates, FfmpegStatus, findFfmpeg, ingestArgs } from './ffmpeg';
import { FfmpegProcess } from './ffmpeg-process';
import { IngestEvents } from './ingest-events';
import { IngestAction, ingestDataArrived, ingestDrained, IngestState, initialIngestState, nextIngestStep } from './ingest-rules';
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
const TICK_MS = 250;

/** What every session of the service shares. */
interface IngestContext {
  options: ResolvedMediaOptions;
  accountId: string;
  emulator: IvsEmulatorService;
  sink: IvsEventSink;
  logger: Logger;
}

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
  private readonly context: IngestContext;

  constructor(
    private readonly emulator: IvsEmulatorService,
    @Inject(IVS_MEDIA_OPTIONS) readonly options: ResolvedMediaOptions,
    @Inject(IVS_EMULATOR_OPTIONS) emulatorOptions: IvsEmulatorOptions,
    @Inject(RESOLVED_EVENT_SINK) sink: IvsEventSink,
  ) {
    this.context = { options, accountId: emulatorOptions.accountId, emulator, sink, logger: this.logger };
  }

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
    this.probing ??= findFfmpeg(ffmpegCandidates(this.options))
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
    const session = new IngestSession(owner, source, ffmpeg.path, this.context, {
      closed: () => {
        if (this.sessions.get(owner.channelId) !== session) return;
        this.sessions.delete(owner.channelId);
        this.playback.forget(owner.channelId);
      },
      viewers: () => this.playback.count(owner.channelId, Date.now()),
    });
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

/**
 * One live stream on one channel: the files, ffmpeg and the events at the edge; when to
 * report starvation, start or end is decided by the pure rules in ingest-rules.
 */
export class IngestSession {
  readonly liveDir: string;
  readonly recordingDir: string;
  readonly keyPrefix: string;
  private readonly recordingId = newRecordingId();
  private readonly startedAt = new Date();
  private readonly options: ResolvedMediaOptions;
  private readonly emulator: IvsEmulatorService;
  private readonly logger: Logger;
  private readonly events: IngestEvents;
  private ffmpeg?: FfmpegProcess;
  private rules: IngestState = initialIngestState(Date.now());
  private ending?: Promise<void>;
  private monitor?: NodeJS.Timeout;
  private stalledBecause?: string;
  private healthUpdates = Promise.resolve();

  constructor(
    readonly owner: StreamKeyOwner,
    private readonly source: IngestSource,
    private readonly ffmpegPath: string,
    context: IngestContext,
    private readonly hooks: { closed(): void; viewers(): number },
  ) {
    ({ options: this.options, emulator: this.emulator, logger: this.logger } = context);
    this.liveDir = join(this.options.liveDir, owner.channelId);
    this.keyPrefix = recordingKeyPrefix(context.accountId, owner.channelId, this.startedAt, this.recordingId);
    this.recordingDir = join(this.options.recordingsDir, ...this.keyPrefix.split('/'));
    this.events = new IngestEvents(
      owner,
      { bucketName: this.options.bucketName, keyPrefix: this.keyPrefix, recordingId: this.recordingId },
      context.sink,
      this.logger,
    );
  }

  get streamId(): string {
    return this.events.streamId;
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
    this.events.streamId = streamId;
    this.events.streamState('Session Created');
    await writeFile(join(this.recordingDir, 'media', 'hls', 'master.m3u8'), masterPlaylist(2_628_000));
    const ffmpeg = FfmpegProcess.start(
      this.ffmpegPath,
      ingestArgs({
        input: this.source.input,
        videoIsH264: this.source.videoIsH264,
        segmentSeconds: this.options.segmentSeconds,
        liveDir: this.liveDir,
        recordingRenditionDir: renditionDir,
        thumbnailsDir,
        thumbnailEverySeconds: THUMBNAIL_EVERY_SECONDS,
      }),
    );
    this.ffmpeg = ffmpeg;
    void ffmpeg.exited.then((code) => {
      if (this.ending) return;
      this.logger.warn(`ffmpeg exited (${code}) for channel ${this.owner.channelId}: ${ffmpeg.errorTail.slice(-500)}`);
      void this.end('FAILED');
    });
    this.monitor = setInterval(() => void this.tick(), TICK_MS);
    this.monitor.unref();
  }

  /** Feeds ffmpeg; returns false when the caller should wait for `drain` (back-pressure). */
  write(chunk: Buffer): boolean {
    if (this.ending || !this.ffmpeg?.writable) return true;
    const accepted = this.ffmpeg.write(chunk);
    const step = ingestDataArrived(this.rules, Date.now(), accepted);
    this.rules = step.state;
    void this.perform(step.actions);
    return accepted;
  }

  onDrain(fn: () => void): void {
    this.ffmpeg?.onDrain(() => {
      this.rules = ingestDrained(this.rules, Date.now());
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
    const seen = { playlistReady: existsSync(join(this.liveDir, 'live.m3u8')), viewers: this.hooks.viewers() };
    const step = nextIngestStep(this.rules, Date.now(), this.options, seen);
    this.rules = step.state;
    await this.perform(step.actions);
  }

  /** Carries out what the rules decided, in order. */
  private async perform(actions: IngestAction[]): Promise<void> {
    for (const action of actions) {
      switch (action.do) {
        case 'end':
          this.stalledBecause = action.why;
          await this.end(action.reason);
          return;
        // Events are queued at once, in the order the rules decided: data arriving while a
        // Starvation Start is being reported must not put its Starvation End first.
        case 'starvation-start':
          this.events.health('Starvation Start');
          await this.reportHealth({ health: 'STARVING' });
          break;
        case 'starvation-end':
          this.events.health('Starvation End');
          void this.reportHealth({ health: 'HEALTHY' });
          break;
        case 'stream-start':
          this.events.streamState('Stream Start');
          this.events.recordingState('Recording Start');
          await writeFile(join(this.recordingDir, 'events', 'recording-started.json'), this.recordingDocument('RECORDING_STARTED'));
          break;
        case 'report-viewers':
          await this.reportHealth({ viewerCount: action.viewers });
          break;
      }
    }
  }

  /** GetStream's health and viewer count, updated one at a time so the last decision wins. */
  private reportHealth(update: Parameters<IvsEmulatorService['setStreamHealth']>[1]): Promise<void> {
    this.healthUpdates = this.healthUpdates.then(() => this.emulator.setStreamHealth(this.owner.channelArn, update).catch(() => undefined));
    return this.healthUpdates;
  }

  private async finish(reason: IngestEndReason): Promise<void> {
    clearInterval(this.monitor);
    // One line per stream end: why a show stopped is the first question after it did.
    this.logger.log(
      `channel ${this.owner.channelId}: ingest ended (${reason}${this.stalledBecause ? `: ${this.stalledBecause}` : ''}) after ${Math.round((Date.now() - this.startedAt.getTime()) / 1000)} s`,
    );
    if (reason !== 'ENDED') this.source.onEnded(reason);
    await this.ffmpeg?.stop();
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
    if (this.rules.streamStarted) {
      await writeFile(
        join(this.recordingDir, 'events', 'recording-ended.json'),
        this.recordingDocument('RECORDING_ENDED', endedAt, durationMs),
      );
      this.events.streamState('Stream End');
      this.events.recordingState('Recording End', durationMs);
    } else {
      this.events.streamState('Stream Failure', { code: 'INGEST_FAILED', reason: this.ffmpeg?.errorTail.slice(-200) || reason });
    }
    this.events.streamState('Session Ended');
    await this.events.flushed();
    await rm(this.liveDir, { recursive: true, force: true });
    this.hooks.closed();
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
}

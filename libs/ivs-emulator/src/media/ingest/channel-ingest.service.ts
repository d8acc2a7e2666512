import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { IngestEndedReason } from '@streamcat/protocol';
import type { StreamKeyOwner } from '../../channels/channels.service';
import { IVS_EMULATOR_OPTIONS, IvsEmulatorOptions } from '../../ivs-emulator.options';
import { IvsEmulatorService } from '../../ivs-emulator.service';
import { PlaybackSessions } from '../files/playback-sessions';
import { IvsEventSink, RESOLVED_EVENT_SINK } from '../ivs-event-sink';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { ffmpegCandidates, FfmpegStatus, findFfmpeg, IngestCommand, ingestArgs } from './ffmpeg';
import { FfmpegProcess } from './ffmpeg-process';
import { IngestEvents } from './ingest-events';
import {
  IngestAction,
  ingestDataArrived,
  ingestDrained,
  ingestSourceAttached,
  ingestSourceDropped,
  ingestStartVerdict,
  IngestState,
  initialIngestState,
  nextIngestStep,
} from './ingest-rules';
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
  /** Only carry on a stream whose source went (a reloaded studio): never take over or start one. */
  resumeOnly?: boolean;
}

export type IngestStartError = {
  code: 'STREAM_KEY_INVALID' | 'INGEST_UNAVAILABLE' | 'SOURCE_CONNECTED' | 'NOTHING_TO_RESUME';
  message: string;
};

const SOURCE_CONNECTED: IngestStartError = {
  code: 'SOURCE_CONNECTED',
  message: 'Another encoder is sending this channel’s stream.',
};
const NOTHING_TO_RESUME: IngestStartError = {
  code: 'NOTHING_TO_RESUME',
  message: 'This channel has no stream waiting for its encoder to come back.',
};

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
 * Channel ingest: one live stream per channel, fed by a front end (one source after another), turned by ffmpeg into
 * live HLS + an IVS-layout recording, reported to the control plane (GetStream) and as IVS
 * events, in the order AWS sends them.
 */
@Injectable()
export class ChannelIngestService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ChannelIngest');
  private readonly sessions = new Map<string, ChannelStream>();
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

  /**
   * Checks the key and ffmpeg and goes live. A stream already running on the channel is carried
   * on by this source when its own source dropped within the grace (or went silent); otherwise
   * it is ended (TAKEOVER) and a new stream starts.
   */
  async start(streamKey: string, source: IngestSource): Promise<{ ok: true; session: IngestSession } | ({ ok: false } & IngestStartError)> {
    const owner = await this.emulator.findChannelByStreamKey(streamKey);
    if (!owner) return { ok: false, code: 'STREAM_KEY_INVALID', message: 'This stream key is not valid (it may have been rotated).' };
    const ffmpeg = await this.checkFfmpeg();
    if (!ffmpeg.ok) return { ok: false, code: 'INGEST_UNAVAILABLE', message: ffmpeg.message };
    const running = this.sessions.get(owner.channelId);
    if (running) {
      const resumed = await running.resume(source);
      if (resumed === 'source-connected') return { ok: false, ...SOURCE_CONNECTED };
      if (resumed instanceof IngestSession) return { ok: true, session: resumed };
      if (source.resumeOnly) return { ok: false, ...NOTHING_TO_RESUME };
      await running.end('TAKEOVER');
    } else if (source.resumeOnly) {
      return { ok: false, ...NOTHING_TO_RESUME };
    }
    const stream = new ChannelStream(owner, ffmpeg.path, this.context, {
      closed: () => {
        if (this.sessions.get(owner.channelId) !== stream) return;
        this.sessions.delete(owner.channelId);
        this.playback.forget(owner.channelId);
      },
      viewers: () => this.playback.count(owner.channelId, Date.now()),
    });
    this.sessions.set(owner.channelId, stream);
    const session = await stream.begin(source);
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
 * One source's connection to a channel's live stream: what a front end (browser socket, RTMP,
 * a composition) holds. Several may come one after another in one stream (a studio reloading);
 * only the newest carries it, an earlier one is detached and its writes are dropped.
 */
export class IngestSession {
  /** Another source carries the stream on (or it ended): this one's media and stop no longer count. */
  detached = false;

  constructor(
    private readonly stream: ChannelStream,
    readonly source: IngestSource,
  ) {}

  get streamId(): string {
    return this.stream.streamId;
  }

  get isEnded(): boolean {
    return this.detached || this.stream.isEnded;
  }

  /** Feeds ffmpeg; returns false when the caller should wait for `drain` (back-pressure). */
  write(chunk: Buffer): boolean {
    return this.stream.write(this, chunk);
  }

  onDrain(fn: () => void): void {
    this.stream.onDrain(this, fn);
  }

  /** The source ended the stream on purpose (`{t:'stop'}`, RTMP unpublish): it ends at once. */
  end(reason: IngestEndReason): Promise<void> {
    return this.detached ? Promise.resolve() : this.stream.end(reason);
  }

  /** The source's connection was lost without a stop: the stream waits the grace for another source. */
  drop(): void {
    this.stream.sourceDropped(this);
  }
}

/** One source's ffmpeg writing into the stream's playlists. */
interface Leg {
  session: IngestSession;
  ffmpeg: FfmpegProcess;
}

/**
 * One live stream on one channel: the files, ffmpeg (one process per source, each appending to
 * the same live and recording playlists) and the events at the edge; when to report
 * starvation, start, end or let a new source resume is decided by the pure rules in ingest-rules.
 */
export class ChannelStream {
  readonly liveDir: string;
  readonly recordingDir: string;
  readonly keyPrefix: string;
  private readonly renditionDir: string;
  private readonly thumbnailsDir: string;
  private readonly recordingId = newRecordingId();
  private readonly startedAt = new Date();
  private readonly options: ResolvedMediaOptions;
  private readonly emulator: IvsEmulatorService;
  private readonly logger: Logger;
  private readonly events: IngestEvents;
  /** The source carrying the stream now; none while it waits for one to come back. */
  private leg?: Leg;
  /** Resolves once the last stopped source's ffmpeg has flushed (the next may then append). */
  private flushed: Promise<void> = Promise.resolve();
  private sources = 0;
  /** The newest source's ffmpeg, for its last error lines once it has gone. */
  private lastFfmpeg?: FfmpegProcess;
  /** Resumes one at a time: two sources arriving together must not both append. */
  private switching: Promise<unknown> = Promise.resolve();
  private rules: IngestState = initialIngestState(Date.now());
  private ending?: Promise<void>;
  private monitor?: NodeJS.Timeout;
  private stalledBecause?: string;
  private healthUpdates = Promise.resolve();

  constructor(
    readonly owner: StreamKeyOwner,
    private readonly ffmpegPath: string,
    context: IngestContext,
    private readonly hooks: { closed(): void; viewers(): number },
  ) {
    ({ options: this.options, emulator: this.emulator, logger: this.logger } = context);
    this.liveDir = join(this.options.liveDir, owner.channelId);
    this.keyPrefix = recordingKeyPrefix(context.accountId, owner.channelId, this.startedAt, this.recordingId);
    this.recordingDir = join(this.options.recordingsDir, ...this.keyPrefix.split('/'));
    this.renditionDir = join(this.recordingDir, 'media', 'hls', RECORDING_RENDITION);
    this.thumbnailsDir = join(this.recordingDir, 'media', 'thumbnails');
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

  /** Starts the stream with its first source. */
  async begin(source: IngestSource): Promise<IngestSession> {
    await rm(this.liveDir, { recursive: true, force: true });
    await Promise.all([
      mkdir(this.liveDir, { recursive: true }),
      mkdir(this.renditionDir, { recursive: true }),
      mkdir(this.thumbnailsDir, { recursive: true }),
      mkdir(join(this.recordingDir, 'events'), { recursive: true }),
    ]);
    const { streamId } = await this.emulator.startStream(this.owner.channelArn);
    this.events.streamId = streamId;
    this.events.streamState('Session Created');
    await writeFile(join(this.recordingDir, 'media', 'hls', 'master.m3u8'), masterPlaylist(2_628_000));
    const session = this.attach(source, undefined);
    this.monitor = setInterval(() => void this.tick(), TICK_MS);
    this.monitor.unref();
    return session;
  }

  /**
   * A new source for this stream: it carries the same stream on (same stream id, same
   * recording) when the rules say so; otherwise the verdict is returned (null: this stream is
   * over or to be taken over, a new one may start).
   */
  resume(source: IngestSource): Promise<IngestSession | 'source-connected' | null> {
    const run = this.switching.then(async () => {
      if (this.ending) return null;
      const verdict = ingestStartVerdict(this.rules, Date.now(), this.options, source.resumeOnly);
      if (verdict === 'source-connected') return verdict;
      if (verdict !== 'resume') return null;
      // Attached from now on: the grace no longer runs while the previous ffmpeg flushes.
      this.rules = ingestSourceAttached(this.rules, Date.now());
      // Connected but silent: its connection is dead or stuck; it is told, in case it is not.
      this.stopLeg()?.source.onEnded('TAKEOVER');
      await this.flushed;
      if (this.ending) return null;
      const session = this.attach(source, await this.continuation());
      this.logger.log(`channel ${this.owner.channelId}: stream ${this.streamId} resumed by a new source (${this.sources})`);
      return session;
    });
    this.switching = run.catch(() => undefined);
    return run;
  }

  write(session: IngestSession, chunk: Buffer): boolean {
    const leg = this.leg;
    if (this.ending || leg?.session !== session || !leg.ffmpeg.writable) return true;
    const accepted = leg.ffmpeg.write(chunk);
    const step = ingestDataArrived(this.rules, Date.now(), accepted);
    this.rules = step.state;
    void this.perform(step.actions);
    return accepted;
  }

  onDrain(session: IngestSession, fn: () => void): void {
    const leg = this.leg;
    if (leg?.session !== session) {
      fn();
      return;
    }
    leg.ffmpeg.onDrain(() => {
      if (this.leg === leg) this.rules = ingestDrained(this.rules, Date.now());
      fn();
    });
  }

  /** The carrying source's connection closed without a stop. */
  sourceDropped(session: IngestSession): void {
    if (this.ending || this.leg?.session !== session) return;
    const step = ingestSourceDropped(this.rules, Date.now(), this.options);
    this.rules = step.state;
    this.stopLeg();
    if (!step.actions.length) {
      this.logger.log(`channel ${this.owner.channelId}: source dropped; the stream waits ${this.options.reconnectGraceMs / 1000} s for it`);
    }
    void this.perform(step.actions);
  }

  /** Ends the stream (idempotent): flushes ffmpeg, finishes the recording, emits the closing events. */
  end(reason: IngestEndReason): Promise<void> {
    this.ending ??= this.finish(reason);
    return this.ending;
  }

  /** Starts this source's ffmpeg, appending to what earlier sources wrote when `continuing`. */
  private attach(source: IngestSource, continuing: IngestCommand['continuing']): IngestSession {
    const session = new IngestSession(this, source);
    const ffmpeg = FfmpegProcess.start(
      this.ffmpegPath,
      ingestArgs({
        input: source.input,
        videoIsH264: source.videoIsH264,
        segmentSeconds: this.options.segmentSeconds,
        recordingSegmentSeconds: this.options.recordingSegmentSeconds,
        liveDir: this.liveDir,
        recordingRenditionDir: this.renditionDir,
        thumbnailsDir: this.thumbnailsDir,
        thumbnailEverySeconds: THUMBNAIL_EVERY_SECONDS,
        continuing,
      }),
    );
    const leg: Leg = { session, ffmpeg };
    this.leg = leg;
    this.lastFfmpeg = ffmpeg;
    this.sources += 1;
    void ffmpeg.exited.then((code) => {
      // Stopped on purpose (its source went, or the stream ended): not a failure.
      if (this.ending || this.leg !== leg) return;
      this.logger.warn(`ffmpeg exited (${code}) for channel ${this.owner.channelId}: ${ffmpeg.errorTail.slice(-500)}`);
      void this.end('FAILED');
    });
    return session;
  }

  /** Lets the carrying source go: its ffmpeg flushes what it has into the playlists. */
  private stopLeg(): IngestSession | undefined {
    const leg = this.leg;
    if (!leg) return undefined;
    this.leg = undefined;
    leg.session.detached = true;
    const previous = this.flushed;
    this.flushed = Promise.all([previous, leg.ffmpeg.stop()]).then(() => undefined);
    return leg.session;
  }

  /** Where the next source's ffmpeg carries on: after the recording's media so far and its thumbnails. */
  private async continuation(): Promise<IngestCommand['continuing']> {
    const variant = join(this.renditionDir, 'playlist.m3u8');
    // Nothing written yet (the first source went before its first segment): start the playlists afresh.
    if (!existsSync(variant)) return undefined;
    const atSeconds = playlistDurationMs(await readFile(variant, 'utf8')) / 1000;
    const numbers = (await readdir(this.thumbnailsDir).catch(() => [] as string[])).map((f) =>
      Number(/^thumb(\d+)\.jpg$/.exec(f)?.[1] ?? 0),
    );
    return { atSeconds, nextThumbnail: Math.max(0, ...numbers) + 1 };
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
      `channel ${this.owner.channelId}: ingest ended (${reason}${this.stalledBecause ? `: ${this.stalledBecause}` : ''}) after ${Math.round((Date.now() - this.startedAt.getTime()) / 1000)} s` +
        (this.sources > 1 ? `, ${this.sources} sources` : ''),
    );
    const carrying = this.leg?.session;
    if (reason !== 'ENDED') carrying?.source.onEnded(reason);
    this.stopLeg();
    await this.flushed;
    const endedAt = new Date();
    let durationMs = 0;
    const variant = join(this.renditionDir, 'playlist.m3u8');
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
      this.events.streamState('Stream Failure', { code: 'INGEST_FAILED', reason: this.lastFfmpeg?.errorTail.slice(-200) || reason });
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

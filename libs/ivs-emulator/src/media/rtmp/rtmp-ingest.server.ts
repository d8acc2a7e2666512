import { createServer, Server, Socket } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IvsEmulatorService } from '../../ivs-emulator.service';
import { ChannelIngestService, IngestSession } from '../ingest/channel-ingest.service';
import { IVS_MEDIA_OPTIONS, ResolvedMediaOptions } from '../media.options';
import { PendingRtmpConnections } from './rtmp-admission';
import { MessageType, RtmpMessage } from './rtmp-chunks';
import { RtmpConnection } from './rtmp-connection';
import { flvHeader, flvTag, metadataTagBody, videoCodecId } from './rtmp-flv';

/** Time an encoder gets from TCP connect to an accepted `publish`. */
const PUBLISH_TIMEOUT_MS = 10_000;
/** Media held while waiting for the first video message (it tells us whether video can be copied). */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const AVC = 7;
/** At most one refusal warning per this long: a flood must not flood the log too. */
const REFUSAL_LOG_EVERY_MS = 10_000;

/**
 * RTMP ingest for OBS / ffmpeg: `rtmp://<host>:<rtmpPort>/app/<streamKey>`. Each accepted
 * publisher feeds the same channel ingest as the browser (live HLS, recording, IVS events).
 * A second publisher on a live channel takes it over (IVS's Stream Takeover).
 */
@Injectable()
export class RtmpIngestServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RtmpIngest');
  private server?: Server;
  private boundPort?: number;
  private readonly sockets = new Set<Socket>();
  private readonly pending: PendingRtmpConnections;
  private lastRefusalLog = 0;

  constructor(
    private readonly ingest: ChannelIngestService,
    private readonly emulator: IvsEmulatorService,
    @Inject(IVS_MEDIA_OPTIONS) private readonly options: ResolvedMediaOptions,
  ) {
    this.pending = new PendingRtmpConnections(options.rtmpPendingLimits);
  }

  /** The port RTMP listens on (the real one when configured as 0), or undefined when it is off. */
  get port(): number | undefined {
    return this.boundPort;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.rtmpPort === undefined) return;
    const server = createServer((socket) => this.accept(socket));
    // A port already taken (another server on this machine) disables RTMP, it does not stop the app.
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        this.logger.warn(
          `RTMP ingest disabled: cannot listen on ${this.options.rtmpHost}:${this.options.rtmpPort} (${err.code ?? err.message}).`,
        );
        resolve(false);
      });
      server.listen(this.options.rtmpPort, this.options.rtmpHost, () => resolve(true));
    });
    if (!bound) return;
    server.on('error', (err) => this.logger.error(`RTMP server error: ${err.message}`));
    this.server = server;
    this.boundPort = (server.address() as { port: number }).port;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
    this.boundPort = undefined;
  }

  private accept(socket: Socket): void {
    // Strangers (no accepted publish yet) are capped per address and overall, before any byte is read.
    const admission = this.pending.admit(socket.remoteAddress);
    if (!admission.ok) {
      socket.destroy();
      const now = Date.now();
      if (now - this.lastRefusalLog >= REFUSAL_LOG_EVERY_MS) {
        this.lastRefusalLog = now;
        this.logger.warn(
          `RTMP connection from ${socket.remoteAddress} refused: too many connections without a publish (${admission.why}).`,
        );
      }
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      admission.release();
    });
    const publisher = new RtmpPublisher(this.ingest, this.emulator, this.options, this.logger, admission.release);
    const conn = new RtmpConnection(socket, publisher, (m) => this.logger.warn(m));
    publisher.attach(conn);
  }
}

/**
 * Glue between one RTMP connection and the channel ingest: the key is checked at `publish`
 * (wrong or rotated → refused), media is held until the first video message says whether
 * it is H.264 (copied) or not (encoded), then re-muxed as FLV into ffmpeg with back-pressure.
 */
class RtmpPublisher {
  private conn!: RtmpConnection;
  private streamKey?: string;
  private session?: IngestSession;
  private starting = false;
  private pending: RtmpMessage[] = [];
  private pendingBytes = 0;
  private done = false;
  private deadline: NodeJS.Timeout;

  constructor(
    private readonly ingest: ChannelIngestService,
    private readonly emulator: IvsEmulatorService,
    private readonly options: ResolvedMediaOptions,
    private readonly logger: Logger,
    /** Frees this connection's place among the unauthenticated ones. */
    private readonly authenticated: () => void,
  ) {
    this.deadline = setTimeout(() => this.conn.close(), PUBLISH_TIMEOUT_MS);
    this.deadline.unref();
  }

  attach(conn: RtmpConnection): void {
    this.conn = conn;
  }

  async publish(streamKey: string): Promise<{ ok: true } | { ok: false; code: string; description: string }> {
    const owner = streamKey ? await this.emulator.findChannelByStreamKey(streamKey) : null;
    if (!owner) {
      return { ok: false, code: 'NetStream.Publish.BadName', description: 'This stream key is not valid (it may have been rotated).' };
    }
    const ffmpeg = await this.ingest.checkFfmpeg();
    if (!ffmpeg.ok) return { ok: false, code: 'NetStream.Publish.Failed', description: ffmpeg.message };
    this.streamKey = streamKey;
    this.authenticated();
    // Until video arrives, the same silence rule as a live stream applies.
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => !this.session && this.conn.close(), this.options.endAfterMs);
    this.deadline.unref();
    return { ok: true };
  }

  media(m: RtmpMessage): void {
    if (this.done) return;
    if (this.session) {
      this.write(m);
      return;
    }
    this.pending.push(m);
    this.pendingBytes += m.payload.length;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.logger.warn('RTMP publisher sent no video: hanging up.');
      this.conn.close();
      return;
    }
    if (m.type === MessageType.Video && !this.starting) void this.start(videoCodecId(m.payload) === AVC);
  }

  unpublish(): void {
    this.finish();
  }

  closed(): void {
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.deadline);
    this.pending = [];
    void this.session?.end('ENDED');
  }

  private async start(videoIsH264: boolean): Promise<void> {
    this.starting = true;
    const r = await this.ingest.start(this.streamKey!, {
      input: 'flv',
      videoIsH264,
      onEnded: (reason) => {
        this.logger.log(`RTMP publisher cut: ${reason}`);
        this.done = true;
        this.conn.close();
      },
    });
    if (!r.ok) {
      this.logger.warn(`RTMP ingest refused: ${r.message}`);
      this.conn.close();
      return;
    }
    this.session = r.session;
    if (this.done) {
      void this.session.end('ENDED');
      return;
    }
    this.session.write(flvHeader());
    const held = this.pending;
    this.pending = [];
    for (const m of held) this.write(m);
  }

  private write(m: RtmpMessage): void {
    const session = this.session!;
    let tag: Buffer;
    if (m.type === MessageType.DataAmf0) {
      const body = metadataTagBody(m.payload);
      if (!body) return;
      tag = flvTag(MessageType.DataAmf0, 0, body);
    } else {
      tag = flvTag(m.type, m.timestamp, m.payload);
    }
    if (!session.write(tag)) {
      this.conn.pause();
      session.onDrain(() => this.conn.resume());
    }
  }
}

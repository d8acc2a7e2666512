import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { Amf0Value, decodeAmf0, encodeAmf0 } from './rtmp-amf0';
import { ChunkReader, encodeChunks, MessageType, PUBLISHING_LIMITS, RtmpMessage, UNAUTHENTICATED_LIMITS } from './rtmp-chunks';

const HANDSHAKE_SIZE = 1536;
const RTMP_VERSION = 3;
const OUR_CHUNK_SIZE = 4096;
const WINDOW_ACK_SIZE = 2_500_000;
/** The one message stream a publisher gets from createStream. */
const PUBLISH_STREAM_ID = 1;
/** Chunk streams we write on: protocol control must use 2; commands and status on 3 and 5 by convention. */
const CS_CONTROL = 2;
const CS_COMMAND = 3;
const CS_STATUS = 5;
/** An encoder reaches publish in about ten messages; a peer still talking after this many is not one. */
const MAX_MESSAGES_BEFORE_PUBLISH = 64;

export type PublishDecision = { ok: true } | { ok: false; code: string; description: string };

/** What the connection asks of the ingest behind it. */
export interface RtmpConnectionHooks {
  /** `publish(streamKey)` arrived on the `app` application: accept or refuse (then we hang up). */
  publish(streamKey: string): Promise<PublishDecision>;
  /** An audio (8), video (9) or data (18) message after a publish was accepted. */
  media(message: RtmpMessage): void;
  /** The encoder said it stops (deleteStream / FCUnpublish / closeStream). */
  unpublish(): void;
  /** The socket is gone, whatever the reason. Called once. */
  closed(): void;
}

type Phase = 'handshake-c0c1' | 'handshake-c2' | 'chunks' | 'closed';

/**
 * One RTMP publisher connection: handshake, chunk stream, the NetConnection / NetStream
 * commands an encoder (OBS, ffmpeg) sends to publish, and its media messages handed to hooks.
 * Playback is not offered: the local ingest only receives.
 */
export class RtmpConnection {
  private phase: Phase = 'handshake-c0c1';
  private pending: Buffer = Buffer.alloc(0);
  private readonly reader = new ChunkReader(UNAUTHENTICATED_LIMITS);
  private messagesBeforePublish = 0;
  private app = '';
  private publishing = false;
  private publishAsked = false;
  private received = 0;
  private lastAcked = 0;
  private peerWindow = 0;
  private closedCalled = false;

  constructor(
    private readonly socket: Socket,
    private readonly hooks: RtmpConnectionHooks,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.phase = 'closed';
      if (!this.closedCalled) {
        this.closedCalled = true;
        this.hooks.closed();
      }
    });
  }

  get isPublishing(): boolean {
    return this.publishing;
  }

  /** Stop reading (TCP back-pressure reaches the encoder) / read again. */
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }

  /** Hangs up; the encoder sees the connection drop (as with IVS's StopStream). */
  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.resume();
    this.socket.end();
    // An encoder that does not close its side must not keep the socket half-open.
    setTimeout(() => this.socket.destroy(), 1_000).unref();
  }

  private onData(data: Buffer): void {
    if (this.phase === 'closed') return;
    this.received += data.length;
    try {
      if (this.phase !== 'chunks') {
        this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
        if (!this.handshake() || !this.pending.length) return;
        data = this.pending;
        this.pending = Buffer.alloc(0);
      }
      for (const m of this.reader.push(data)) this.onMessage(m);
      this.acknowledge();
    } catch (err) {
      this.log(`RTMP protocol error: ${err instanceof Error ? err.message : String(err)}`);
      this.socket.destroy();
    }
  }

  /** Consumes C0/C1 then C2 from `pending`; true once the chunk stream may start. */
  private handshake(): boolean {
    if (this.phase === 'handshake-c0c1') {
      if (this.pending.length < 1 + HANDSHAKE_SIZE) return false;
      if (this.pending[0] !== RTMP_VERSION) throw new Error(`unsupported RTMP version ${this.pending[0]} (RTMPE is not offered)`);
      const c1 = this.pending.subarray(1, 1 + HANDSHAKE_SIZE);
      // S1: time 0, four zero bytes (the plain handshake, no digest), random filler. S2 echoes C1.
      const s1 = Buffer.concat([Buffer.alloc(8), randomBytes(HANDSHAKE_SIZE - 8)]);
      this.socket.write(Buffer.concat([Buffer.from([RTMP_VERSION]), s1, c1]));
      this.pending = this.pending.subarray(1 + HANDSHAKE_SIZE);
      this.phase = 'handshake-c2';
    }
    if (this.phase === 'handshake-c2') {
      if (this.pending.length < HANDSHAKE_SIZE) return false;
      this.pending = this.pending.subarray(HANDSHAKE_SIZE);
      this.phase = 'chunks';
    }
    return true;
  }

  private onMessage(m: RtmpMessage): void {
    if (!this.publishing && ++this.messagesBeforePublish > MAX_MESSAGES_BEFORE_PUBLISH) {
      throw new Error(`more than ${MAX_MESSAGES_BEFORE_PUBLISH} messages without an accepted publish`);
    }
    switch (m.type) {
      case MessageType.WindowAckSize:
        if (m.payload.length >= 4) this.peerWindow = m.payload.readUInt32BE(0);
        return;
      case MessageType.CommandAmf0:
        return this.onCommand(decodeAmf0(m.payload), m);
      case MessageType.CommandAmf3:
        // An AMF3 command is AMF0 after one format byte.
        return this.onCommand(decodeAmf0(m.payload.subarray(1)), m);
      case MessageType.Audio:
      case MessageType.Video:
      case MessageType.DataAmf0:
        if (this.publishing) this.hooks.media(m);
        return;
      case MessageType.DataAmf3:
        if (this.publishing) this.hooks.media({ ...m, type: MessageType.DataAmf0, payload: m.payload.subarray(1) });
        return;
      default:
        // Set Chunk Size / Abort are applied by the reader; acknowledgements, user control, bandwidth: nothing to do.
        return;
    }
  }

  private onCommand(values: Amf0Value[], m: RtmpMessage): void {
    const [name, txn] = values;
    const transaction = typeof txn === 'number' ? txn : 0;
    switch (name) {
      case 'connect': {
        const props = values[2];
        this.app = props && typeof props === 'object' && !Array.isArray(props) ? String(props.app ?? '').replace(/\/+$/, '') : '';
        this.control(MessageType.WindowAckSize, u32(WINDOW_ACK_SIZE));
        this.control(MessageType.SetPeerBandwidth, Buffer.concat([u32(WINDOW_ACK_SIZE), Buffer.from([2])]));
        this.control(MessageType.SetChunkSize, u32(OUR_CHUNK_SIZE));
        if (this.app !== 'app') {
          this.command(CS_COMMAND, 0, '_error', transaction, null, {
            level: 'error',
            code: 'NetConnection.Connect.Rejected',
            description: `Unknown application "${this.app}": publish to rtmp://<host>:<port>/app/<streamKey>.`,
          });
          this.close();
          return;
        }
        this.command(
          CS_COMMAND,
          0,
          '_result',
          transaction,
          { fmsVer: 'FMS/3,0,1,123', capabilities: 31 },
          {
            level: 'status',
            code: 'NetConnection.Connect.Success',
            description: 'Connection succeeded.',
            objectEncoding: 0,
          },
        );
        return;
      }
      case 'releaseStream':
      case 'FCPublish':
        this.command(CS_COMMAND, 0, '_result', transaction, null, undefined);
        return;
      case 'createStream':
        this.command(CS_COMMAND, 0, '_result', transaction, null, PUBLISH_STREAM_ID);
        return;
      case 'publish': {
        if (this.publishAsked) return;
        this.publishAsked = true;
        const key = String(values[3] ?? '').split('?')[0]!;
        void this.hooks.publish(key).then(
          (decision) => this.answerPublish(decision, m.streamId || PUBLISH_STREAM_ID),
          () => this.answerPublish({ ok: false, code: 'NetStream.Publish.Failed', description: 'The ingest failed.' }, m.streamId),
        );
        return;
      }
      case 'FCUnpublish':
      case 'deleteStream':
      case 'closeStream':
        if (this.publishing) {
          this.publishing = false;
          this.hooks.unpublish();
        }
        return;
      default:
        // getStreamLength, _checkbw, etc.: publishers do not wait for answers to those.
        return;
    }
  }

  private answerPublish(decision: PublishDecision, streamId: number): void {
    if (this.phase === 'closed') return;
    if (!decision.ok) {
      this.command(CS_STATUS, streamId, 'onStatus', 0, null, { level: 'error', code: decision.code, description: decision.description });
      this.close();
      return;
    }
    // Only now may the peer send what media needs (large messages, more chunk streams).
    this.reader.setLimits(PUBLISHING_LIMITS);
    // User Control "Stream Begin" for the publishing stream, then Publish.Start.
    this.control(MessageType.UserControl, Buffer.concat([Buffer.from([0, 0]), u32(streamId)]));
    this.command(CS_STATUS, streamId, 'onStatus', 0, null, {
      level: 'status',
      code: 'NetStream.Publish.Start',
      description: 'Publishing started.',
    });
    this.publishing = true;
  }

  /** The peer told us its acknowledgement window: report bytes received each time it fills. */
  private acknowledge(): void {
    if (!this.peerWindow || this.received - this.lastAcked < this.peerWindow) return;
    this.lastAcked = this.received;
    this.control(MessageType.Acknowledgement, u32(this.received >>> 0));
  }

  private control(type: number, payload: Buffer): void {
    this.send({ chunkStreamId: CS_CONTROL, type, timestamp: 0, streamId: 0, payload });
  }

  private command(chunkStreamId: number, streamId: number, ...values: Amf0Value[]): void {
    this.send({ chunkStreamId, type: MessageType.CommandAmf0, timestamp: 0, streamId, payload: encodeAmf0(...values) });
  }

  private send(message: RtmpMessage): void {
    if (this.socket.writable) this.socket.write(encodeChunks(message, message.type === MessageType.SetChunkSize ? 128 : OUR_CHUNK_SIZE));
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

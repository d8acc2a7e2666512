/**
 * The RTMP chunk stream (after the handshake): messages are cut into chunks of at most
 * `chunkSize` bytes, interleaved by chunk stream id, with headers compressed against the
 * previous message on the same chunk stream. Pure: bytes in, messages out.
 */

/** Message type ids we read or write. */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  CommandAmf3: 17,
  DataAmf0: 18,
  CommandAmf0: 20,
} as const;

export interface RtmpMessage {
  chunkStreamId: number;
  type: number;
  /** Milliseconds, absolute (deltas already applied), 32-bit. */
  timestamp: number;
  streamId: number;
  payload: Buffer;
}

export class RtmpProtocolError extends Error {}

const EXTENDED = 0xffffff;

/** How much one peer may make the reader hold: per message, and in chunk streams with a message in progress. */
export interface ChunkReaderLimits {
  maxMessageBytes: number;
  maxChunkStreams: number;
}

/**
 * Before an accepted publish a peer is a stranger: connect / createStream / publish are a few
 * hundred bytes on a few chunk streams (ffmpeg uses 2, 3 and 8), so that is all it may send.
 */
export const UNAUTHENTICATED_LIMITS: ChunkReaderLimits = { maxMessageBytes: 4 * 1024, maxChunkStreams: 8 };
/** A publisher with a valid key: any keyframe an encoder at sane bitrates sends, on the chunk streams encoders use. */
export const PUBLISHING_LIMITS: ChunkReaderLimits = { maxMessageBytes: 16 * 1024 * 1024, maxChunkStreams: 64 };

interface ChunkStreamState {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  /** Pieces of the message being assembled on this chunk stream. */
  parts: Buffer[];
  received: number;
  /** True once a fmt 0 header was seen (fmt 1-3 need one to compress against). */
  known: boolean;
}

/**
 * Reassembles messages from the chunk stream; handles Set Chunk Size and Abort itself. A message
 * header announcing more than the limits allow throws before any of its payload is kept.
 */
export class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStreamState>();

  constructor(private limits: ChunkReaderLimits = UNAUTHENTICATED_LIMITS) {}

  /** Raises (or lowers) the limits, e.g. once the peer's publish was accepted. */
  setLimits(limits: ChunkReaderLimits): void {
    this.limits = limits;
  }

  /** Bytes in; every message completed by them out (throws RtmpProtocolError on garbage). */
  push(data: Buffer): RtmpMessage[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    const out: RtmpMessage[] = [];
    let pos = 0;
    for (;;) {
      const r = this.readChunk(pos);
      if (!r) break;
      pos = r.next;
      if (!r.message) continue;
      const m = r.message;
      if (m.type === MessageType.SetChunkSize) {
        if (m.payload.length < 4) throw new RtmpProtocolError('short Set Chunk Size');
        const size = m.payload.readUInt32BE(0) & 0x7fffffff;
        if (size < 1) throw new RtmpProtocolError('chunk size 0');
        this.chunkSize = Math.min(size, 0xffffff);
      } else if (m.type === MessageType.Abort) {
        if (m.payload.length >= 4) this.abort(m.payload.readUInt32BE(0));
      }
      out.push(m);
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
    return out;
  }

  private abort(chunkStreamId: number): void {
    const s = this.streams.get(chunkStreamId);
    if (s) {
      s.parts = [];
      s.received = 0;
    }
  }

  /** One chunk at `pos`, or undefined when it is not all here yet (nothing is consumed then). */
  private readChunk(pos: number): { next: number; message?: RtmpMessage } | undefined {
    const b = this.buf;
    if (pos >= b.length) return undefined;
    const fmt = b[pos]! >> 6;
    let csid = b[pos]! & 0x3f;
    let p = pos + 1;
    if (csid === 0) {
      if (p + 1 > b.length) return undefined;
      csid = 64 + b[p]!;
      p += 1;
    } else if (csid === 1) {
      if (p + 2 > b.length) return undefined;
      csid = 64 + b[p]! + b[p + 1]! * 256;
      p += 2;
    }
    const headerLength = [11, 7, 3, 0][fmt]!;
    if (p + headerLength > b.length) return undefined;
    const prev = this.streams.get(csid);
    if (fmt !== 0 && !prev?.known) throw new RtmpProtocolError(`chunk stream ${csid} starts without a full header`);
    if (!prev && this.streams.size >= this.limits.maxChunkStreams) {
      throw new RtmpProtocolError(`more than ${this.limits.maxChunkStreams} chunk streams`);
    }
    const s: ChunkStreamState = prev ?? {
      timestamp: 0,
      delta: 0,
      length: 0,
      type: 0,
      streamId: 0,
      extended: false,
      parts: [],
      received: 0,
      known: false,
    };
    // Header fields are only committed once the whole chunk is present.
    let field = 0;
    let length = s.length;
    let type = s.type;
    let streamId = s.streamId;
    if (fmt <= 2) field = b.readUIntBE(p, 3);
    if (fmt <= 1) {
      length = b.readUIntBE(p + 3, 3);
      type = b[p + 6]!;
    }
    if (fmt === 0) streamId = b.readUInt32LE(p + 7);
    p += headerLength;
    const extended = fmt === 3 ? s.extended : field === EXTENDED;
    if (extended) {
      if (p + 4 > b.length) return undefined;
      field = b.readUInt32BE(p);
      p += 4;
    }
    if (length > this.limits.maxMessageBytes) throw new RtmpProtocolError(`message of ${length} bytes is too large`);
    const starting = s.received === 0;
    const take = Math.min(this.chunkSize, length - (starting ? 0 : s.received));
    if (p + take > b.length) return undefined;

    if (fmt === 0) {
      s.timestamp = field;
      s.delta = 0;
    } else if (fmt === 1 || fmt === 2) {
      s.delta = field;
      if (starting) s.timestamp = (s.timestamp + field) >>> 0;
    } else if (starting && s.known) {
      // fmt 3 opening a new message repeats the previous delta.
      s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    s.length = length;
    s.type = type;
    s.streamId = streamId;
    s.extended = extended;
    s.known = true;
    this.streams.set(csid, s);
    if (take > 0) s.parts.push(Buffer.from(b.subarray(p, p + take)));
    s.received += take;
    p += take;
    if (s.received < s.length) return { next: p };
    const payload = s.parts.length === 1 ? s.parts[0]! : Buffer.concat(s.parts);
    s.parts = [];
    s.received = 0;
    return { next: p, message: { chunkStreamId: csid, type: s.type, timestamp: s.timestamp, streamId: s.streamId, payload } };
  }
}

/** Cuts one message into chunks: a full (fmt 0) header first, then fmt 3 continuation chunks. */
export function encodeChunks(message: RtmpMessage, chunkSize: number): Buffer {
  const { chunkStreamId: csid, payload } = message;
  if (csid < 2 || csid > 63) throw new RangeError('we only write on chunk streams 2..63');
  const extended = message.timestamp >= EXTENDED;
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12 + (extended ? 4 : 0));
  head[0] = csid;
  head.writeUIntBE(extended ? EXTENDED : message.timestamp, 1, 3);
  head.writeUIntBE(payload.length, 4, 3);
  head[7] = message.type;
  head.writeUInt32LE(message.streamId, 8);
  if (extended) head.writeUInt32BE(message.timestamp >>> 0, 12);
  parts.push(head);
  for (let off = 0; off < payload.length || off === 0; off += chunkSize) {
    if (off > 0) {
      const cont = Buffer.alloc(1 + (extended ? 4 : 0));
      cont[0] = 0xc0 | csid;
      if (extended) cont.writeUInt32BE(message.timestamp >>> 0, 1);
      parts.push(cont);
    }
    parts.push(payload.subarray(off, off + chunkSize));
    if (payload.length === 0) break;
  }
  return Buffer.concat(parts);
}

/** One FLV tag as ffmpeg's `-f flv` writes it (script data is dropped by the reader). */
export interface FlvTag {
  kind: 'audio' | 'video';
  /** Milliseconds, as in the tag header. */
  ts: number;
  body: Buffer;
}

const TAG_HEADER = 11;
const FILE_HEADER = 9 + 4;

/** Splits a byte stream of FLV into tags, whatever the chunking. */
export class FlvReader {
  private buffered: Buffer = Buffer.alloc(0);
  private headerSkipped = false;

  push(chunk: Buffer): FlvTag[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const tags: FlvTag[] = [];
    if (!this.headerSkipped) {
      if (this.buffered.length < FILE_HEADER) return tags;
      this.buffered = this.buffered.subarray(FILE_HEADER);
      this.headerSkipped = true;
    }
    while (this.buffered.length >= TAG_HEADER) {
      const type = this.buffered[0];
      const size = this.buffered.readUIntBE(1, 3);
      const total = TAG_HEADER + size + 4;
      if (this.buffered.length < total) break;
      const ts = (this.buffered.readUIntBE(4, 3) | (this.buffered[7] << 24)) >>> 0;
      const body = Buffer.from(this.buffered.subarray(TAG_HEADER, TAG_HEADER + size));
      this.buffered = this.buffered.subarray(total);
      if (type === 8) tags.push({ kind: 'audio', ts, body });
      else if (type === 9) tags.push({ kind: 'video', ts, body });
    }
    return tags;
  }
}

/** FLV file header announcing audio and video, with the first PreviousTagSize. */
export function flvFileHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);
}

export function flvTagBytes(tag: FlvTag): Buffer {
  const out = Buffer.alloc(TAG_HEADER + tag.body.length + 4);
  out[0] = tag.kind === 'audio' ? 8 : 9;
  out.writeUIntBE(tag.body.length, 1, 3);
  out.writeUIntBE(tag.ts & 0xffffff, 4, 3);
  out[7] = (tag.ts >>> 24) & 0xff;
  tag.body.copy(out, TAG_HEADER);
  out.writeUInt32BE(TAG_HEADER + tag.body.length, TAG_HEADER + tag.body.length);
  return out;
}

/** AVC/AAC sequence headers (codec configuration) rather than media. */
export function isSequenceHeader(tag: FlvTag): boolean {
  return tag.body.length > 1 && tag.body[1] === 0 && (tag.kind === 'audio' ? tag.body[0] >> 4 === 10 : (tag.body[0] & 0x0f) === 7);
}

export function isKeyframe(tag: FlvTag): boolean {
  return tag.kind === 'video' && tag.body[0] >> 4 === 1 && !isSequenceHeader(tag);
}

/**
 * Joins the outputs of successive compose processes into one continuous FLV stream, so the
 * channel's ingest sees one broadcast however often the layout forces a new process. A new
 * source takes over at one of its keyframes (the caller says which timestamps are ready);
 * its timestamps are shifted to continue one frame after the last one sent, and its codec
 * configuration is sent again only if it differs.
 */
export class FlvSplicer {
  private current?: number;
  private offset = 0;
  private lastVideo = -1;
  private lastAudio = -1;
  private sentConfig: { audio?: Buffer; video?: Buffer } = {};
  private readonly configs = new Map<number, { audio?: Buffer; video?: Buffer }>();

  constructor(private readonly frameMs: number) {}

  get activeSource(): number | undefined {
    return this.current;
  }

  /**
   * A tag from source `id`. `takeOverFrom`: the earliest timestamp (in that source's own time)
   * at which `id` may replace the current source; undefined while it may not.
   * Returns the tags to send (already retimed) and whether the source just took over.
   */
  push(id: number, tag: FlvTag, takeOverFrom?: number): { out: FlvTag[]; tookOver: boolean } {
    if (isSequenceHeader(tag)) {
      const config = this.configs.get(id) ?? {};
      config[tag.kind] = tag.body;
      this.configs.set(id, config);
      if (id === this.current && !this.sentConfig[tag.kind]?.equals(tag.body))
        return { out: [this.configTag(tag.kind, tag.body)], tookOver: false };
      return { out: [], tookOver: false };
    }
    if (id !== this.current) {
      if (takeOverFrom === undefined || !isKeyframe(tag) || tag.ts < takeOverFrom) return { out: [], tookOver: false };
      const previous = this.current;
      this.current = id;
      if (previous !== undefined) this.configs.delete(previous);
      this.offset = (this.lastVideo < 0 ? 0 : this.lastVideo + this.frameMs) - tag.ts;
      const out: FlvTag[] = [];
      const config = this.configs.get(id) ?? {};
      for (const kind of ['video', 'audio'] as const) {
        const body = config[kind];
        if (body && !this.sentConfig[kind]?.equals(body)) out.push(this.configTag(kind, body, tag.ts + this.offset));
      }
      out.push(this.retime(tag));
      return { out, tookOver: true };
    }
    const retimed = { ...tag, ts: tag.ts + this.offset };
    // Audio the new source made just before its first keyframe would go back in time: dropped.
    if (retimed.ts < 0 || (tag.kind === 'audio' && retimed.ts <= this.lastAudio)) return { out: [], tookOver: false };
    return { out: [this.retime(tag)], tookOver: false };
  }

  /** A source that ended: forgets its configuration (the current one stays current until replaced). */
  drop(id: number): void {
    if (id !== this.current) this.configs.delete(id);
  }

  private retime(tag: FlvTag): FlvTag {
    const ts = Math.max(0, tag.ts + this.offset);
    if (tag.kind === 'video') this.lastVideo = Math.max(this.lastVideo, ts);
    else this.lastAudio = Math.max(this.lastAudio, ts);
    return { kind: tag.kind, ts, body: tag.body };
  }

  private configTag(kind: 'audio' | 'video', body: Buffer, ts?: number): FlvTag {
    this.sentConfig[kind] = body;
    return { kind, ts: ts ?? Math.max(0, kind === 'video' ? this.lastVideo : this.lastAudio), body };
  }
}

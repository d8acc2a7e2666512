import { createSocket } from 'node:dgram';

/** Offset of the RTP payload (after CSRCs and a header extension), or -1 for a truncated packet. */
function payloadOffset(raw: Buffer): number {
  if (raw.length < 12) return -1;
  let off = 12 + (raw[0] & 0x0f) * 4;
  if (raw[0] & 0x10) {
    if (raw.length < off + 4) return -1;
    off += 4 + raw.readUInt16BE(off + 2) * 4;
  }
  return off < raw.length ? off : -1;
}

/**
 * Whether a VP8 RTP packet starts a keyframe (RFC 7741: S bit set, partition 0, and the VP8
 * frame tag's inverse key-frame bit clear). A compose process shows a tile from its first keyframe.
 */
export function startsVp8Keyframe(raw: Buffer): boolean {
  let p = payloadOffset(raw);
  if (p < 0) return false;
  const d0 = raw[p++];
  if (!(d0 & 0x10) || (d0 & 0x07) !== 0) return false;
  if (d0 & 0x80) {
    const d1 = raw[p++];
    if (d1 & 0x80) p += raw[p] & 0x80 ? 2 : 1;
    if (d1 & 0x40) p++;
    if (d1 & 0x30) p++;
  }
  return p < raw.length && (raw[p] & 0x01) === 0;
}

/** Where a VP8 packet's PictureID is (RFC 7741 §4.2: X bit, then I bit; M bit for 15 bits), if it has one. */
function vp8PictureIdField(raw: Buffer): { at: number; wide: boolean } | undefined {
  const p = payloadOffset(raw);
  if (p < 0 || !(raw[p] & 0x80) || p + 2 >= raw.length || !(raw[p + 1] & 0x80)) return undefined;
  const wide = (raw[p + 2] & 0x80) !== 0;
  return wide && p + 3 >= raw.length ? undefined : { at: p + 2, wide };
}

export function vp8PictureId(raw: Buffer): number | undefined {
  const f = vp8PictureIdField(raw);
  if (!f) return undefined;
  return f.wide ? raw.readUInt16BE(f.at) & 0x7fff : raw[f.at] & 0x7f;
}

/**
 * A copy carrying PictureID `id` (same width as the packet's own; unchanged without one). A
 * keyframe inserted into a live track takes the last live frame's id: a receiver that checks
 * ids (ffmpeg does) then takes the publisher's next frame as following on, not as a lost picture.
 */
export function withVp8PictureId(raw: Buffer, id: number): Buffer {
  const f = vp8PictureIdField(raw);
  if (!f) return raw;
  const copy = Buffer.from(raw);
  if (f.wide) copy.writeUInt16BE(0x8000 | (id & 0x7fff), f.at);
  else copy[f.at] = id & 0x7f;
  return copy;
}

/** A copy of the packet carrying `payloadType` (the publisher's negotiated one means nothing to ffmpeg's SDP). */
export function withPayloadType(raw: Buffer, payloadType: number): Buffer {
  const copy = Buffer.from(raw);
  copy[1] = (copy[1] & 0x80) | payloadType;
  return copy;
}

/** An even port whose pair (RTP, RTCP) is free on loopback now; ffmpeg binds both. */
export async function freeUdpPortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 15_000);
    if ((await canBind(port)) && (await canBind(port + 1))) return port;
  }
  throw new Error('no free UDP port pair on loopback');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

export function rtpSequence(raw: Buffer): number {
  return raw.readUInt16BE(2);
}

export function rtpTimestamp(raw: Buffer): number {
  return raw.readUInt32BE(4);
}

/** A copy with a new sequence number, timestamp and payload type (marker bit kept). */
export function restamped(raw: Buffer, seq: number, timestamp: number, payloadType: number): Buffer {
  const copy = withPayloadType(raw, payloadType);
  copy.writeUInt16BE(seq & 0xffff, 2);
  copy.writeUInt32BE(timestamp >>> 0, 4);
  return copy;
}

/**
 * Opus's 20 ms silence: TOC 0xF8 (CELT fullband, 20 ms, one mono frame) and an empty frame.
 * Sent while a departed publisher's audio input still exists in a compose process, so its
 * mixer does not wait for sound that will never come.
 */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

export function opusSilencePacket(seq: number, timestamp: number, payloadType: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = payloadType;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(0x5354434d, 8);
  return Buffer.concat([header, OPUS_SILENCE]);
}

/** The packets of a video track's latest complete keyframe (a still that can stand in while the track is silent). */
export class KeyframeCache {
  private building?: { ts: number; packets: Buffer[] };
  latest?: Buffer[];

  add(raw: Buffer): void {
    const ts = rtpTimestamp(raw);
    if (startsVp8Keyframe(raw)) this.building = { ts, packets: [] };
    if (!this.building || this.building.ts !== ts) {
      this.building = undefined;
      return;
    }
    this.building.packets.push(Buffer.from(raw));
    // The marker bit ends the frame.
    if (raw[1] & 0x80) {
      this.latest = this.building.packets;
      this.building = undefined;
    }
  }
}

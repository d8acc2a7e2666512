import { decodeAmf0 } from './rtmp-amf0';
import { MessageType } from './rtmp-chunks';

/**
 * RTMP audio/video/data messages carry exactly FLV tag bodies, so re-muxing to the FLV byte
 * stream ffmpeg reads on stdin is a header plus an 11-byte tag header and a back-pointer per message.
 */

/** `FLV`, version 1, audio + video flags, header size 9, then PreviousTagSize0 = 0. */
export function flvHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);
}

/** One FLV tag (type 8 audio, 9 video, 18 script data) followed by its PreviousTagSize. */
export function flvTag(type: number, timestamp: number, body: Buffer): Buffer {
  const tag = Buffer.alloc(11 + body.length + 4);
  tag[0] = type;
  tag.writeUIntBE(body.length, 1, 3);
  tag.writeUIntBE(timestamp & 0xffffff, 4, 3);
  tag[7] = (timestamp >>> 24) & 0xff;
  // stream id (3 bytes) stays 0
  body.copy(tag, 11);
  tag.writeUInt32BE(11 + body.length, 11 + body.length);
  return tag;
}

/** FLV video codec id in a video message (7 = AVC/H.264), or undefined for an empty message. */
export function videoCodecId(payload: Buffer): number | undefined {
  return payload.length ? payload[0]! & 0x0f : undefined;
}

/**
 * An encoder's `@setDataFrame("onMetaData", {...})` becomes the FLV script tag
 * `onMetaData({...})`; other data messages are not part of the media and are dropped.
 */
export function metadataTagBody(payload: Buffer): Buffer | undefined {
  let values;
  try {
    values = decodeAmf0(payload);
  } catch {
    return undefined;
  }
  if (values[0] === '@setDataFrame' && values[1] === 'onMetaData') {
    // Skip the encoded '@setDataFrame' string: marker (1) + length (2) + 13 bytes.
    return payload.subarray(3 + Buffer.byteLength('@setDataFrame'));
  }
  return values[0] === 'onMetaData' ? payload : undefined;
}

export const FlvTagType = { Audio: MessageType.Audio, Video: MessageType.Video, Script: MessageType.DataAmf0 } as const;

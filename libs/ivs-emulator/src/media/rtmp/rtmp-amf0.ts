/**
 * AMF0, the value encoding of RTMP commands (connect, publish…) and of `onMetaData`.
 * Only what encoders send and what we answer: numbers, booleans, strings, objects,
 * ECMA / strict arrays, null, undefined, dates (read as numbers).
 */
export type Amf0Value = number | boolean | string | null | undefined | Amf0Value[] | { [key: string]: Amf0Value };

const NUMBER = 0x00;
const BOOLEAN = 0x01;
const STRING = 0x02;
const OBJECT = 0x03;
const NULL = 0x05;
const UNDEFINED = 0x06;
const ECMA_ARRAY = 0x08;
const OBJECT_END = 0x09;
const STRICT_ARRAY = 0x0a;
const DATE = 0x0b;
const LONG_STRING = 0x0c;

export class Amf0Error extends Error {}

/** Reads every value in `buf` (a command is a sequence: name, transaction id, arguments…). */
export function decodeAmf0(buf: Buffer): Amf0Value[] {
  const out: Amf0Value[] = [];
  let pos = 0;
  const need = (n: number) => {
    if (pos + n > buf.length) throw new Amf0Error(`AMF0 value truncated at byte ${pos}`);
  };
  const str = (lenBytes: 2 | 4): string => {
    need(lenBytes);
    const len = lenBytes === 2 ? buf.readUInt16BE(pos) : buf.readUInt32BE(pos);
    pos += lenBytes;
    need(len);
    const s = buf.toString('utf8', pos, pos + len);
    pos += len;
    return s;
  };
  const properties = (): { [key: string]: Amf0Value } => {
    const obj: { [key: string]: Amf0Value } = {};
    for (;;) {
      const key = str(2);
      need(1);
      if (key === '' && buf[pos] === OBJECT_END) {
        pos += 1;
        return obj;
      }
      obj[key] = value();
    }
  };
  const value = (): Amf0Value => {
    need(1);
    const marker = buf[pos++];
    switch (marker) {
      case NUMBER:
        need(8);
        pos += 8;
        return buf.readDoubleBE(pos - 8);
      case BOOLEAN:
        need(1);
        return buf[pos++] !== 0;
      case STRING:
        return str(2);
      case LONG_STRING:
        return str(4);
      case OBJECT:
        return properties();
      case ECMA_ARRAY:
        need(4);
        pos += 4; // the count is advisory; the end marker is what terminates it
        return properties();
      case STRICT_ARRAY: {
        need(4);
        const n = buf.readUInt32BE(pos);
        pos += 4;
        const arr: Amf0Value[] = [];
        for (let i = 0; i < n; i++) arr.push(value());
        return arr;
      }
      case DATE:
        need(10);
        pos += 10;
        return buf.readDoubleBE(pos - 10);
      case NULL:
        return null;
      case UNDEFINED:
        return undefined;
      default:
        throw new Amf0Error(`unsupported AMF0 marker 0x${(marker ?? 0).toString(16)} at byte ${pos - 1}`);
    }
  };
  while (pos < buf.length) out.push(value());
  return out;
}

/** Encodes values one after the other (arrays as strict arrays, objects as anonymous objects). */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const parts: Buffer[] = [];
  const u8 = (n: number): void => void parts.push(Buffer.from([n]));
  const shortString = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    parts.push(len, b);
  };
  const write = (v: Amf0Value): void => {
    if (v === null) return u8(NULL);
    if (v === undefined) return u8(UNDEFINED);
    if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = NUMBER;
      b.writeDoubleBE(v, 1);
      parts.push(b);
      return;
    }
    if (typeof v === 'boolean') return void parts.push(Buffer.from([BOOLEAN, v ? 1 : 0]));
    if (typeof v === 'string') {
      if (Buffer.byteLength(v) > 0xffff) {
        const b = Buffer.from(v, 'utf8');
        const head = Buffer.alloc(5);
        head[0] = LONG_STRING;
        head.writeUInt32BE(b.length, 1);
        parts.push(head, b);
        return;
      }
      u8(STRING);
      return shortString(v);
    }
    if (Array.isArray(v)) {
      const head = Buffer.alloc(5);
      head[0] = STRICT_ARRAY;
      head.writeUInt32BE(v.length, 1);
      parts.push(head);
      v.forEach(write);
      return;
    }
    u8(OBJECT);
    for (const [k, item] of Object.entries(v)) {
      shortString(k);
      write(item);
    }
    parts.push(Buffer.from([0, 0, OBJECT_END]));
  };
  values.forEach(write);
  return Buffer.concat(parts);
}

import { decodeAmf0, encodeAmf0 } from './rtmp-amf0';
import { ChunkReader, encodeChunks, MessageType, PUBLISHING_LIMITS, RtmpProtocolError, UNAUTHENTICATED_LIMITS } from './rtmp-chunks';
import { flvTag, metadataTagBody } from './rtmp-flv';

/** A chunk with an explicit basic header byte and message header, as an encoder would write it. */
function chunk(first: number, header: number[], payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first, ...header]), payload]);
}
const u24 = (n: number) => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

describe('AMF0', () => {
  it('round-trips a connect command', () => {
    const values = ['connect', 1, { app: 'app', tcUrl: 'rtmp://h/app', fpad: false, nested: { a: [1, 'x', null] } }, null, undefined];
    expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
  });

  it('reads ECMA arrays (onMetaData) and rejects truncated input', () => {
    const ecma = Buffer.concat([Buffer.from([0x08, 0, 0, 0, 1, 0, 5]), Buffer.from('width'), encodeAmf0(320), Buffer.from([0, 0, 9])]);
    expect(decodeAmf0(ecma)).toEqual([{ width: 320 }]);
    expect(() => decodeAmf0(encodeAmf0('publish').subarray(0, 4))).toThrow(/truncated/);
  });
});

describe('ChunkReader', () => {
  it('reassembles a message split over chunks, across any TCP boundaries', () => {
    const payload = Buffer.alloc(300, 7);
    const wire = encodeChunks({ chunkStreamId: 4, type: MessageType.Video, timestamp: 40, streamId: 1, payload }, 128);
    const reader = new ChunkReader();
    const out = [];
    for (let i = 0; i < wire.length; i += 5) out.push(...reader.push(wire.subarray(i, i + 5)));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ chunkStreamId: 4, type: MessageType.Video, timestamp: 40, streamId: 1 });
    expect(out[0]!.payload.equals(payload)).toBe(true);
  });

  it('applies Set Chunk Size to the chunks that follow it', () => {
    const reader = new ChunkReader();
    const size = Buffer.alloc(4);
    size.writeUInt32BE(4096);
    const big = Buffer.alloc(3000, 1);
    const wire = Buffer.concat([
      encodeChunks({ chunkStreamId: 2, type: MessageType.SetChunkSize, timestamp: 0, streamId: 0, payload: size }, 128),
      encodeChunks({ chunkStreamId: 6, type: MessageType.Audio, timestamp: 0, streamId: 1, payload: big }, 4096),
    ]);
    const out = reader.push(wire);
    expect(out.map((m) => m.type)).toEqual([MessageType.SetChunkSize, MessageType.Audio]);
    expect(out[1]!.payload.length).toBe(3000);
  });

  it('expands compressed headers: fmt 1 and 2 deltas, fmt 3 repeating the last delta', () => {
    const body = Buffer.from([0xaf, 1]);
    const wire = Buffer.concat([
      // fmt 0 on csid 4: ts 1000, len 2, audio, stream 1
      chunk(0x04, [...u24(1000), ...u24(2), 8, 1, 0, 0, 0], body),
      // fmt 1: delta 23, len 2, audio
      chunk(0x44, [...u24(23), ...u24(2), 8], body),
      // fmt 2: delta 21
      chunk(0x84, u24(21), body),
      // fmt 3: same delta again
      chunk(0xc4, [], body),
    ]);
    expect(new ChunkReader().push(wire).map((m) => m.timestamp)).toEqual([1000, 1023, 1044, 1065]);
  });

  it('reads extended timestamps and interleaved chunk streams', () => {
    const a = Buffer.alloc(200, 1);
    const b = Buffer.alloc(10, 2);
    const wire = Buffer.concat([
      chunk(0x05, [0xff, 0xff, 0xff, ...u24(200), 9, 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x00], a.subarray(0, 128)),
      chunk(0x06, [...u24(5), ...u24(10), 8, 1, 0, 0, 0], b),
      // continuation of csid 5 carries the extended timestamp again
      chunk(0xc5, [0x01, 0x00, 0x00, 0x00], a.subarray(128)),
    ]);
    const out = new ChunkReader().push(wire);
    expect(out.map((m) => [m.chunkStreamId, m.timestamp, m.payload.length])).toEqual([
      [6, 5, 10],
      [5, 0x01000000, 200],
    ]);
  });

  it('refuses a compressed header on a chunk stream it has never seen', () => {
    expect(() => new ChunkReader().push(chunk(0x47, [...u24(0), ...u24(1), 8], Buffer.from([0])))).toThrow(RtmpProtocolError);
  });
});

describe('ChunkReader limits (a stranger before publish, a publisher after)', () => {
  it('refuses a message announced above the limit from its header alone, before its payload arrives', () => {
    const reader = new ChunkReader(UNAUTHENTICATED_LIMITS);
    // fmt 0 on csid 6: a 1 MiB video message; only the 12-byte header is sent.
    const header = Buffer.from([0x06, ...u24(0), ...u24(1024 * 1024), 9, 1, 0, 0, 0]);
    expect(() => reader.push(header)).toThrow(/1048576 bytes is too large/);
  });

  it('accepts command-sized messages before publish and media-sized ones once raised', () => {
    const big = { chunkStreamId: 6, type: MessageType.Video, timestamp: 0, streamId: 1, payload: Buffer.alloc(64 * 1024, 1) };
    const small = { ...big, chunkStreamId: 3, type: MessageType.CommandAmf0, payload: Buffer.alloc(3000, 2) };
    const stranger = new ChunkReader(UNAUTHENTICATED_LIMITS);
    expect(stranger.push(encodeChunks(small, 128))).toHaveLength(1);
    expect(() => stranger.push(encodeChunks(big, 128))).toThrow(RtmpProtocolError);

    const publisher = new ChunkReader(UNAUTHENTICATED_LIMITS);
    publisher.setLimits(PUBLISHING_LIMITS);
    expect(publisher.push(encodeChunks(big, 128))[0]!.payload.length).toBe(64 * 1024);
  });

  it('holds state for only a few chunk streams before publish', () => {
    const reader = new ChunkReader(UNAUTHENTICATED_LIMITS);
    const on = (csid: number) =>
      encodeChunks({ chunkStreamId: csid, type: MessageType.Audio, timestamp: 0, streamId: 1, payload: Buffer.from([1]) }, 128);
    for (let csid = 2; csid < 2 + UNAUTHENTICATED_LIMITS.maxChunkStreams; csid++) reader.push(on(csid));
    // Streams already seen stay usable; one more is a protocol error.
    expect(reader.push(on(2))).toHaveLength(1);
    expect(() => reader.push(on(2 + UNAUTHENTICATED_LIMITS.maxChunkStreams))).toThrow(/chunk streams/);
  });
});

describe('FLV re-mux', () => {
  it('turns @setDataFrame into an onMetaData script tag body', () => {
    const meta = { width: 320, height: 180 };
    const body = metadataTagBody(encodeAmf0('@setDataFrame', 'onMetaData', meta))!;
    expect(decodeAmf0(body)).toEqual(['onMetaData', meta]);
    expect(metadataTagBody(encodeAmf0('onCuePoint', {}))).toBeUndefined();
  });

  it('writes tag header, 32-bit timestamp and back-pointer', () => {
    const tag = flvTag(9, 0x12345678, Buffer.from([1, 2, 3]));
    expect([...tag.subarray(0, 11)]).toEqual([9, 0, 0, 3, 0x34, 0x56, 0x78, 0x12, 0, 0, 0]);
    expect(tag.readUInt32BE(14)).toBe(14);
  });
});

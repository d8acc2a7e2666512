import { flvFileHeader, FlvReader, FlvSplicer, FlvTag, flvTagBytes, isKeyframe, isSequenceHeader } from './flv-splice';

const avcConfig = (n: number): FlvTag => ({ kind: 'video', ts: 0, body: Buffer.from([0x17, 0, 0, 0, 0, n]) });
const aacConfig: FlvTag = { kind: 'audio', ts: 0, body: Buffer.from([0xaf, 0, 0x12, 0x10]) };
const key = (ts: number): FlvTag => ({ kind: 'video', ts, body: Buffer.from([0x17, 1, 0, 0, 0, 9]) });
const inter = (ts: number): FlvTag => ({ kind: 'video', ts, body: Buffer.from([0x27, 1, 0, 0, 0, 8]) });
const audio = (ts: number): FlvTag => ({ kind: 'audio', ts, body: Buffer.from([0xaf, 1, 7]) });

describe('FLV reading and writing', () => {
  it('reads back what it writes, whatever the chunking, dropping script tags', () => {
    const script = Buffer.from([18, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 12]);
    const bytes = Buffer.concat([flvFileHeader(), flvTagBytes(key(40)), script, flvTagBytes(audio(0x01020304))]);
    const reader = new FlvReader();
    const tags: FlvTag[] = [];
    for (let i = 0; i < bytes.length; i += 5) tags.push(...reader.push(bytes.subarray(i, i + 5)));
    expect(tags).toEqual([key(40), audio(0x01020304)]);
  });

  it('tells codec configuration and keyframes from media', () => {
    expect([isSequenceHeader(avcConfig(1)), isSequenceHeader(aacConfig), isSequenceHeader(key(0)), isSequenceHeader(audio(0))]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([isKeyframe(key(0)), isKeyframe(inter(0)), isKeyframe(avcConfig(1))]).toEqual([true, false, false]);
  });
});

describe('FlvSplicer', () => {
  it('starts the stream at the first source keyframe that is ready, configuration first, time from 0', () => {
    const s = new FlvSplicer(66);
    expect(s.push(1, avcConfig(1)).out).toEqual([]);
    expect(s.push(1, aacConfig).out).toEqual([]);
    expect(s.push(1, key(0), undefined).out).toEqual([]); // not ready yet
    expect(s.push(1, inter(66), 100).out).toEqual([]); // ready, but not a keyframe
    const first = s.push(1, key(1000), 100);
    expect(first.tookOver).toBe(true);
    expect(first.out.map((t) => [t.kind, t.ts, isSequenceHeader(t)])).toEqual([
      ['video', 0, true],
      ['audio', 0, true],
      ['video', 0, false],
    ]);
    expect(s.push(1, audio(1010)).out[0].ts).toBe(10);
    expect(s.push(1, inter(1066)).out[0].ts).toBe(66);
  });

  it('a new source continues one frame after the last one sent; configuration again only if it differs', () => {
    const s = new FlvSplicer(66);
    s.push(1, avcConfig(1));
    s.push(1, aacConfig);
    s.push(1, key(0), 0);
    s.push(1, audio(50));
    s.push(1, inter(660));
    s.push(2, avcConfig(1));
    s.push(2, aacConfig);
    // The old source keeps the stream until the new one takes over.
    expect(s.push(2, key(0), 500).out).toEqual([]);
    expect(s.push(1, inter(726)).out[0].ts).toBe(726);
    s.push(1, audio(740));
    const over = s.push(2, key(530), 500);
    expect(over.out.map((t) => [t.ts, isSequenceHeader(t)])).toEqual([[792, false]]);
    expect(s.activeSource).toBe(2);
    // The old source is ignored from now on; the new one's audio just before its keyframe would go back in time.
    expect(s.push(1, inter(792)).out).toEqual([]);
    expect(s.push(2, audio(470)).out).toEqual([]);
    expect(s.push(2, audio(540)).out[0].ts).toBe(802);
    const third = new FlvSplicer(66);
    third.push(1, avcConfig(1));
    third.push(1, key(0), 0);
    third.push(2, avcConfig(2));
    const changed = third.push(2, key(0), 0);
    expect(changed.out.map((t) => [t.ts, isSequenceHeader(t)])).toEqual([
      [66, true],
      [66, false],
    ]);
  });
});

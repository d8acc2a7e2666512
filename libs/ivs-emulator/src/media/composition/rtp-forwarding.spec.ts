import { KeyframeCache, restamped, rtpSequence, rtpTimestamp, startsVp8Keyframe, vp8PictureId, withVp8PictureId } from './rtp-forwarding';

/** An RTP packet (no CSRC, no extension) carrying a VP8 payload descriptor and a first payload byte. */
function vp8Packet(o: {
  seq: number;
  ts: number;
  start: boolean;
  key: boolean;
  marker?: boolean;
  pictureId?: { id: number; wide: boolean };
}): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = (o.marker ? 0x80 : 0) | 96;
  header.writeUInt16BE(o.seq, 2);
  header.writeUInt32BE(o.ts, 4);
  const descriptor = [(o.pictureId ? 0x80 : 0) | (o.start ? 0x10 : 0)];
  if (o.pictureId) {
    descriptor.push(0x80);
    if (o.pictureId.wide) descriptor.push(0x80 | (o.pictureId.id >> 8), o.pictureId.id & 0xff);
    else descriptor.push(o.pictureId.id & 0x7f);
  }
  // VP8 frame tag: bit 0 clear for a keyframe.
  return Buffer.concat([header, Buffer.from(descriptor), Buffer.from([o.key ? 0x10 : 0x11, 0xaa, 0xbb])]);
}

describe('VP8 RTP helpers', () => {
  it('tells a keyframe start from a delta frame and from a keyframe continuation', () => {
    expect(startsVp8Keyframe(vp8Packet({ seq: 1, ts: 9, start: true, key: true, pictureId: { id: 5, wide: true } }))).toBe(true);
    expect(startsVp8Keyframe(vp8Packet({ seq: 1, ts: 9, start: true, key: false }))).toBe(false);
    expect(startsVp8Keyframe(vp8Packet({ seq: 1, ts: 9, start: false, key: true }))).toBe(false);
  });

  it('reads and rewrites the PictureID in its own width, leaving the rest of the packet as it was', () => {
    const wide = vp8Packet({ seq: 7, ts: 3000, start: true, key: true, pictureId: { id: 0x1234, wide: true } });
    const narrow = vp8Packet({ seq: 7, ts: 3000, start: true, key: true, pictureId: { id: 0x45, wide: false } });
    expect([vp8PictureId(wide), vp8PictureId(narrow)]).toEqual([0x1234, 0x45]);
    const wide2 = withVp8PictureId(wide, 0x7ffe);
    const narrow2 = withVp8PictureId(narrow, 0x81);
    expect([vp8PictureId(wide2), vp8PictureId(narrow2)]).toEqual([0x7ffe, 0x01]);
    expect([rtpSequence(wide2), rtpTimestamp(wide2), startsVp8Keyframe(wide2), startsVp8Keyframe(narrow2)]).toEqual([7, 3000, true, true]);
    expect(vp8PictureId(wide)).toBe(0x1234);
    const none = vp8Packet({ seq: 7, ts: 3000, start: true, key: true });
    expect(vp8PictureId(none)).toBeUndefined();
    expect(withVp8PictureId(none, 3)).toBe(none);
  });

  it('caches the latest complete keyframe only', () => {
    const cache = new KeyframeCache();
    cache.add(vp8Packet({ seq: 1, ts: 100, start: true, key: false, marker: true }));
    expect(cache.latest).toBeUndefined();
    cache.add(vp8Packet({ seq: 2, ts: 200, start: true, key: true }));
    expect(cache.latest).toBeUndefined();
    cache.add(vp8Packet({ seq: 3, ts: 200, start: false, key: false, marker: true }));
    expect(cache.latest?.map(rtpSequence)).toEqual([2, 3]);
    // A keyframe whose end never came leaves the previous one cached.
    cache.add(vp8Packet({ seq: 4, ts: 300, start: true, key: true }));
    cache.add(vp8Packet({ seq: 6, ts: 400, start: true, key: false, marker: true }));
    expect(cache.latest?.map(rtpSequence)).toEqual([2, 3]);
    expect(rtpSequence(restamped(cache.latest![0], 9, 1, 96))).toBe(9);
  });
});

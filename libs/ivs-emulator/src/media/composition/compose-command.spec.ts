import { composeFilterGraph, composeSdp } from './compose-command';
import type { Tile } from './composition-layout';
import {
  KeyframeCache,
  opusSilencePacket,
  restamped,
  rtpSequence,
  rtpTimestamp,
  startsVp8Keyframe,
  withPayloadType,
} from './rtp-forwarding';

const video = { width: 640, height: 360, framerate: 15, bitrate: 800_000 };
const tile = (participantId: string, x: number, z: 0 | 1 = 0): Tile => ({
  participantId,
  x,
  y: 0,
  width: 320,
  height: 180,
  fit: 'COVER',
  z,
  hasVideo: true,
});

describe('compose command', () => {
  it('one SDP session, one m-line per input in input order', () => {
    const sdp = composeSdp([
      { participantId: 'a', kind: 'video', port: 20000 },
      { participantId: 'a', kind: 'audio', port: 20002 },
    ]);
    expect(sdp.split('\r\n').filter((l) => l.startsWith('m='))).toEqual(['m=video 20000 RTP/AVP 96', 'm=audio 20002 RTP/AVP 111']);
    expect(sdp).toContain('a=rtpmap:96 VP8/90000');
    expect(sdp).toContain('a=rtpmap:111 opus/48000/2');
  });

  it('overlays tiles with video over a black canvas (PiP last), mixes every audio input over silence', () => {
    const graph = composeFilterGraph(
      [tile('pip', 300, 1), tile('main', 0), tile('stopped', 320)],
      [
        { participantId: 'pip', kind: 'video', port: 1 },
        { participantId: 'main', kind: 'video', port: 2 },
        { participantId: 'main', kind: 'audio', port: 3 },
      ],
      video,
    );
    expect(graph).toContain('color=c=black:s=640x360:r=15');
    // main (input 1) is drawn first, then the PiP window (input 0); the tile without an input is not drawn.
    expect(graph.indexOf('[0:1]scale=320:180')).toBeLessThan(graph.indexOf('[0:0]scale=320:180'));
    expect(graph).toContain('overlay=x=300:y=0');
    expect(graph.match(/overlay=/g)).toHaveLength(2);
    expect(graph).toContain('amix=inputs=2');
    expect(graph).not.toContain('realtime');
  });

  it('with nothing live, the canvas and the silence run on the wall clock', () => {
    const graph = composeFilterGraph([], [], video);
    expect(graph).toContain('realtime');
    expect(graph).toContain('arealtime');
  });

  it('fill modes: COVER crops, CONTAIN letterboxes, FILL stretches', () => {
    const input = [{ participantId: 'a', kind: 'video' as const, port: 1 }];
    const of = (fit: Tile['fit']) => composeFilterGraph([{ ...tile('a', 0), fit }], input, video);
    expect(of('COVER')).toContain('force_original_aspect_ratio=increase,crop=320:180');
    expect(of('CONTAIN')).toContain('force_original_aspect_ratio=decrease,pad=320:180');
    expect(of('FILL')).toContain('[0:0]scale=320:180,setsar=1');
  });
});

describe('RTP forwarding', () => {
  const rtp = (payload: number[], marker = false) =>
    Buffer.from([0x80, (marker ? 0x80 : 0) | 100, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, ...payload]);

  it('finds the start of a VP8 keyframe (with and without the extended descriptor)', () => {
    expect(startsVp8Keyframe(rtp([0x10, 0x00]))).toBe(true); // S=1, PID=0, P=0
    expect(startsVp8Keyframe(rtp([0x10, 0x01]))).toBe(false); // inter frame
    expect(startsVp8Keyframe(rtp([0x00, 0x00]))).toBe(false); // not a partition start
    expect(startsVp8Keyframe(rtp([0x90, 0x80, 0x81, 0x23, 0x00]))).toBe(true); // X, I with a 15-bit picture id
    expect(startsVp8Keyframe(rtp([0x90, 0xe0, 0x05, 0x01, 0x20, 0x00]))).toBe(true); // X, I (7-bit), L, T
  });

  it('rewrites the payload type on a copy, keeping the marker bit', () => {
    const raw = rtp([0x10, 0], true);
    const out = withPayloadType(raw, 96);
    expect(out[1]).toBe(0x80 | 96);
    expect(raw[1]).toBe(0x80 | 100);
  });

  const at = (ts: number, payload: number[], marker: boolean) => restamped(rtp(payload, marker), 1, ts, 100);

  it('keeps the latest complete keyframe, not a partial one nor an inter frame', () => {
    const cache = new KeyframeCache();
    cache.add(at(3000, [0x10, 0x00, 1], false));
    cache.add(at(3000, [0x00, 2], true));
    expect(cache.latest?.map((p) => p[p.length - 1])).toEqual([1, 2]);
    cache.add(at(6000, [0x10, 0x01], true)); // inter frame: the keyframe stays
    cache.add(at(9000, [0x10, 0x00, 3], false)); // a new keyframe, not finished yet
    expect(cache.latest?.map((p) => p[p.length - 1])).toEqual([1, 2]);
    cache.add(at(12000, [0x00, 4], true)); // its end never came: dropped
    expect(cache.latest?.map((p) => p[p.length - 1])).toEqual([1, 2]);
  });

  it('restamps copies and makes Opus silence packets in sequence', () => {
    const p = restamped(rtp([0x10, 0]), 65537, 2 ** 32 + 5, 96);
    expect([rtpSequence(p), rtpTimestamp(p), p[1] & 0x7f]).toEqual([1, 5, 96]);
    const s = opusSilencePacket(7, 960, 111);
    expect([rtpSequence(s), rtpTimestamp(s), s[1], s.length]).toEqual([7, 960, 111, 15]);
  });
});

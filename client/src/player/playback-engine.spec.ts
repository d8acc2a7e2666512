import { describe, expect, test } from '@jest/globals';
import { engineKindFor } from './playback-engine';

describe('which player plays a URL', () => {
  test('IVS playback URLs use the IVS Player', () => {
    expect(engineKindFor('https://fcc3ddae59ed.us-west-2.playback.live-video.net/api/video/v1/us-west-2.123.channel.abc.m3u8')).toBe('ivs');
  });
  test('local HLS and recordings use hls.js', () => {
    expect(engineKindFor('http://localhost:3000/_ivs/hls/abc/live.m3u8')).toBe('hls');
    expect(engineKindFor('/_ivs/recordings/x/media/hls/master.m3u8')).toBe('hls');
    expect(engineKindFor('https://d1.cloudfront.net/ivs/v1/1/abc/media/hls/master.m3u8')).toBe('hls');
    expect(engineKindFor('https://evil-live-video.net.example.com/x.m3u8')).toBe('hls');
  });
});

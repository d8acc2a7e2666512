import { finishVodPlaylist, playlistDurationMs, recordingKeyPrefix } from './recording-layout';
import { ingestArgs } from './ffmpeg';

describe('recording layout', () => {
  it('builds the IVS S3 key prefix from the UTC start time', () => {
    expect(recordingKeyPrefix('123456789012', 'AbCd', new Date('2026-03-04T05:06:59Z'), 'rec1')).toBe(
      'ivs/v1/123456789012/AbCd/2026/3/4/5/6/rec1',
    );
  });

  it('finishes an EVENT playlist as VOD and sums its duration', () => {
    const event = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.000000,\n0.ts\n#EXTINF:1.500000,\n1.ts\n';
    const vod = finishVodPlaylist(event);
    expect(vod).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(vod.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(finishVodPlaylist(vod)).toBe(vod);
    expect(playlistDurationMs(vod)).toBe(3500);
  });

  it('copies H.264 and only encodes otherwise', () => {
    const base = {
      input: 'webm' as const,
      segmentSeconds: 1,
      recordingSegmentSeconds: 2,
      liveDir: '/l',
      recordingRenditionDir: '/r',
      thumbnailsDir: '/t',
      thumbnailEverySeconds: 10,
    };
    const copy = ingestArgs({ ...base, videoIsH264: true });
    expect(copy.join(' ')).toContain('-c:v copy');
    expect(copy.join(' ')).not.toContain('libx264');
    expect(ingestArgs({ ...base, videoIsH264: false }).join(' ')).toContain('-c:v libx264 -preset ultrafast');
  });
});

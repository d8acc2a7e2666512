import { ingestArgs, IngestCommand } from './ffmpeg';

const command: IngestCommand = {
  input: 'webm',
  videoIsH264: true,
  segmentSeconds: 1,
  recordingSegmentSeconds: 2,
  liveDir: '/live',
  recordingRenditionDir: '/rec',
  thumbnailsDir: '/thumbs',
  thumbnailEverySeconds: 10,
};
const tee = (args: string[]) => args[args.indexOf('tee') + 1]!.split('|');

describe('ingestArgs', () => {
  it('the first source starts both playlists; neither gets ENDLIST from ffmpeg (another source may follow)', () => {
    const args = ingestArgs(command);
    for (const output of tee(args)) {
      expect(output).toContain('omit_endlist');
      expect(output).not.toContain('append_list');
    }
    expect(args).not.toContain('-output_ts_offset');
    expect(args).not.toContain('-start_number');
  });

  it('cuts short live segments, written whole before they are named, and longer recording segments on the same keyframes', () => {
    const [live, recording] = tee(ingestArgs(command));
    expect(live).toMatch(/^\[f=hls:hls_time=1:.*hls_flags=[^:]*temp_file.*\]\/live\/live\.m3u8$/);
    expect(recording).toMatch(/^\[f=hls:hls_time=2:/);
    // The recording's playlist is read only once finished: its segments may be written in place.
    expect(recording).not.toContain('temp_file');
    const encoded = ingestArgs({ ...command, videoIsH264: false });
    expect(encoded.slice(encoded.indexOf('-force_key_frames'), encoded.indexOf('-force_key_frames') + 2)).toEqual([
      '-force_key_frames',
      'expr:gte(t,n_forced*1)',
    ]);
  });

  it('a later source appends to both playlists, carries the timestamps on and numbers thumbnails after the last', () => {
    const args = ingestArgs({ ...command, continuing: { atSeconds: 12.5, nextThumbnail: 3 } });
    for (const output of tee(args)) expect(output).toMatch(/hls_flags=[^:]*append_list/);
    expect(args.slice(args.indexOf('-output_ts_offset'), args.indexOf('-output_ts_offset') + 2)).toEqual(['-output_ts_offset', '12.500']);
    // Options apply to the output after them: the offset to the HLS tee, the numbering to the thumbnails.
    expect(args.indexOf('-output_ts_offset')).toBeLessThan(args.indexOf('tee'));
    const startNumber = args.indexOf('-start_number');
    expect(args.slice(startNumber, startNumber + 3)).toEqual(['-start_number', '3', '/thumbs/thumb%d.jpg']);
  });
});

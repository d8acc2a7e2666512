import { describe, expect, it } from '@jest/globals';
import { encoderNote } from './studio.encoder';

describe('encoderNote', () => {
  it('says which ffmpeg encodes the broadcast, or that going live will fail', () => {
    expect(encoderNote({ status: 'available', source: 'packaged', version: 'N-47683' })).toBe(
      'Encoder: the ffmpeg N-47683 packaged with StreamCat (no ffmpeg is installed on the server).',
    );
    expect(encoderNote({ status: 'available', source: 'path', version: '5.1.9' })).toBe('Encoder: ffmpeg 5.1.9, installed on the server.');
    expect(encoderNote({ status: 'available', source: 'configured', version: '6.1' })).toBe('Encoder: ffmpeg 6.1 (FFMPEG_PATH).');
    expect(encoderNote({ status: 'missing', message: 'not on the PATH' })).toMatch(/^Going live will fail/);
    expect(encoderNote(undefined)).toBeNull();
  });
});

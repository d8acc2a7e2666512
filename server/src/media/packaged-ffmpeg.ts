import { dirname, join } from 'node:path';

/**
 * The ffmpeg shipped in the optional npm package @ffmpeg-installer/linux-x64 (a static build with
 * x264, AAC, Opus and the HLS muxer), so going live works after `npm start` alone on Linux x64.
 * Undefined where npm skipped it (another platform) or it was removed.
 */
export function packagedFfmpegPath(): string | undefined {
  try {
    return join(dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json')), 'ffmpeg');
  } catch {
    return undefined;
  }
}

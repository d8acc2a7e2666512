import type { HealthResponse } from '@streamcat/protocol';

/**
 * One line for the owner's go-live panel in local mode: which ffmpeg will encode the broadcast
 * (the server's health report), or that going live will fail without one. Null when unknown.
 */
export function encoderNote(ffmpeg: HealthResponse['ffmpeg']): string | null {
  if (!ffmpeg) return null;
  if (ffmpeg.status === 'missing') return 'Going live will fail: the server has no ffmpeg to encode the broadcast.';
  const version = ffmpeg.version ? ` ${ffmpeg.version}` : '';
  switch (ffmpeg.source) {
    case 'packaged':
      return `Encoder: the ffmpeg${version} packaged with StreamCat (no ffmpeg is installed on the server).`;
    case 'configured':
      return `Encoder: ffmpeg${version} (FFMPEG_PATH).`;
    default:
      return `Encoder: ffmpeg${version}, installed on the server.`;
  }
}

import type { FfmpegStatus } from '@streamcat/ivs-emulator';
import type { HealthResponse } from '@streamcat/protocol';

export type LocalFfmpegStatus = NonNullable<HealthResponse['ffmpeg']>;

/**
 * What only the local media plane (MEDIA_PROVIDER=local) can tell the rest of the server: where
 * OBS publishes and which ffmpeg going live uses. Provided by the media plane in local mode;
 * on AWS nothing provides it, so consumers inject it with @Optional().
 */
export abstract class LocalMediaPlane {
  /** `rtmp://<ingestEndpoint>:<port>/app/`, or null while the RTMP ingest is off (its port was taken). */
  abstract rtmpUrl(ingestEndpoint: string): string | null;
  /** The ffmpeg behind the channel ingest, or why going live cannot work. */
  abstract ffmpeg(): LocalFfmpegStatus;
}

/** The emulator's ffmpeg check as /api/health reports it. */
export function ffmpegHealth(s: FfmpegStatus): LocalFfmpegStatus {
  return s.ok ? { status: 'available', version: s.version, source: s.source } : { status: 'missing', message: s.message };
}

import { join } from 'node:path';
import { z } from 'zod';
import { PENDING_RTMP_LIMITS, PendingRtmpLimits } from './rtmp/rtmp-admission';

/** Settings of the local media plane (stage SFU, browser ingest, HLS and recording files). */
export interface IvsMediaOptions {
  /**
   * ffmpeg binary of the channel ingest, checked at start and on every go-live. Set, it is the
   * only one used; unset, `ffmpeg` on the PATH, else `packagedFfmpegPath`.
   */
  ffmpegPath?: string;
  /** An ffmpeg shipped in an npm package: the fallback when none is on the PATH. */
  packagedFfmpegPath?: string;
  /** Participants that may subscribe at once per stage (IVS default: 10,000). */
  maxSubscribers?: number;
  /** Input silence after which a live stream reports Starvation Start. */
  starvationAfterMs?: number;
  /** Input silence after which a live stream is ended (browser or encoder vanished). */
  endAfterMs?: number;
  /**
   * How long a live stream whose browser source disconnected without stopping (a studio page
   * reloading) stays open for a new source with the same key, which carries on the same stream
   * and recording. 0: the stream ends with its connection.
   */
  reconnectGraceMs?: number;
  /**
   * Live HLS segment length in seconds. IVS's low-latency channels use 2 s segments plus
   * LL-HLS parts; ffmpeg's hls muxer writes no parts, so locally 1 s segments (and blocking
   * playlist reload) keep the watch page under 3 s behind the studio.
   */
  segmentSeconds?: number;
  /** Recording HLS segment length in seconds (cut on the live segments' keyframes, so never shorter than those). */
  recordingSegmentSeconds?: number;
  /**
   * TCP port of the RTMP ingest (`rtmp://<host>:<port>/app/<streamKey>`, for OBS / ffmpeg);
   * 0 picks a free port (see `RtmpIngestServer.port`). Omitted: no RTMP ingest.
   */
  rtmpPort?: number;
  /** Address the RTMP ingest listens on. */
  rtmpHost?: string;
  /** RTMP connections without an accepted publish allowed at once, per client address and overall. */
  rtmpPendingLimits?: PendingRtmpLimits;
}

export type ResolvedMediaOptions = Required<Omit<IvsMediaOptions, 'rtmpPort' | 'ffmpegPath' | 'packagedFfmpegPath'>> & {
  rtmpPort?: number;
  ffmpegPath?: string;
  packagedFfmpegPath?: string;
  /** `DATA_DIR/ivs-emulator/hls`: live playlists, one folder per channel id. */
  liveDir: string;
  /** `DATA_DIR/recordings`: holds `ivs/v1/...` exactly like the S3 bucket would. */
  recordingsDir: string;
  /** Bucket name reported in recording events (local stand-in for the S3 bucket). */
  bucketName: string;
};

export const IVS_MEDIA_OPTIONS = Symbol('IVS_MEDIA_OPTIONS');

const schema = z.object({
  ffmpegPath: z.string().min(1).optional(),
  packagedFfmpegPath: z.string().min(1).optional(),
  maxSubscribers: z.number().int().min(1).max(10_000).default(10_000),
  starvationAfterMs: z.number().int().min(200).default(3_000),
  // A busy machine can hold a browser's recorder back for several seconds (seen at 10 s with
  // six browsers on two cores); viewers already get Starvation at 3 s, so ending waits longer.
  endAfterMs: z.number().int().min(500).default(30_000),
  // A studio reload (a few seconds on a busy machine) or a network drop of up to 30 s, plus the
  // studio's reconnect backoff: 40 s covers both.
  reconnectGraceMs: z.number().int().min(0).max(300_000).default(40_000),
  segmentSeconds: z.number().int().min(1).max(10).default(1),
  recordingSegmentSeconds: z.number().int().min(1).max(10).default(2),
  rtmpPort: z.number().int().min(0).max(65535).optional(),
  rtmpHost: z.string().min(1).default('0.0.0.0'),
  rtmpPendingLimits: z.object({ perAddress: z.number().int().min(1), overall: z.number().int().min(1) }).default(PENDING_RTMP_LIMITS),
});

export function resolveMediaOptions(dataDir: string, input: IvsMediaOptions): ResolvedMediaOptions {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new Error(
      `Invalid IvsEmulatorModule media options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return {
    ...parsed.data,
    liveDir: join(dataDir, 'ivs-emulator', 'hls'),
    recordingsDir: join(dataDir, 'recordings'),
    bucketName: 'streamcat-local-recordings',
  };
}

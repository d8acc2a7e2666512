import { z } from 'zod';
import { HealthResponse } from './rest';

/** Path of a standalone emulator's status (unsigned, read-only, no secrets): what its host servers cannot ask IVS. */
export const EMULATOR_STATUS_PATH = '/_ivs/local/status';

/**
 * `GET /_ivs/local/status` of a standalone IVS emulator: where OBS publishes (its RTMP port,
 * null while off) and whether going live can work (its ffmpeg). Server replicas read it to fill
 * in channel credentials and /api/health as the embedded emulator would.
 */
export const EmulatorStatus = z.object({
  publicUrl: z.string().max(2000),
  rtmpPort: z.number().int().min(0).max(65535).nullable(),
  ffmpeg: HealthResponse.shape.ffmpeg.unwrap(),
});
export type EmulatorStatus = z.infer<typeof EmulatorStatus>;

/** The status, or undefined when the body is not one (an old or foreign service). */
export function parseEmulatorStatus(body: unknown): EmulatorStatus | undefined {
  const r = EmulatorStatus.safeParse(body);
  return r.success ? r.data : undefined;
}

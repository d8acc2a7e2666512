import { z } from 'zod';
import { STAGE_SOCKET_PATH } from '@streamcat/protocol';
import type { EmulatorCredentials } from './aws-protocol/request-signature';
import { EmulatorLimits, parseEmulatorLimits } from './limits/emulator-limits';
import type { IvsMediaOptions } from './media/media.options';

/** What the host app tells the emulator about itself. */
export interface IvsEmulatorOptions {
  /** Directory for durable files (the participant-token signing key lives under `ivs-emulator/`). */
  dataDir: string;
  /** Region written into ARNs and stream keys, e.g. `us-east-1`. */
  region: string;
  /** 12-digit account id written into ARNs. */
  accountId: string;
  /** Base URL browsers use to reach this server, e.g. `http://localhost:3000`. */
  publicUrl: string;
  /**
   * The one access key the control plane accepts: every `/_ivs/channels` and `/_ivs/realtime`
   * request must be SigV4-signed with it (scope `<date>/<region>/ivs/aws4_request`), as at AWS.
   */
  credentials: EmulatorCredentials;
  /**
   * Overrides of AWS's quotas and call rates, and the account's standing, in the syntax of the
   * server's IVS_EMULATOR_LIMITS: `stages=3,DisconnectParticipant=5/s,pendingVerification=true`
   * (see limits/emulator-limits.ts). Omitted: AWS's defaults.
   */
  limits?: string;
  /**
   * Turns on the local media plane (stage SFU, browser channel ingest, HLS and recordings).
   * Omitted: control plane only.
   */
  media?: IvsMediaOptions;
  /**
   * Resources the account starts with, made at boot when missing (what a CloudFormation stack
   * makes on AWS): storage configurations a host names by a fixed ARN (participant recording).
   */
  storageConfigurations?: { id: string; name: string; bucketName: string }[];
}

/**
 * The storage configuration StreamCat's local mode records participants to: the emulator's own
 * bucket (the recordings folder, served under /_ivs/recordings), made at boot.
 */
export const LOCAL_PARTICIPANT_STORAGE = {
  id: 'streamcatPrt',
  name: 'streamcat-participant-recordings',
  bucketName: 'streamcat-local-recordings',
};

export const IVS_EMULATOR_OPTIONS = Symbol('IVS_EMULATOR_OPTIONS');

/**
 * Source of "now" for token `iat`/`exp` and verification. A provider (not `Date.now()`
 * inline) so tests can move time forward instead of waiting a minute for a token to expire.
 */
export const IVS_EMULATOR_CLOCK = Symbol('IVS_EMULATOR_CLOCK');
export type IvsEmulatorClock = () => Date;

const optionsSchema = z.object({
  dataDir: z.string().min(1),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must look like an AWS region, e.g. us-east-1'),
  accountId: z.string().regex(/^\d{12}$/, 'must be 12 digits'),
  publicUrl: z.url({ protocol: /^https?$/ }),
  credentials: z.object({
    // AWS access key ids: 16-128 word characters.
    accessKeyId: z.string().regex(/^\w{16,128}$/, 'must be 16-128 letters, digits or underscores'),
    secretAccessKey: z.string().regex(/^\S{16,128}$/, 'must be 16-128 characters without spaces'),
  }),
});

/** Fails at boot, naming every bad option, rather than minting broken ARNs or URLs later. */
export function parseIvsEmulatorOptions(input: IvsEmulatorOptions): IvsEmulatorOptions {
  const result = optionsSchema.safeParse(input);
  const limits = parseEmulatorLimits(input.limits ?? '');
  const problems = [
    ...(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
    ...('errors' in limits ? limits.errors.map((e) => `limits: ${e}`) : []),
  ];
  if (!result.success || problems.length) throw new Error(`Invalid IvsEmulatorModule options: ${problems.join('; ')}`);
  return {
    ...result.data,
    limits: input.limits,
    media: input.media,
    storageConfigurations: input.storageConfigurations,
    publicUrl: result.data.publicUrl.replace(/\/+$/, ''),
  };
}

/** The limits in force: AWS's defaults with the options' overrides (already checked by parseIvsEmulatorOptions). */
export function emulatorLimitsOf(options: IvsEmulatorOptions): EmulatorLimits {
  const limits = parseEmulatorLimits(options.limits ?? '');
  if ('errors' in limits) throw new Error(`Invalid IvsEmulatorModule options: ${limits.errors.join('; ')}`);
  return limits;
}

/** Public addresses derived from `publicUrl`, shaped the way IVS hands them out. */
export interface EmulatorEndpoints {
  /** A bare hostname, as IVS gives it (clients append `:443/app/` for RTMPS). */
  ingestEndpoint: string;
  playbackUrl(channelId: string): string;
  stage: { events: string; whip: string; rtmp: string; rtmps: string };
}

export function emulatorEndpoints(options: IvsEmulatorOptions): EmulatorEndpoints {
  const url = new URL(options.publicUrl);
  const base = options.publicUrl;
  const wsScheme = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    ingestEndpoint: url.hostname,
    playbackUrl: (channelId) => `${base}/_ivs/hls/${channelId}/live.m3u8`,
    stage: {
      events: `${wsScheme}//${url.host}${STAGE_SOCKET_PATH}`,
      whip: `${base}/_ivs/stage/whip`,
      rtmp: `rtmp://${url.hostname}:1935/stage/`,
      rtmps: `rtmps://${url.hostname}:443/stage/`,
    },
  };
}

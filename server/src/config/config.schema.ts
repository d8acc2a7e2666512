import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.join(' or ')}//`,
  );

/**
 * Every environment variable the server reads. Parsed once at start; a bad value
 * stops the process with a message naming every bad variable (see loadConfig).
 */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  MEDIA_PROVIDER: z.enum(['local', 'aws']).default('local'),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must look like us-east-1')
    .default('us-east-1'),
  IVS_RECORDING_CONFIGURATION_ARN: z.string().startsWith('arn:aws:ivs:').optional(),
  // Studio stages record each member separately into it (local mode: the emulator's own, by default).
  IVS_STORAGE_CONFIGURATION_ARN: z
    .string()
    .regex(/^arn:aws:ivs:[a-z0-9-]+:[0-9]+:storage-configuration\/[a-zA-Z0-9-]+$/, 'must be an IVS storage-configuration ARN')
    .optional(),
  IVS_CHANNEL_TYPE: z.enum(['BASIC', 'STANDARD', 'ADVANCED_SD', 'ADVANCED_HD']).default('STANDARD'),
  IVS_EVENTS_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  IVS_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  // Calls per second per IVS operation (Operation=N/s,…); unset: AWS's documented defaults. Checked in loadConfig.
  IVS_API_RATES: z.string().max(2000).default(''),
  // A studio idle this long (nobody connected, nothing live) gives its IVS stage back.
  STAGE_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  // A broadcast still `starting` after this long without Stream Start asks IVS (GetStream).
  BROADCAST_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  FAILOVER_HOST_GONE_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  // Local mode: overrides of the emulator's AWS quotas, call rates and account standing (stages=3,CreateStage=5/s,pendingVerification=true). Checked in loadConfig.
  IVS_EMULATOR_LIMITS: z.string().max(2000).default(''),
  // Local mode with the emulator as its own service (`npm run emulator`): where this server reaches it. Unset: embedded.
  IVS_EMULATOR_URL: url(['http:', 'https:']).optional(),
  // Where browsers reach that emulator (stage, ingest, HLS, recordings); defaults to IVS_EMULATOR_URL.
  IVS_EMULATOR_PUBLIC_URL: url(['http:', 'https:']).optional(),
  // The local emulator's own access key (SigV4); shape checked in loadConfig, where the secret is never echoed.
  IVS_EMULATOR_ACCESS_KEY_ID: z.string().optional(),
  IVS_EMULATOR_SECRET_ACCESS_KEY: z.string().optional(),
  RECORDINGS_BASE_URL: url(['http:', 'https:']).optional(),
  // AES-256-GCM key of the stored multistream stream keys: 32 bytes, base64. Shape checked in loadConfig (never echoed).
  MULTISTREAM_KEY: z.string().optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(12 * 3600),
  // Removed: it made whoever registered a listed name first a moderator. Set, it stops the start.
  MODERATOR_USERNAMES: z
    .string()
    .optional()
    .refine(
      (v) => !v?.trim(),
      'no longer grants roles (whoever registered a listed name first became a moderator): remove it, and give existing accounts their role with `npm run cli -- role <username> moderator`',
    ),
  // Unset: ffmpeg from the PATH, else the one packaged in @ffmpeg-installer/linux-x64.
  FFMPEG_PATH: z.string().min(1).optional(),
  RTMP_PORT: z.coerce.number().int().min(0).max(65535).default(1935),
  // A studio reload or a network drop of up to 30 s, plus the reconnect's own seconds; IVS's recording reconnect window allows up to 300.
  INGEST_RECONNECT_GRACE_SECONDS: z.coerce.number().int().min(0).max(300).default(40),
  STAGE_MAX_SUBSCRIBERS: z.coerce.number().int().min(1).max(10_000).default(10_000),
  TRUST_PROXY: z.string().max(2000).default('false'),
  RATE_LIMITS: z.string().max(2000).default(''),
  SERVE_CLIENT: bool.default(true),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug']).default('log'),
});

export type Env = z.infer<typeof envSchema>;

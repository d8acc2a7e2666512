import { resolve } from 'node:path';
import { z } from 'zod';
import { parseEmulatorLimits } from '@streamcat/ivs-emulator';
import { ConfigError, emulatorCredentialProblems } from '../config/config';
import { envSchema } from '../config/config.schema';

/**
 * The standalone emulator's environment. Variables that mean the same as the server's keep the
 * server's names and rules (config.schema.ts); only the defaults that would collide with a
 * server on the same machine differ (port, data directory, embedded PostgreSQL port).
 */
export const emulatorEnvSchema = envSchema
  .pick({
    HOST: true,
    PUBLIC_URL: true,
    DATABASE_URL: true,
    AWS_REGION: true,
    IVS_EMULATOR_LIMITS: true,
    FFMPEG_PATH: true,
    RTMP_PORT: true,
    INGEST_RECONNECT_GRACE_SECONDS: true,
    STAGE_MAX_SUBSCRIBERS: true,
    LOG_LEVEL: true,
  })
  .extend({
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    DATA_DIR: z.string().min(1).default('./.data/emulator'),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1024).max(65535).default(54330),
    // Where IVS events go: the servers' `/api/ivs/events`, through their load balancer or as a
    // comma-separated list of replicas (a failed delivery moves on to the next).
    IVS_EVENTS_URL: z
      .string()
      .max(4000)
      .transform((v) =>
        v
          .split(',')
          .map((u) => u.trim())
          .filter(Boolean),
      )
      .pipe(z.array(envSchema.shape.PUBLIC_URL.unwrap()).min(1, 'must name at least one URL')),
    IVS_EVENTS_API_KEY: envSchema.shape.IVS_EVENTS_API_KEY.unwrap(),
    IVS_EMULATOR_ACCESS_KEY_ID: z.string(),
    IVS_EMULATOR_SECRET_ACCESS_KEY: z.string(),
  });

export interface EmulatorConfig {
  port: number;
  host: string;
  /** Where browsers reach this emulator: written into tokens, playback and ingest URLs. */
  publicUrl: string;
  dataDir: string;
  databaseUrl?: string;
  embeddedPostgresPort: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  limits: string;
  events: { urls: string[]; apiKey: string };
  ffmpegPath?: string;
  rtmpPort: number;
  rtmpHost: string;
  reconnectGraceMs: number;
  maxSubscribers: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

/** Every problem at once, secrets never echoed (the same shape of message as the server's loadConfig). */
export function loadEmulatorConfig(env: NodeJS.ProcessEnv = process.env): EmulatorConfig {
  const parsed = emulatorEnvSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      const secret = /SECRET|API_KEY/.test(name);
      const shown = secret ? '(value not shown)' : JSON.stringify(env[name] ?? '');
      problems.push(`${name}=${shown}: ${env[name] === undefined ? 'required' : issue.message}`);
    }
  }
  problems.push(...emulatorCredentialProblems(env));
  const limits = parseEmulatorLimits(env.IVS_EMULATOR_LIMITS ?? '');
  if ('errors' in limits) problems.push(...limits.errors.map((e) => `IVS_EMULATOR_LIMITS: ${e}`));
  if (problems.length || !parsed.success) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    region: e.AWS_REGION,
    credentials: { accessKeyId: e.IVS_EMULATOR_ACCESS_KEY_ID, secretAccessKey: e.IVS_EMULATOR_SECRET_ACCESS_KEY },
    limits: e.IVS_EMULATOR_LIMITS,
    events: { urls: e.IVS_EVENTS_URL, apiKey: e.IVS_EVENTS_API_KEY },
    ffmpegPath: e.FFMPEG_PATH,
    rtmpPort: e.RTMP_PORT,
    rtmpHost: e.HOST,
    reconnectGraceMs: e.INGEST_RECONNECT_GRACE_SECONDS * 1000,
    maxSubscribers: e.STAGE_MAX_SUBSCRIBERS,
    logLevel: e.LOG_LEVEL,
  };
}

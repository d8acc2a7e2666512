import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_PARTICIPANT_STORAGE, parseEmulatorLimits } from '@streamcat/ivs-emulator';
import { parseTrustProxy, TrustProxy } from '../http/client-address';
import { IvsRates, parseIvsRates } from '../media/ivs-call-queue.policy';
import { LimitTable, parseLimitOverrides } from '../rate-limits/rate-limits.policy';
import { Env, envSchema } from './config.schema';

/** The validated, resolved configuration every part of the server reads. */
export interface AppConfig {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl?: string;
  embeddedPostgresPort: number;
  redisUrl?: string;
  mediaProvider: 'local' | 'aws';
  awsRegion: string;
  /** Account id used in emulator ARNs; AWS fills in the real one. */
  awsAccountId: string;
  ivsRecordingConfigurationArn?: string;
  /** Studio stages record every member separately into it (IVS individual participant recording); unset: no participant recordings. */
  ivsStorageConfigurationArn?: string;
  ivsChannelType: Env['IVS_CHANNEL_TYPE'];
  ivsEventsApiKey: string;
  /** How often live channels are checked with GetStream (a lost Stream End must not leave one live). */
  ivsReconcileIntervalSeconds: number;
  /** Calls per second the server allows itself per IVS operation (IVS_API_RATES over AWS's defaults). */
  ivsApiRates: IvsRates;
  /** A studio idle this long gives its IVS stage back (STAGE_IDLE_MINUTES). */
  stageIdleMinutes: number;
  /** A broadcast `starting` this long without Stream Start asks IVS whether it is live. */
  broadcastStartTimeoutSeconds: number;
  /** How long the host's studio may be away from a show live from their browser before failover counts them gone. */
  failoverHostGoneSeconds: number;
  /** Local mode: the key pair the emulator accepts and the server's SDK clients sign with (SigV4). */
  ivsEmulatorCredentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Local mode with a standalone emulator (IVS_EMULATOR_URL): the URL this server calls and the one
   * browsers use. Unset: the emulator is embedded in this process.
   */
  ivsEmulator?: { url: string; publicUrl: string };
  /** Local mode: overrides of AWS's limits the emulator enforces (IVS_EMULATOR_LIMITS, checked here; AWS's defaults when empty). */
  ivsEmulatorLimits: string;
  recordingsBaseUrl: string;
  jwtSecret: string;
  /** Encrypts multistream destinations' stream keys at rest (MULTISTREAM_KEY; generated once in local mode). */
  multistreamKey: Buffer;
  jwtTtlSeconds: number;
  /** ffmpeg binary of the local channel ingest (FFMPEG_PATH); unset: the PATH's, else the packaged one. */
  ffmpegPath?: string;
  /** Local RTMP ingest port (OBS / ffmpeg); 0 = any free port. */
  rtmpPort: number;
  /** Local ingest: how long a live stream whose encoder dropped without stopping waits for it to come back (0 = ends at once). */
  ingestReconnectGraceSeconds: number;
  /** Local stage SFU: participants that may subscribe at once per stage. */
  stageMaxSubscribers: number;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY). */
  trustProxy: TrustProxy;
  /** Per-address and overall limits (defaults overridden by RATE_LIMITS). */
  rateLimits: LimitTable;
  serveClient: boolean;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parse the environment. In local mode, secrets that are not given are generated
 * once and kept in DATA_DIR so sessions survive restarts; in aws mode they must be set.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      problems.push(`${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
    }
  }
  // The cross-variable rules run on the raw environment too, so one start lists every problem.
  if ((env.MEDIA_PROVIDER ?? 'local') === 'aws') {
    const required: [string, string][] = [
      ['JWT_SECRET', ''],
      ['IVS_EVENTS_API_KEY', ''],
      ['DATABASE_URL', ''],
      ['PUBLIC_URL', ''],
      ['RECORDINGS_BASE_URL', ' (the CDN or S3 URL of your recording bucket)'],
      ['MULTISTREAM_KEY', ' (32 random bytes in base64: openssl rand -base64 32; it encrypts the stored multistream keys)'],
    ];
    for (const [name, hint] of required) if (!env[name]) problems.push(`${name}: required when MEDIA_PROVIDER=aws${hint}`);
  }
  // Secrets a standalone emulator shares with every replica cannot be generated per process.
  if (env.IVS_EMULATOR_URL && (env.MEDIA_PROVIDER ?? 'local') === 'local') {
    for (const name of ['IVS_EMULATOR_ACCESS_KEY_ID', 'IVS_EMULATOR_SECRET_ACCESS_KEY', 'IVS_EVENTS_API_KEY', 'MULTISTREAM_KEY'])
      if (!env[name]) problems.push(`${name}: required with IVS_EMULATOR_URL (the emulator and every replica must share it)`);
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY ?? '');
  if ('error' in trustProxy) problems.push(`TRUST_PROXY=${JSON.stringify(env.TRUST_PROXY)}: ${trustProxy.error}`);
  const rateLimits = parseLimitOverrides(env.RATE_LIMITS ?? '');
  if ('errors' in rateLimits) problems.push(...rateLimits.errors.map((err) => `RATE_LIMITS: ${err}`));
  const ivsApiRates = parseIvsRates(env.IVS_API_RATES ?? '');
  if ('errors' in ivsApiRates) problems.push(...ivsApiRates.errors.map((err) => `IVS_API_RATES: ${err}`));
  const emulatorLimits = parseEmulatorLimits(env.IVS_EMULATOR_LIMITS ?? '');
  if ('errors' in emulatorLimits) problems.push(...emulatorLimits.errors.map((err) => `IVS_EMULATOR_LIMITS: ${err}`));
  problems.push(...emulatorCredentialProblems(env));
  const multistreamKey = env.MULTISTREAM_KEY ? decodeMultistreamKey(env.MULTISTREAM_KEY) : undefined;
  if (multistreamKey === null)
    problems.push('MULTISTREAM_KEY: must be 32 bytes in base64 (openssl rand -base64 32); the value is not shown');
  if (problems.length || !parsed.success || 'error' in trustProxy || 'errors' in rateLimits || 'errors' in ivsApiRates)
    throw new ConfigError(problems);
  const e = parsed.data;

  const dataDir = resolve(e.DATA_DIR);
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const ivsEmulator =
    e.MEDIA_PROVIDER === 'local' && e.IVS_EMULATOR_URL
      ? { url: trimSlashes(e.IVS_EMULATOR_URL), publicUrl: trimSlashes(e.IVS_EMULATOR_PUBLIC_URL ?? e.IVS_EMULATOR_URL) }
      : undefined;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    redisUrl: e.REDIS_URL,
    mediaProvider: e.MEDIA_PROVIDER,
    awsRegion: e.AWS_REGION,
    awsAccountId: '123456789012',
    ivsRecordingConfigurationArn: e.IVS_RECORDING_CONFIGURATION_ARN,
    ivsStorageConfigurationArn:
      e.IVS_STORAGE_CONFIGURATION_ARN ??
      (e.MEDIA_PROVIDER === 'local'
        ? `arn:aws:ivs:${e.AWS_REGION}:123456789012:storage-configuration/${LOCAL_PARTICIPANT_STORAGE.id}`
        : undefined),
    ivsChannelType: e.IVS_CHANNEL_TYPE,
    ivsEventsApiKey: e.IVS_EVENTS_API_KEY ?? persistentSecret(dataDir, 'ivs-events-api-key'),
    ivsReconcileIntervalSeconds: e.IVS_RECONCILE_INTERVAL_SECONDS,
    ivsApiRates,
    stageIdleMinutes: e.STAGE_IDLE_MINUTES,
    broadcastStartTimeoutSeconds: e.BROADCAST_START_TIMEOUT_SECONDS,
    failoverHostGoneSeconds: e.FAILOVER_HOST_GONE_SECONDS,
    ivsEmulatorCredentials: e.MEDIA_PROVIDER === 'local' ? emulatorCredentials(e, dataDir) : undefined,
    ivsEmulator,
    ivsEmulatorLimits: e.IVS_EMULATOR_LIMITS,
    // Local recordings are served by the emulator, wherever it runs.
    recordingsBaseUrl: trimSlashes(e.RECORDINGS_BASE_URL ?? `${ivsEmulator?.publicUrl ?? publicUrl}/_ivs/recordings`),
    jwtSecret: e.JWT_SECRET ?? persistentSecret(dataDir, 'jwt-secret'),
    multistreamKey:
      multistreamKey ?? decodeMultistreamKey(persistentSecret(dataDir, 'multistream-key', () => randomBytes(32).toString('base64')))!,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    ffmpegPath: e.FFMPEG_PATH,
    rtmpPort: e.RTMP_PORT,
    ingestReconnectGraceSeconds: e.INGEST_RECONNECT_GRACE_SECONDS,
    stageMaxSubscribers: e.STAGE_MAX_SUBSCRIBERS,
    trustProxy: trustProxy.trust,
    rateLimits,
    serveClient: e.SERVE_CLIENT,
    logLevel: e.LOG_LEVEL,
  };
}

/** 32 bytes from base64 (or base64url), or null for anything else. */
function decodeMultistreamKey(value: string): Buffer | null {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(v)) return null;
  const key = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
  return key.length === 32 ? key : null;
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The emulator's access key: both variables or neither. A bad secret is reported without printing it. */
export function emulatorCredentialProblems(env: NodeJS.ProcessEnv): string[] {
  const id = env.IVS_EMULATOR_ACCESS_KEY_ID;
  const secret = env.IVS_EMULATOR_SECRET_ACCESS_KEY;
  const problems: string[] = [];
  if ((id === undefined) !== (secret === undefined))
    problems.push('IVS_EMULATOR_ACCESS_KEY_ID and IVS_EMULATOR_SECRET_ACCESS_KEY: set both or neither');
  if (id !== undefined && !/^\w{16,128}$/.test(id))
    problems.push(`IVS_EMULATOR_ACCESS_KEY_ID=${JSON.stringify(id)}: must be 16-128 letters, digits or underscores`);
  if (secret !== undefined && !/^\S{16,128}$/.test(secret))
    problems.push('IVS_EMULATOR_SECRET_ACCESS_KEY: must be 16-128 characters without spaces (value not shown)');
  return problems;
}

/** Given, or generated once into DATA_DIR/secrets (checked by emulatorCredentialProblems first). */
function emulatorCredentials(e: Env, dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId:
      e.IVS_EMULATOR_ACCESS_KEY_ID ??
      persistentSecret(dataDir, 'ivs-emulator-access-key-id', () => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`),
    secretAccessKey: e.IVS_EMULATOR_SECRET_ACCESS_KEY ?? persistentSecret(dataDir, 'ivs-emulator-secret-access-key'),
  };
}

export function persistentSecret(dataDir: string, name: string, generate = () => randomBytes(32).toString('base64url')): string {
  const dir = join(dataDir, 'secrets');
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  // DATA_DIR itself stays traversable (embedded PostgreSQL runs as another user under root).
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = generate();
  // 'wx' so two processes starting together cannot overwrite each other's secret.
  try {
    writeFileSync(file, value, { mode: 0o600, flag: 'wx' });
    return value;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}

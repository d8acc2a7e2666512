/**
 * What Amazon IVS allows an account, in one table: resource quotas and the call rate of every
 * operation the emulator implements. Defaults are AWS's; `IVS_EMULATOR_LIMITS` (the server) or
 * `IvsEmulatorModule.forRoot({limits})` overrides any entry, e.g. `stages=3,CreateParticipantToken=10/s`.
 *
 * Sources (read 2026-12):
 * - Real-time quotas: https://docs.aws.amazon.com/ivs/latest/RealTimeUserGuide/service-quotas.html
 *   "API Call Rate Quotas" (CreateParticipantToken 50 TPS, every other Stage operation 5 TPS) and
 *   "Other Quotas" (Stages 100 per AWS Region, adjustable; Stage participants (publishers) 12, not
 *   adjustable; Stage participants (subscribers) 10,000, adjustable — the media option
 *   `maxSubscribers`; Compositions 5; EncoderConfigurations 20). Composition, MediaEncoder and
 *   StorageConfiguration operations are 5 TPS each (same page, read 2026-12); no quota on storage
 *   configurations appears in the page's excerpts we could retrieve, so none is enforced.
 * - Low-latency quotas: https://docs.aws.amazon.com/ivs/latest/LowLatencyUserGuide/service-quotas.html
 *   "API Call Rate Quotas" (Channel, Stream and Stream key operations 5 TPS each; PutMetadata 5 TPS
 *   per channel). Channels per region: 5,000 (adjustable) and stream keys per channel: 1 (not
 *   adjustable) are the page's "Other Quotas" rows as we know them; the excerpts we could retrieve
 *   stop before that table, so check the page before relying on those two numbers.
 * AWS's rate quotas are not adjustable; the emulator lets tests change them anyway.
 */
export const IVS_QUOTAS = {
  /** CreateStage beyond it: ServiceQuotaExceededException. */
  stages: { max: 100, what: 'stages per account in a region' },
  /** CreateChannel beyond it: ServiceQuotaExceededException. */
  channels: { max: 5000, what: 'channels per account in a region' },
  /** CreateStreamKey beyond it (rotation is delete + create): ServiceQuotaExceededException. */
  streamKeysPerChannel: { max: 1, what: 'stream keys per channel' },
  /** Publishing beyond it is refused by the stage SFU with STAGE_AT_CAPACITY. */
  publishersPerStage: { max: 12, what: 'publishers per stage' },
  /** StartComposition beyond it (compositions not yet STOPPED or FAILED): ServiceQuotaExceededException. */
  compositions: { max: 5, what: 'concurrent compositions per account in a region' },
  /** CreateEncoderConfiguration beyond it: ServiceQuotaExceededException. */
  encoderConfigurations: { max: 20, what: 'encoder configurations per account in a region' },
} as const satisfies Record<string, { max: number; what: string }>;

export type QuotaName = keyof typeof IVS_QUOTAS;

/** Calls per second of each implemented operation, per account (AWS: per account and region). */
export const IVS_OPERATION_RATES = {
  // Real-time (ivs-realtime) "Stage" operations.
  CreateParticipantToken: { api: 'realtime', tps: 50 },
  CreateStage: { api: 'realtime', tps: 5 },
  DeleteStage: { api: 'realtime', tps: 5 },
  DisconnectParticipant: { api: 'realtime', tps: 5 },
  GetStage: { api: 'realtime', tps: 5 },
  ListParticipants: { api: 'realtime', tps: 5 },
  ListStages: { api: 'realtime', tps: 5 },
  UpdateStage: { api: 'realtime', tps: 5 },
  // Real-time "Composition", "MediaEncoder" and "StorageConfiguration" operations.
  StartComposition: { api: 'realtime', tps: 5 },
  StopComposition: { api: 'realtime', tps: 5 },
  GetComposition: { api: 'realtime', tps: 5 },
  ListCompositions: { api: 'realtime', tps: 5 },
  CreateEncoderConfiguration: { api: 'realtime', tps: 5 },
  DeleteEncoderConfiguration: { api: 'realtime', tps: 5 },
  GetEncoderConfiguration: { api: 'realtime', tps: 5 },
  ListEncoderConfigurations: { api: 'realtime', tps: 5 },
  CreateStorageConfiguration: { api: 'realtime', tps: 5 },
  DeleteStorageConfiguration: { api: 'realtime', tps: 5 },
  GetStorageConfiguration: { api: 'realtime', tps: 5 },
  ListStorageConfigurations: { api: 'realtime', tps: 5 },
  // Low-latency (ivs) "Channel", "Stream key" and "Stream" operations.
  CreateChannel: { api: 'channels', tps: 5 },
  DeleteChannel: { api: 'channels', tps: 5 },
  GetChannel: { api: 'channels', tps: 5 },
  ListChannels: { api: 'channels', tps: 5 },
  CreateStreamKey: { api: 'channels', tps: 5 },
  DeleteStreamKey: { api: 'channels', tps: 5 },
  GetStreamKey: { api: 'channels', tps: 5 },
  ListStreamKeys: { api: 'channels', tps: 5 },
  GetStream: { api: 'channels', tps: 5 },
  GetStreamSession: { api: 'channels', tps: 5 },
  ListStreamSessions: { api: 'channels', tps: 5 },
  StopStream: { api: 'channels', tps: 5 },
} as const satisfies Record<string, { api: IvsApi; tps: number }>;

/** The two control planes, as mounted: `/_ivs/channels/<Operation>` and `/_ivs/realtime/<Operation>`. */
export type IvsApi = 'channels' | 'realtime';

export type IvsOperationName = keyof typeof IVS_OPERATION_RATES;

/** `points` calls per `windowMs`; a burst of `points` is allowed from idle (a token bucket). */
export interface RatePolicy {
  points: number;
  windowMs: number;
}

export interface EmulatorLimits {
  quotas: Record<QuotaName, number>;
  rates: Record<IvsOperationName, RatePolicy>;
  /**
   * The account awaits AWS's verification: operations whose SDK model lists PendingVerification
   * answer it (403). Off unless asked for (`pendingVerification=true`).
   */
  pendingVerification: boolean;
}

export const DEFAULT_EMULATOR_LIMITS: EmulatorLimits = {
  quotas: Object.fromEntries(Object.entries(IVS_QUOTAS).map(([k, v]) => [k, v.max])) as Record<QuotaName, number>,
  rates: Object.fromEntries(Object.entries(IVS_OPERATION_RATES).map(([k, op]) => [k, { points: op.tps, windowMs: 1000 }])) as Record<
    IvsOperationName,
    RatePolicy
  >,
  pendingVerification: false,
};

/** Quotas that cannot go below 1: a channel is created with its key, a stage needs a publisher. */
const AT_LEAST_ONE: ReadonlySet<QuotaName> = new Set(['streamKeysPerChannel', 'publishersPerStage']);

const isQuota = (name: string): name is QuotaName => Object.hasOwn(IVS_QUOTAS, name);
export const isIvsOperation = (name: string): name is IvsOperationName => Object.hasOwn(IVS_OPERATION_RATES, name);

/**
 * Parses overrides: `quota=N` (e.g. `stages=3`), `Operation=N/window` (window `s`, `m`, `h`,
 * optionally with a count: `5/s`, `1/10s`, `30/m`) and `pendingVerification=true|false`, comma
 * separated. Returns every bad entry at once, naming the known names for an unknown one.
 */
export function parseEmulatorLimits(value: string, base: EmulatorLimits = DEFAULT_EMULATOR_LIMITS): EmulatorLimits | { errors: string[] } {
  const limits: EmulatorLimits = { quotas: { ...base.quotas }, rates: { ...base.rates }, pendingVerification: base.pendingVerification };
  const errors: string[] = [];
  for (const part of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(part);
    if (!m) {
      errors.push(`"${part}" is not name=value`);
      continue;
    }
    const [, name, raw] = m as unknown as [string, string, string];
    if (name === 'pendingVerification') {
      if (raw === 'true' || raw === 'false') limits.pendingVerification = raw === 'true';
      else errors.push(`"${part}": pendingVerification is true or false`);
    } else if (isQuota(name)) {
      if (!/^\d{1,9}$/.test(raw)) errors.push(`"${part}": ${name} is a quota, give a whole number (e.g. ${name}=${IVS_QUOTAS[name].max})`);
      else if (AT_LEAST_ONE.has(name) && Number(raw) < 1) errors.push(`"${part}": ${name} must be at least 1`);
      else limits.quotas[name] = Number(raw);
    } else if (isIvsOperation(name)) {
      const rate = /^(\d{1,6})\/(\d{1,5})?([smh])$/.exec(raw);
      const points = Number(rate?.[1]);
      const windowMs = Number(rate?.[2] ?? 1) * { s: 1000, m: 60_000, h: 3_600_000 }[(rate?.[3] ?? 's') as 's' | 'm' | 'h'];
      if (!rate) errors.push(`"${part}": ${name} takes a rate like ${name}=${IVS_OPERATION_RATES[name].tps}/s (or 1/10s, 30/m)`);
      else if (points < 1 || windowMs < 1) errors.push(`"${part}": calls and window must be at least 1`);
      else limits.rates[name] = { points, windowMs };
    } else {
      errors.push(
        `"${name}" is neither a quota (${Object.keys(IVS_QUOTAS).join(', ')}), an operation (${Object.keys(IVS_OPERATION_RATES).join(', ')}) nor pendingVerification`,
      );
    }
  }
  return errors.length ? { errors } : limits;
}

/** "5 per second", "1 per 10 seconds", "30 per minute": for refusal messages and docs. */
export function describeRate(rate: RatePolicy): string {
  const units: [number, string][] = [
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [ms, unit] of units) {
    if (rate.windowMs % ms === 0) {
      const n = rate.windowMs / ms;
      return `${rate.points} per ${n === 1 ? unit : `${n} ${unit}s`}`;
    }
  }
  return `${rate.points} per ${rate.windowMs} ms`;
}

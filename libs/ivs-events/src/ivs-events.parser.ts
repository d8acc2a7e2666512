import { z } from 'zod';
import {
  COMPOSITION_NAMES,
  type CompositionName,
  DETAIL_TYPES,
  IVS_EVENT_LIMITS,
  type IvsEnvelope,
  type IvsResourceType,
  RECORDING_STATUSES,
  type RecordingStatus,
  STAGE_UPDATE_NAMES,
  STREAM_HEALTH_NAMES,
  STREAM_STATE_NAMES,
  type StageUpdateName,
  type StreamHealthName,
  type StreamStateName,
  compositionDetailSchema,
  ivsEnvelopeSchema,
  PARTICIPANT_RECORDING_NAMES,
  type ParticipantRecordingName,
  participantRecordingDetailSchema,
  limitBreachDetailSchema,
  parseIvsArn,
  recordingDetailSchema,
  stageUpdateDetailSchema,
  streamHealthDetailSchema,
  streamStateDetailSchema,
} from './ivs-events.schema';

/** Which field was wrong and why; `path` is dotted (`detail.stream_id`, `resources.0`), '' for the whole input. */
export interface IvsEventError {
  path: string;
  message: string;
}

interface IvsEventBase {
  /** EventBridge envelope id: the idempotency key (redeliveries reuse it). */
  id: string;
  time: Date;
  account: string;
  region: string;
  detailType: string;
  /** The envelope exactly as received, for the ledger. */
  raw: IvsEnvelope;
}

export interface StreamStateEvent extends IvsEventBase {
  kind: 'stream-state';
  name: StreamStateName;
  channelArn: string;
  channelName: string;
  streamId: string;
  /** Present on Stream Failure / Session Ended for some failures. */
  code: string | null;
  reason: string | null;
}

export interface RecordingEvent extends IvsEventBase {
  kind: 'recording';
  name: RecordingStatus;
  channelArn: string;
  channelName: string;
  streamId: string;
  reason: string | null;
  s3BucketName: string | null;
  s3KeyPrefix: string | null;
  durationMs: number | null;
  recordingSessionId: string | null;
  recordingSessionStreamIds: string[];
}

export interface StreamHealthEvent extends IvsEventBase {
  kind: 'stream-health';
  name: StreamHealthName;
  channelArn: string;
  channelName: string;
  streamId: string;
}

export interface LimitBreachEvent extends IvsEventBase {
  kind: 'limit-breach';
  /** Usually a channel ARN. */
  resourceArn: string;
  limitName: string;
  limitValue: number;
  exceededBy: number;
  limitUnit: string | null;
}

export interface StageUpdateEvent extends IvsEventBase {
  kind: 'stage-update';
  name: StageUpdateName;
  stageArn: string;
  sessionId: string;
  participantId: string;
  userId: string | null;
  /** When it happened on the stage, if AWS says; `time` is when the event was emitted. */
  eventTime: Date | null;
  errorCode: string | null;
}

export interface CompositionEvent extends IvsEventBase {
  kind: 'composition';
  name: CompositionName;
  compositionArn: string;
  stageArn: string;
}

export interface ParticipantRecordingEvent extends IvsEventBase {
  kind: 'participant-recording';
  name: ParticipantRecordingName;
  stageArn: string;
  sessionId: string;
  participantId: string;
  s3BucketName: string | null;
  /** `<stage id>/<stage session id>/<participant id>/<recording id>`: one recording, the key the server keeps it by. */
  s3KeyPrefix: string | null;
  reason: string | null;
}

/** A well-formed envelope we do not act on; the pipeline records it as ignored. */
export interface UnhandledEvent extends IvsEventBase {
  kind: 'unhandled';
  name: string | null;
  resources: string[];
}

export type IvsEvent =
  | StreamStateEvent
  | RecordingEvent
  | StreamHealthEvent
  | LimitBreachEvent
  | StageUpdateEvent
  | CompositionEvent
  | ParticipantRecordingEvent
  | UnhandledEvent;

export type IvsEventKind = IvsEvent['kind'];

export type ParseResult = { ok: true; event: IvsEvent } | { ok: false; errors: IvsEventError[] };

export type BatchParseResult = { ok: true; results: ParseResult[] } | { ok: false; errors: IvsEventError[] };

type Envelope = z.infer<typeof ivsEnvelopeSchema>;
type Step<T> = { ok: true; value: T } | { ok: false; errors: IvsEventError[] };

// "required" reads better to an operator than zod's "expected string, received undefined".
const parseOptions = {
  error: (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined,
};

function toErrors(issues: readonly z.core.$ZodIssue[], prefix: string[] = []): IvsEventError[] {
  return issues.map((issue) => ({
    path: [...prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function check<T>(schema: z.ZodType<T>, input: unknown, prefix: string[] = []): Step<T> {
  const result = schema.safeParse(input, parseOptions);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: toErrors(result.error.issues, prefix) };
}

/** Reads the field that names the event inside `detail`; it must be a string even when we do not handle it. */
function readName(env: Envelope, key: string): Step<string> {
  const value = env.detail[key];
  if (value === undefined) return { ok: false, errors: [{ path: `detail.${key}`, message: 'required' }] };
  if (typeof value !== 'string')
    return { ok: false, errors: [{ path: `detail.${key}`, message: `expected string, received ${describe(value)}` }] };
  if (value.length > IVS_EVENT_LIMITS.name) {
    return { ok: false, errors: [{ path: `detail.${key}`, message: `too long (max ${IVS_EVENT_LIMITS.name} characters)` }] };
  }
  return { ok: true, value };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** resources[0] must be the kind of resource the detail-type is about (a channel event naming a stage is corrupt). */
function primaryResource(env: Envelope, expected: IvsResourceType): Step<string> {
  const arn = env.resources[0];
  if (arn === undefined || parseIvsArn(arn)?.resourceType !== expected) {
    return { ok: false, errors: [{ path: 'resources.0', message: `expected a ${expected} ARN` }] };
  }
  return { ok: true, value: arn };
}

function baseOf(env: Envelope, raw: unknown): IvsEventBase {
  return {
    id: env.id,
    time: new Date(env.time),
    account: env.account,
    region: env.region,
    detailType: env['detail-type'],
    raw: raw as IvsEnvelope,
  };
}

function unhandled(env: Envelope, raw: unknown, name: string | null): ParseResult {
  return { ok: true, event: { kind: 'unhandled', ...baseOf(env, raw), name, resources: [...env.resources] } };
}

const orNull = <T>(v: T | null | undefined): T | null => (v === undefined || v === null ? null : v);
const nonEmptyOrNull = (v: string | null | undefined): string | null => (v ? v : null);

function failed(...steps: Step<unknown>[]): IvsEventError[] | null {
  const errors = steps.flatMap((s) => (s.ok ? [] : s.errors));
  return errors.length ? errors : null;
}

/**
 * How each detail-type we act on is read: which detail field names the event (unknown names
 * are recorded as unhandled, never rejected), the detail schema, which resource `resources[0]`
 * must be, and how the checked detail becomes our event. One generic reader applies them.
 */
interface DetailRule<S extends z.ZodType, E extends IvsEvent> {
  nameField: string | null;
  names: readonly string[];
  schema: S;
  /** null: any ARN (limit breaches name whatever resource breached). */
  resource: IvsResourceType | null;
  build(detail: z.output<S>, resourceArn: string): Omit<E, keyof IvsEventBase>;
}

type AnyRule = DetailRule<z.ZodType, IvsEvent>;
// Checks each rule's build against its own schema and event type, then files it under the common shape.
const rule = <S extends z.ZodType, E extends IvsEvent>(r: DetailRule<S, E>): AnyRule => r as unknown as AnyRule;

const RULES: Readonly<Record<string, AnyRule>> = {
  [DETAIL_TYPES.streamState]: rule<typeof streamStateDetailSchema, StreamStateEvent>({
    nameField: 'event_name',
    names: STREAM_STATE_NAMES,
    schema: streamStateDetailSchema,
    resource: 'channel',
    build: (d, channelArn) => ({
      kind: 'stream-state',
      name: d.event_name,
      channelArn,
      channelName: d.channel_name,
      streamId: d.stream_id,
      code: nonEmptyOrNull(d.code),
      reason: nonEmptyOrNull(d.reason),
    }),
  }),
  [DETAIL_TYPES.recording]: rule<typeof recordingDetailSchema, RecordingEvent>({
    nameField: 'recording_status',
    names: RECORDING_STATUSES,
    schema: recordingDetailSchema,
    resource: 'channel',
    build: (d, channelArn) => ({
      kind: 'recording',
      name: d.recording_status,
      channelArn,
      channelName: d.channel_name,
      streamId: d.stream_id,
      reason: nonEmptyOrNull(d.recording_status_reason),
      s3BucketName: nonEmptyOrNull(d.recording_s3_bucket_name),
      s3KeyPrefix: nonEmptyOrNull(d.recording_s3_key_prefix),
      durationMs: orNull(d.recording_duration_ms),
      recordingSessionId: nonEmptyOrNull(d.recording_session_id),
      recordingSessionStreamIds: [...(d.recording_session_stream_ids ?? [])],
    }),
  }),
  [DETAIL_TYPES.streamHealth]: rule<typeof streamHealthDetailSchema, StreamHealthEvent>({
    nameField: 'event_name',
    names: STREAM_HEALTH_NAMES,
    schema: streamHealthDetailSchema,
    resource: 'channel',
    build: (d, channelArn) => ({
      kind: 'stream-health',
      name: d.event_name,
      channelArn,
      channelName: d.channel_name,
      streamId: d.stream_id,
    }),
  }),
  [DETAIL_TYPES.limitBreach]: rule<typeof limitBreachDetailSchema, LimitBreachEvent>({
    nameField: null,
    names: [],
    schema: limitBreachDetailSchema,
    resource: null,
    build: (d, resourceArn) => ({
      kind: 'limit-breach',
      resourceArn,
      // Both are checked non-empty by the schema; limit_name wins when AWS sends both.
      limitName: (d.limit_name ?? d.limit) as string,
      limitValue: d.limit_value,
      exceededBy: d.exceeded_by,
      limitUnit: nonEmptyOrNull(d.limit_unit),
    }),
  }),
  [DETAIL_TYPES.stageUpdate]: rule<typeof stageUpdateDetailSchema, StageUpdateEvent>({
    nameField: 'event_name',
    names: STAGE_UPDATE_NAMES,
    schema: stageUpdateDetailSchema,
    resource: 'stage',
    build: (d, stageArn) => ({
      kind: 'stage-update',
      name: d.event_name,
      stageArn,
      sessionId: d.session_id,
      participantId: d.participant_id,
      userId: nonEmptyOrNull(d.user_id),
      eventTime: d.event_time ? new Date(d.event_time) : null,
      errorCode: nonEmptyOrNull(d.error_code),
    }),
  }),
  [DETAIL_TYPES.composition]: rule<typeof compositionDetailSchema, CompositionEvent>({
    nameField: 'event_name',
    names: COMPOSITION_NAMES,
    schema: compositionDetailSchema,
    resource: 'composition',
    build: (d, compositionArn) => ({ kind: 'composition', name: d.event_name, compositionArn, stageArn: d.stage_arn }),
  }),
  [DETAIL_TYPES.participantRecording]: rule<typeof participantRecordingDetailSchema, ParticipantRecordingEvent>({
    nameField: 'event_name',
    names: PARTICIPANT_RECORDING_NAMES,
    schema: participantRecordingDetailSchema,
    resource: 'stage',
    build: (d, stageArn) => ({
      kind: 'participant-recording',
      name: d.event_name,
      stageArn,
      sessionId: d.session_id,
      participantId: d.participant_id,
      s3BucketName: nonEmptyOrNull(d.recording_s3_bucket_name),
      s3KeyPrefix: nonEmptyOrNull(d.recording_s3_key_prefix),
      reason: nonEmptyOrNull(d.recording_status_reason) ?? nonEmptyOrNull(d.error_message),
    }),
  }),
};

function parseEnvelope(env: Envelope, raw: unknown): ParseResult {
  const r = RULES[env['detail-type']];
  if (!r) {
    const name = env.detail.event_name;
    return unhandled(env, raw, typeof name === 'string' ? name.slice(0, IVS_EVENT_LIMITS.name) : null);
  }
  if (r.nameField) {
    const name = readName(env, r.nameField);
    if (!name.ok) return name;
    if (!r.names.includes(name.value)) return unhandled(env, raw, name.value);
  }
  const detail = check(r.schema, env.detail, ['detail']);
  // The envelope schema requires at least one resource.
  const resource: Step<string> = r.resource ? primaryResource(env, r.resource) : { ok: true, value: env.resources[0] as string };
  const errors = failed(detail, resource);
  if (errors || !detail.ok || !resource.ok) return { ok: false, errors: errors ?? [] };
  return { ok: true, event: { ...baseOf(env, raw), ...r.build(detail.value, resource.value) } as IvsEvent };
}

/** Deeper than any IVS event (detail objects are 2–3 levels); the walk below stops there. */
const MAX_DEPTH = 32;

/**
 * The first place in `value` that PostgreSQL could not store: a NUL character in a string or a
 * key (neither `text` nor `jsonb` holds U+0000), or nesting deeper than MAX_DEPTH. The ledger
 * keeps the whole envelope, extra fields included, so a NUL anywhere would fail the insert
 * with a 500 (and EventBridge would retry it forever) instead of a 400 naming the field.
 */
function unstorable(value: unknown, path: string[] = []): IvsEventError | null {
  if (typeof value === 'string')
    return value.includes('\u0000') ? { path: path.join('.'), message: 'must not contain NUL characters' } : null;
  if (typeof value !== 'object' || value === null) return null;
  if (path.length >= MAX_DEPTH) return { path: path.join('.'), message: `nested too deeply (max ${MAX_DEPTH} levels)` };
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000'))
      return { path: [...path, key.split('\u0000').join('\\0')].join('.'), message: 'names must not contain NUL characters' };
    const found = unstorable(inner, [...path, key]);
    if (found) return found;
  }
  return null;
}

/**
 * Validates one EventBridge delivery and normalises it for consumers. Never throws: any
 * input, however odd, yields either an event or a list of `{path, message}` errors.
 */
export function parseIvsEvent(input: unknown): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: `expected an event object, received ${describe(input)}` }] };
  }
  try {
    const envelope = check(ivsEnvelopeSchema, input);
    if (!envelope.ok) return envelope;
    const bad = unstorable(input);
    if (bad) return { ok: false, errors: [bad] };
    return parseEnvelope(envelope.value, input);
  } catch {
    // Only reachable with hostile objects (throwing getters, revoked proxies).
    return { ok: false, errors: [{ path: '', message: 'unreadable input' }] };
  }
}

/**
 * One event or an array of 1–100 events. Items are judged independently so one bad event
 * does not cost the good ones; only a wrongly sized array is rejected as a whole.
 */
export function parseIvsEventBatch(input: unknown): BatchParseResult {
  if (!Array.isArray(input)) return { ok: true, results: [parseIvsEvent(input)] };
  if (input.length === 0) return { ok: false, errors: [{ path: '', message: 'expected at least 1 event' }] };
  if (input.length > IVS_EVENT_LIMITS.batch) {
    return { ok: false, errors: [{ path: '', message: `expected at most ${IVS_EVENT_LIMITS.batch} events, received ${input.length}` }] };
  }
  return { ok: true, results: input.map((item) => parseIvsEvent(item)) };
}

/** `detail.stream_id: required; time: expected an RFC 3339 timestamp` — for logs and error sentences. */
export function formatIvsEventErrors(errors: readonly IvsEventError[]): string {
  return errors.map((e) => `${e.path || 'event'}: ${e.message}`).join('; ');
}

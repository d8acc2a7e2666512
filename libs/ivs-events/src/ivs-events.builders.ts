import {
  type CompositionName,
  type ParticipantRecordingName,
  DETAIL_TYPES,
  IVS_EVENT_SOURCE,
  type IvsEnvelope,
  type RecordingStatus,
  type StageUpdateName,
  type StreamHealthName,
  type StreamStateName,
  parseIvsArn,
} from './ivs-events.schema';

/**
 * Envelope builders for the local IVS emulator, so local events have exactly the shape
 * AWS delivers and go through the same parser and handlers as production ones.
 */

interface EnvelopeInput {
  /** When the event happened. */
  time: Date;
  /** Defaults to a random UUID, as EventBridge assigns. */
  id?: string;
  /** Default: taken from the resource ARN. */
  account?: string;
  /** Default: taken from the resource ARN. */
  region?: string;
}

/** RFC 3339 as AWS writes it (`2026-11-20T18:05:00Z`), keeping milliseconds only when there are some. */
export function formatIvsTime(time: Date): string {
  return time.toISOString().replace('.000Z', 'Z');
}

function envelope<T extends Record<string, unknown>>(
  detailType: string,
  resourceArn: string,
  input: EnvelopeInput,
  detail: T,
): IvsEnvelope<T> {
  const arn = parseIvsArn(resourceArn);
  const account = input.account ?? arn?.account;
  const region = input.region ?? arn?.region;
  if (!account || !region) throw new Error(`cannot derive account/region from ${resourceArn}; pass them explicitly`);
  return {
    version: '0',
    id: input.id ?? globalThis.crypto.randomUUID(),
    'detail-type': detailType,
    source: IVS_EVENT_SOURCE,
    account,
    time: formatIvsTime(input.time),
    region,
    resources: [resourceArn],
    detail,
  };
}

export interface StreamStateEventInput extends EnvelopeInput {
  name: StreamStateName;
  channelArn: string;
  channelName: string;
  streamId: string;
  code?: string;
  reason?: string;
}

export function buildStreamStateEvent(input: StreamStateEventInput) {
  return envelope(DETAIL_TYPES.streamState, input.channelArn, input, {
    event_name: input.name,
    channel_name: input.channelName,
    stream_id: input.streamId,
    ...(input.code !== undefined ? { code: input.code } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
  });
}

export interface RecordingEventInput extends EnvelopeInput {
  status: RecordingStatus;
  channelArn: string;
  channelName: string;
  streamId: string;
  s3BucketName: string;
  s3KeyPrefix: string;
  /** Only sent with Recording End. */
  durationMs?: number;
  recordingSessionId?: string;
  /** Default: `[streamId]` when a recording session id is given. */
  recordingSessionStreamIds?: string[];
  reason?: string;
}

export function buildRecordingEvent(input: RecordingEventInput) {
  const sessionStreamIds = input.recordingSessionStreamIds ?? (input.recordingSessionId ? [input.streamId] : undefined);
  return envelope(DETAIL_TYPES.recording, input.channelArn, input, {
    recording_status: input.status,
    recording_status_reason: input.reason ?? '',
    recording_s3_bucket_name: input.s3BucketName,
    recording_s3_key_prefix: input.s3KeyPrefix,
    ...(input.durationMs !== undefined ? { recording_duration_ms: input.durationMs } : {}),
    channel_name: input.channelName,
    stream_id: input.streamId,
    ...(input.recordingSessionId !== undefined ? { recording_session_id: input.recordingSessionId } : {}),
    ...(sessionStreamIds !== undefined ? { recording_session_stream_ids: sessionStreamIds } : {}),
  });
}

export interface StreamHealthEventInput extends EnvelopeInput {
  name: StreamHealthName;
  channelArn: string;
  channelName: string;
  streamId: string;
}

export function buildStreamHealthEvent(input: StreamHealthEventInput) {
  return envelope(DETAIL_TYPES.streamHealth, input.channelArn, input, {
    event_name: input.name,
    channel_name: input.channelName,
    stream_id: input.streamId,
  });
}

export interface LimitBreachEventInput extends EnvelopeInput {
  resourceArn: string;
  limitName: string;
  limitValue: number;
  exceededBy: number;
  limitUnit: string;
}

export function buildLimitBreachEvent(input: LimitBreachEventInput) {
  return envelope(DETAIL_TYPES.limitBreach, input.resourceArn, input, {
    limit_name: input.limitName,
    limit_value: input.limitValue,
    exceeded_by: input.exceededBy,
    limit_unit: input.limitUnit,
  });
}

export interface StageUpdateEventInput extends EnvelopeInput {
  name: StageUpdateName;
  stageArn: string;
  sessionId: string;
  participantId: string;
  userId?: string;
  errorCode?: string;
  eventTime?: Date;
}

export function buildStageUpdateEvent(input: StageUpdateEventInput) {
  return envelope(DETAIL_TYPES.stageUpdate, input.stageArn, input, {
    session_id: input.sessionId,
    event_name: input.name,
    user_id: input.userId ?? '',
    participant_id: input.participantId,
    ...(input.eventTime !== undefined ? { event_time: formatIvsTime(input.eventTime) } : {}),
    ...(input.errorCode !== undefined ? { error_code: input.errorCode } : {}),
  });
}

export interface CompositionEventInput extends EnvelopeInput {
  name: CompositionName;
  compositionArn: string;
  stageArn: string;
}

export function buildCompositionEvent(input: CompositionEventInput) {
  return envelope(DETAIL_TYPES.composition, input.compositionArn, input, {
    stage_arn: input.stageArn,
    event_name: input.name,
  });
}

export interface ParticipantRecordingEventInput extends EnvelopeInput {
  name: ParticipantRecordingName;
  stageArn: string;
  sessionId: string;
  participantId: string;
  bucketName: string;
  keyPrefix: string;
  reason?: string;
}

export function buildParticipantRecordingEvent(input: ParticipantRecordingEventInput) {
  return envelope(DETAIL_TYPES.participantRecording, input.stageArn, input, {
    session_id: input.sessionId,
    event_name: input.name,
    participant_id: input.participantId,
    recording_s3_bucket_name: input.bucketName,
    recording_s3_key_prefix: input.keyPrefix,
    ...(input.reason !== undefined ? { recording_status_reason: input.reason } : {}),
  });
}

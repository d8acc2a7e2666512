import { z } from 'zod';

/**
 * Wire shapes of the Amazon IVS events EventBridge delivers (source `aws.ivs`).
 * Details are loose objects: AWS adds fields over time, and an unknown field must never
 * make us reject (and so lose) an event. Known fields are typed and length-limited.
 */

export const IVS_EVENT_SOURCE = 'aws.ivs';

export const DETAIL_TYPES = {
  streamState: 'IVS Stream State Change',
  recording: 'IVS Recording State Change',
  streamHealth: 'IVS Stream Health Change',
  limitBreach: 'IVS Limit Breach',
  stageUpdate: 'IVS Stage Update',
  composition: 'IVS Composition State Change',
  participantRecording: 'IVS Participant Recording State Change',
} as const;

export const STREAM_STATE_NAMES = [
  'Session Created',
  'Session Ended',
  'Stream Start',
  'Stream End',
  'Stream Failure',
  'Stream Takeover',
  'Stream Takeover Failure',
] as const;
export type StreamStateName = (typeof STREAM_STATE_NAMES)[number];

export const RECORDING_STATUSES = ['Recording Start', 'Recording End', 'Recording Start Failure', 'Recording End Failure'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const STREAM_HEALTH_NAMES = ['Starvation Start', 'Starvation End'] as const;
export type StreamHealthName = (typeof STREAM_HEALTH_NAMES)[number];

export const STAGE_UPDATE_NAMES = [
  'Participant Published',
  'Participant Unpublished',
  'Participant Publish Error',
  'Participant Replication Started',
  'Participant Replication Stopped',
] as const;
export type StageUpdateName = (typeof STAGE_UPDATE_NAMES)[number];

export const COMPOSITION_NAMES = [
  'Session Start',
  'Session End',
  'Session Failure',
  'Destination Start',
  'Destination End',
  'Destination Failure',
  'Destination Reconnecting',
] as const;
export type CompositionName = (typeof COMPOSITION_NAMES)[number];

/** `IVS Participant Recording State Change`: the same four states as a channel recording, in `event_name`. */
export const PARTICIPANT_RECORDING_NAMES = RECORDING_STATUSES;
export type ParticipantRecordingName = RecordingStatus;

/** Length limits on every string we accept; a request body cannot smuggle megabytes through one field. */
export const IVS_EVENT_LIMITS = {
  id: 128,
  arn: 256,
  name: 128,
  text: 1024,
  resources: 20,
  sessionStreamIds: 1000,
  batch: 100,
} as const;

/** `arn:aws:ivs:<region>:<account>:<resource-type>/<id>` (any AWS partition). */
const IVS_ARN = /^arn:aws(?:-[a-z]+)*:ivs:([a-z0-9-]+):(\d{12}):([a-z-]+)\/([A-Za-z0-9_-]+)$/;

export type IvsResourceType = 'channel' | 'stage' | 'composition' | 'stream-key' | (string & {});

/** Splits an IVS ARN into its parts, or null when it is not one. */
export function parseIvsArn(arn: string): { region: string; account: string; resourceType: IvsResourceType; resourceId: string } | null {
  const m = IVS_ARN.exec(arn);
  if (!m) return null;
  const [, region = '', account = '', resourceType = '', resourceId = ''] = m;
  return { region, account, resourceType, resourceId };
}

const arn = z.string().max(IVS_EVENT_LIMITS.arn).regex(IVS_ARN, 'expected an IVS ARN');
const stageArn = arn.refine((v) => parseIvsArn(v)?.resourceType === 'stage', 'expected a stage ARN');
const idString = z.string().min(1).max(IVS_EVENT_LIMITS.id);
const nameString = z.string().max(IVS_EVENT_LIMITS.name);
const optionalText = (max: number) => z.string().max(max).nullish();
const rfc3339 = z.iso.datetime({ offset: true, error: 'expected an RFC 3339 timestamp' });

export const ivsEnvelopeSchema = z.object({
  version: z.literal('0'),
  id: idString.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'expected a uuid-like id'),
  'detail-type': z.string().min(1).max(IVS_EVENT_LIMITS.name),
  source: z.literal(IVS_EVENT_SOURCE),
  account: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  time: rfc3339,
  region: z
    .string()
    .max(32)
    .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'expected an AWS region'),
  resources: z.array(arn).min(1).max(IVS_EVENT_LIMITS.resources),
  detail: z.looseObject({}),
});

/** An EventBridge envelope as delivered (extra top-level fields such as `replay-name` may be present). */
export type IvsEnvelope<TDetail = Record<string, unknown>> = Omit<z.infer<typeof ivsEnvelopeSchema>, 'detail'> & {
  detail: TDetail;
};

const channelStreamFields = {
  channel_name: nameString,
  stream_id: idString,
};

export const streamStateDetailSchema = z.looseObject({
  event_name: z.enum(STREAM_STATE_NAMES),
  ...channelStreamFields,
  code: optionalText(IVS_EVENT_LIMITS.name),
  reason: optionalText(IVS_EVENT_LIMITS.text),
});
export type StreamStateDetail = z.infer<typeof streamStateDetailSchema>;

export const recordingDetailSchema = z.looseObject({
  recording_status: z.enum(RECORDING_STATUSES),
  ...channelStreamFields,
  recording_status_reason: optionalText(IVS_EVENT_LIMITS.text),
  recording_s3_bucket_name: optionalText(IVS_EVENT_LIMITS.name),
  recording_s3_key_prefix: optionalText(IVS_EVENT_LIMITS.text),
  // Documented for Recording End only; optional so a late or trimmed End still closes the recording.
  recording_duration_ms: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish(),
  recording_session_id: optionalText(IVS_EVENT_LIMITS.id),
  recording_session_stream_ids: z.array(idString).max(IVS_EVENT_LIMITS.sessionStreamIds).nullish(),
});
export type RecordingDetail = z.infer<typeof recordingDetailSchema>;

export const streamHealthDetailSchema = z.looseObject({
  event_name: z.enum(STREAM_HEALTH_NAMES),
  ...channelStreamFields,
});
export type StreamHealthDetail = z.infer<typeof streamHealthDetailSchema>;

/** AWS has used both `limit_name` and `limit`; the parser accepts either and reports `limitName`. */
export const limitBreachDetailSchema = z
  .looseObject({
    limit_name: z.string().min(1).max(IVS_EVENT_LIMITS.name).nullish(),
    limit: z.string().min(1).max(IVS_EVENT_LIMITS.name).nullish(),
    limit_value: z.number().finite(),
    exceeded_by: z.number().finite(),
    limit_unit: optionalText(IVS_EVENT_LIMITS.name),
  })
  .superRefine((d, ctx) => {
    if (d.limit_name == null && d.limit == null) {
      ctx.addIssue({ code: 'custom', path: ['limit_name'], message: 'required (or limit)' });
    }
  });
export type LimitBreachDetail = z.infer<typeof limitBreachDetailSchema>;

export const stageUpdateDetailSchema = z.looseObject({
  event_name: z.enum(STAGE_UPDATE_NAMES),
  session_id: idString,
  participant_id: idString,
  // Tokens may be minted without a userId, so the event may carry none.
  user_id: z.string().max(IVS_EVENT_LIMITS.id).nullish(),
  event_time: rfc3339.nullish(),
  error_code: optionalText(IVS_EVENT_LIMITS.name),
});
export type StageUpdateDetail = z.infer<typeof stageUpdateDetailSchema>;

export const compositionDetailSchema = z.looseObject({
  event_name: z.enum(COMPOSITION_NAMES),
  stage_arn: stageArn,
});
export type CompositionDetail = z.infer<typeof compositionDetailSchema>;

/** One publisher's individual recording on a stage (`resources[0]` is the stage). */
export const participantRecordingDetailSchema = z.looseObject({
  event_name: z.enum(PARTICIPANT_RECORDING_NAMES),
  session_id: idString,
  participant_id: idString,
  recording_s3_bucket_name: optionalText(IVS_EVENT_LIMITS.name),
  recording_s3_key_prefix: optionalText(IVS_EVENT_LIMITS.text),
  // Failures say why; AWS has not documented the field's name for participant recordings, so both are read.
  recording_status_reason: optionalText(IVS_EVENT_LIMITS.text),
  error_message: optionalText(IVS_EVENT_LIMITS.text),
});
export type ParticipantRecordingDetail = z.infer<typeof participantRecordingDetailSchema>;

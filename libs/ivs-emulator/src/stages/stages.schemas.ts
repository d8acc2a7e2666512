import { z } from 'zod';
import { arnOf, hlsConfiguration, maxResults, nextToken, resourceName, tags } from '../aws-protocol/ivs-common.schemas';

export const CAPABILITIES = ['PUBLISH', 'SUBSCRIBE'] as const;
export type ParticipantCapability = (typeof CAPABILITIES)[number];

/** IVS caps a token's attributes at 1 KB, counting the UTF-8 bytes of keys and values. */
export const MAX_ATTRIBUTES_BYTES = 1024;

const attributes = z.record(z.string(), z.string()).superRefine((attrs, ctx) => {
  const bytes = Object.entries(attrs).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (bytes > MAX_ATTRIBUTES_BYTES) {
    ctx.addIssue({ code: 'custom', message: `total size of keys and values is ${bytes} bytes, more than ${MAX_ATTRIBUTES_BYTES}` });
  }
});

/** The token fields shared by CreateParticipantToken and CreateStage's token configurations. */
const tokenFields = {
  // Minutes; IVS allows 1 minute to 14 days, default 12 hours.
  duration: z
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1 minute')
    .max(20160, 'must be at most 20160 minutes')
    .default(720),
  userId: z.string().max(128, 'must be at most 128 characters').optional(),
  attributes: attributes.optional(),
  capabilities: z
    .array(z.enum(CAPABILITIES, { error: 'must be PUBLISH or SUBSCRIBE' }))
    .max(2, 'must have at most 2 entries')
    .default([...CAPABILITIES]),
};

export const participantTokenConfiguration = z.object(tokenFields);
export type ParticipantTokenConfiguration = z.output<typeof participantTokenConfiguration>;

/**
 * `AutoParticipantRecordingConfiguration` as the IVS real-time API reference bounds it:
 * storageConfigurationArn required (`""` turns recording off), mediaTypes at most one of
 * AUDIO_VIDEO | AUDIO_ONLY | NONE, reconnect window 0–300 s, HLS segments 2–10 s.
 */
export const autoParticipantRecordingConfiguration = z.object({
  storageConfigurationArn: z
    .string({ error: 'is required' })
    .max(128, 'must be at most 128 characters')
    .regex(/^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:storage-configuration\/[a-zA-Z0-9-]+$/, 'must be a storage-configuration ARN or ""'),
  mediaTypes: z
    .array(z.enum(['AUDIO_VIDEO', 'AUDIO_ONLY', 'NONE'], { error: 'must be AUDIO_VIDEO, AUDIO_ONLY or NONE' }))
    .max(1, 'must have at most 1 entry')
    .optional(),
  thumbnailConfiguration: z
    .object({
      targetIntervalSeconds: z
        .number()
        .int('must be an integer')
        .min(1, 'must be at least 1')
        .max(86400, 'must be at most 86400')
        .optional(),
      storage: z
        .array(z.enum(['SEQUENTIAL', 'LATEST'], { error: 'must be SEQUENTIAL or LATEST' }))
        .max(2, 'must have at most 2 entries')
        .optional(),
      recordingMode: z.enum(['INTERVAL', 'DISABLED'], { error: 'must be INTERVAL or DISABLED' }).optional(),
    })
    .optional(),
  recordingReconnectWindowSeconds: z
    .number()
    .int('must be an integer')
    .min(0, 'must be at least 0')
    .max(300, 'must be at most 300')
    .optional(),
  hlsConfiguration: hlsConfiguration.optional(),
  recordParticipantReplicas: z.boolean().optional(),
});
export type AutoParticipantRecordingInput = z.output<typeof autoParticipantRecordingConfiguration>;

export const createStageRequest = z.object({
  name: resourceName.optional(),
  participantTokenConfigurations: z.array(participantTokenConfiguration).max(12, 'must have at most 12 entries').optional(),
  tags: tags.optional(),
  autoParticipantRecordingConfiguration: autoParticipantRecordingConfiguration.optional(),
});

export const stageArnRequest = z.object({ arn: arnOf('stage') });

export const listStagesRequest = z.object({
  nextToken: nextToken.optional(),
  maxResults: maxResults(100).default(50),
});

export const createParticipantTokenRequest = z.object({ stageArn: arnOf('stage'), ...tokenFields });

const participantId = z
  .string()
  .min(1, 'is required')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-zA-Z0-9-_]*$/, 'must match ^[a-zA-Z0-9-_]*$');

export const disconnectParticipantRequest = z.object({
  stageArn: arnOf('stage'),
  participantId,
  reason: z.string().max(128, 'must be at most 128 characters').optional(),
});

export const PARTICIPANT_STATES = ['CONNECTED', 'DISCONNECTED'] as const;
export type ParticipantState = (typeof PARTICIPANT_STATES)[number];

export const listParticipantsRequest = z
  .object({
    stageArn: arnOf('stage'),
    sessionId: z
      .string()
      .min(1, 'is required')
      .max(64, 'must be at most 64 characters')
      .regex(/^st-[a-zA-Z0-9]+$/, 'must match ^st-[a-zA-Z0-9]+$'),
    filterByUserId: z.string().max(128, 'must be at most 128 characters').optional(),
    filterByPublished: z.boolean().optional(),
    filterByState: z.enum(PARTICIPANT_STATES).optional(),
    filterByRecordingState: z.enum(['STARTING', 'ACTIVE', 'STOPPING', 'STOPPED', 'FAILED']).optional(),
    nextToken: nextToken.optional(),
    maxResults: maxResults(100).default(50),
  })
  .superRefine((req, ctx) => {
    // IVS accepts at most one filter per call.
    const used = (['filterByUserId', 'filterByPublished', 'filterByState', 'filterByRecordingState'] as const).filter(
      (k) => req[k] !== undefined,
    );
    if (used.length > 1) ctx.addIssue({ code: 'custom', path: [used[1]], message: `cannot be combined with ${used[0]}` });
  });
export type ListParticipantsRequest = z.output<typeof listParticipantsRequest>;

export const updateStageRequest = z.object({
  arn: arnOf('stage'),
  name: resourceName.optional(),
  autoParticipantRecordingConfiguration: autoParticipantRecordingConfiguration.optional(),
});
export type UpdateStageRequest = z.output<typeof updateStageRequest>;

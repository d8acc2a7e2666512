import { z } from 'zod';
import { arnOf, maxResults, nextToken, resourceName, tags } from '../aws-protocol/ivs-common.schemas';

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

export const createStageRequest = z.object({
  name: resourceName.optional(),
  participantTokenConfigurations: z.array(participantTokenConfiguration).max(12, 'must have at most 12 entries').optional(),
  tags: tags.optional(),
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

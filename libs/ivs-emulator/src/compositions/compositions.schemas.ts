import { z } from 'zod';
import { arnOf, hlsConfiguration, maxResults, nextToken, resourceName, tags } from '../aws-protocol/ivs-common.schemas';

/**
 * Request shapes of IVS real-time server-side composition, with the constraints of the service model
 * (botocore ivs-realtime 2020-07-14 service-2.json and the AWS CLI reference, read 2026-12). Only what
 * a field alone can say is checked here; rules across fields are in compositions.rules.ts.
 */

/** A participant-attribute name (featured / PiP / order attribute). */
const attributeKey = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-zA-Z0-9-_]*$/, 'must match ^[a-zA-Z0-9-_]*$');

const nonNegativeInt = z.number().int('must be an integer').min(0, 'must be at least 0');
const positiveInt = z.number().int('must be an integer').min(1, 'must be at least 1');

export const VIDEO_ASPECT_RATIOS = ['AUTO', 'VIDEO', 'SQUARE', 'PORTRAIT'] as const;
export const VIDEO_FILL_MODES = ['FILL', 'COVER', 'CONTAIN'] as const;
export const PIP_BEHAVIORS = ['STATIC', 'DYNAMIC'] as const;
export const PIP_POSITIONS = ['TOP_LEFT', 'TOP_RIGHT', 'BOTTOM_LEFT', 'BOTTOM_RIGHT'] as const;

export const gridConfiguration = z.object({
  featuredParticipantAttribute: attributeKey.optional(),
  participantOrderAttribute: attributeKey.optional(),
  omitStoppedVideo: z.boolean().optional(),
  videoAspectRatio: z.enum(VIDEO_ASPECT_RATIOS).optional(),
  videoFillMode: z.enum(VIDEO_FILL_MODES).optional(),
  gridGap: nonNegativeInt.optional(),
});
export type GridConfigurationInput = z.output<typeof gridConfiguration>;

export const pipConfiguration = z.object({
  featuredParticipantAttribute: attributeKey.optional(),
  participantOrderAttribute: attributeKey.optional(),
  omitStoppedVideo: z.boolean().optional(),
  videoFillMode: z.enum(VIDEO_FILL_MODES).optional(),
  gridGap: nonNegativeInt.optional(),
  pipParticipantAttribute: attributeKey.optional(),
  pipBehavior: z.enum(PIP_BEHAVIORS).optional(),
  pipOffset: nonNegativeInt.optional(),
  pipPosition: z.enum(PIP_POSITIONS).optional(),
  pipWidth: positiveInt.optional(),
  pipHeight: positiveInt.optional(),
});
export type PipConfigurationInput = z.output<typeof pipConfiguration>;

export const layoutConfiguration = z.object({ grid: gridConfiguration.optional(), pip: pipConfiguration.optional() });
export type LayoutConfigurationInput = z.output<typeof layoutConfiguration>;

const channelDestination = z.object({
  channelArn: arnOf('channel'),
  encoderConfigurationArn: arnOf('encoder-configuration').optional(),
});

export const THUMBNAIL_STORAGE = ['SEQUENTIAL', 'LATEST'] as const;

const s3Destination = z.object({
  storageConfigurationArn: arnOf('storage-configuration'),
  // The model allows exactly one encoder configuration per S3 destination.
  encoderConfigurationArns: z
    .array(arnOf('encoder-configuration'))
    .min(1, 'must have at least 1 entry')
    .max(1, 'must have at most 1 entry'),
  recordingConfiguration: z
    .object({
      format: z.enum(['HLS']).optional(),
      hlsConfiguration: hlsConfiguration.optional(),
    })
    .optional(),
  thumbnailConfigurations: z
    .array(
      z.object({
        targetIntervalSeconds: z
          .number()
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(86400, 'must be at most 86400')
          .optional(),
        storage: z.array(z.enum(THUMBNAIL_STORAGE)).max(2, 'must have at most 2 entries').optional(),
      }),
    )
    .max(1, 'must have at most 1 entry')
    .optional(),
});

export const destinationConfiguration = z.object({
  name: resourceName.optional(),
  channel: channelDestination.optional(),
  s3: s3Destination.optional(),
});
export type DestinationConfigurationInput = z.output<typeof destinationConfiguration>;

/** A composition has 1 or 2 destinations (AWS quota "Composition destinations", not adjustable). */
export const MAX_DESTINATIONS = 2;

export const startCompositionRequest = z.object({
  stageArn: arnOf('stage'),
  idempotencyToken: z
    .string()
    .min(1, 'must be at least 1 character')
    .max(64, 'must be at most 64 characters')
    .regex(/^[a-zA-Z0-9-_]*$/, 'must match ^[a-zA-Z0-9-_]*$')
    .optional(),
  layout: layoutConfiguration.optional(),
  destinations: z
    .array(destinationConfiguration)
    .min(1, 'must have at least 1 entry')
    .max(MAX_DESTINATIONS, `must have at most ${MAX_DESTINATIONS} entries`),
  tags: tags.optional(),
});
export type StartCompositionRequest = z.output<typeof startCompositionRequest>;

export const compositionArnRequest = z.object({ arn: arnOf('composition') });

export const listCompositionsRequest = z.object({
  filterByStageArn: arnOf('stage').optional(),
  filterByEncoderConfigurationArn: arnOf('encoder-configuration').optional(),
  nextToken: nextToken.optional(),
  maxResults: maxResults(100).default(100),
});
export type ListCompositionsRequest = z.output<typeof listCompositionsRequest>;

/** Video of an encoder configuration: each side 2–1920 and even, at most 1920×1080 pixels in all. */
export const videoInput = z.object({
  width: z.number().int('must be an integer').min(2, 'must be at least 2').max(1920, 'must be at most 1920').optional(),
  height: z.number().int('must be an integer').min(2, 'must be at least 2').max(1920, 'must be at most 1920').optional(),
  framerate: z.number().min(1, 'must be at least 1').max(60, 'must be at most 60').optional(),
  bitrate: z.number().int('must be an integer').min(1, 'must be at least 1').max(8_500_000, 'must be at most 8500000').optional(),
});
export type VideoInput = z.output<typeof videoInput>;

export const createEncoderConfigurationRequest = z.object({
  name: resourceName.optional(),
  video: videoInput.optional(),
  tags: tags.optional(),
});

export const encoderConfigurationArnRequest = z.object({ arn: arnOf('encoder-configuration') });

export const createStorageConfigurationRequest = z.object({
  name: resourceName.optional(),
  s3: z.object({
    bucketName: z
      .string()
      .min(3, 'must be at least 3 characters')
      .max(63, 'must be at most 63 characters')
      .regex(/^[a-z0-9-.]+$/, 'must match ^[a-z0-9-.]+$'),
  }),
  tags: tags.optional(),
});

export const storageConfigurationArnRequest = z.object({ arn: arnOf('storage-configuration') });

export const listConfigurationsRequest = z.object({
  nextToken: nextToken.optional(),
  maxResults: maxResults(100).default(100),
});

import { z } from 'zod';
import { arnOf, maxResults, nextToken, resourceName, tags } from '../aws-protocol/ivs-common.schemas';

export const CHANNEL_TYPES = ['BASIC', 'STANDARD', 'ADVANCED_SD', 'ADVANCED_HD'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const LATENCY_MODES = ['NORMAL', 'LOW'] as const;
export type LatencyMode = (typeof LATENCY_MODES)[number];
const PRESETS = ['HIGHER_BANDWIDTH_DELIVERY', 'CONSTRAINED_BANDWIDTH_DELIVERY'] as const;

const recordingConfigurationArn = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(/^$|^arn:aws:ivs:[a-z0-9-]+:[0-9]+:recording-configuration\/[a-zA-Z0-9-]+$/, 'must be a recording-configuration ARN or empty');

export const createChannelRequest = z
  .object({
    name: resourceName.optional(),
    latencyMode: z.enum(LATENCY_MODES).default('LOW'),
    type: z.enum(CHANNEL_TYPES).default('STANDARD'),
    authorized: z.boolean().default(false),
    insecureIngest: z.boolean().default(false),
    recordingConfigurationArn: recordingConfigurationArn.default(''),
    preset: z.union([z.enum(PRESETS), z.literal('')]).optional(),
    tags: tags.optional(),
  })
  .superRefine((req, ctx) => {
    // IVS only lets the ADVANCED types pick a transcode preset.
    const advanced = req.type === 'ADVANCED_SD' || req.type === 'ADVANCED_HD';
    if (req.preset && !advanced) {
      ctx.addIssue({ code: 'custom', path: ['preset'], message: `is only allowed for ADVANCED_SD and ADVANCED_HD channels` });
    }
  });
export type CreateChannelRequest = z.output<typeof createChannelRequest>;

export const channelArnRequest = z.object({ arn: arnOf('channel') });
export const streamKeyArnRequest = z.object({ arn: arnOf('stream-key') });
export const byChannelArnRequest = z.object({ channelArn: arnOf('channel') });

export const listChannelsRequest = z.object({
  filterByName: resourceName.optional(),
  filterByRecordingConfigurationArn: recordingConfigurationArn.optional(),
  nextToken: nextToken.optional(),
  maxResults: maxResults(100).default(100),
});
export type ListChannelsRequest = z.output<typeof listChannelsRequest>;

export const createStreamKeyRequest = z.object({ channelArn: arnOf('channel'), tags: tags.optional() });

export const listStreamKeysRequest = z.object({
  channelArn: arnOf('channel'),
  nextToken: nextToken.optional(),
  // IVS: 1–50, default 1 (a channel has at most one key anyway).
  maxResults: maxResults(50).default(1),
});

export const listStreamSessionsRequest = z.object({
  channelArn: arnOf('channel'),
  nextToken: nextToken.optional(),
  // IVS: 1–100, default 100.
  maxResults: maxResults(100).default(100),
});

export const getStreamSessionRequest = z.object({
  channelArn: arnOf('channel'),
  // IVS stream ids: `st-` and 23 alphanumerics, 26 in all.
  streamId: z
    .string()
    .length(26, 'must be 26 characters')
    .regex(/^st-[a-zA-Z0-9]+$/, 'must match st-[a-zA-Z0-9]+')
    .optional(),
});

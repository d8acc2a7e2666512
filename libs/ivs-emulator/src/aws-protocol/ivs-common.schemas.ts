import { z } from 'zod';
import { arnPattern, IvsResourceType } from '../ivs-arns';

/** Resource names in both APIs: up to 128 of `[a-zA-Z0-9-_]`, empty allowed. */
export const resourceName = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(/^[a-zA-Z0-9-_]*$/, 'must match ^[a-zA-Z0-9-_]*$');

export const arnOf = (type: IvsResourceType) =>
  z.string().min(1, 'is required').max(128, 'must be at most 128 characters').regex(arnPattern(type), `must be a ${type} ARN`);

/** AWS tagging rules: up to 50 tags, keys 1–128 characters, values up to 256. */
export const tags = z
  .record(
    z.string().min(1, 'tag keys must not be empty').max(128, 'tag keys must be at most 128 characters'),
    z.string().max(256, 'tag values must be at most 256 characters'),
  )
  .refine((t) => Object.keys(t).length <= 50, 'must have at most 50 tags');

export const nextToken = z.string().max(1024, 'must be at most 1024 characters');

export const maxResults = (max: number) =>
  z.number().int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

/** HLS segment length of a recording (composite and participant alike): 2–10 s, IVS's default 6 when absent. */
export const hlsConfiguration = z.object({
  targetSegmentDurationSeconds: z.number().int('must be an integer').min(2, 'must be at least 2').max(10, 'must be at most 10').optional(),
});

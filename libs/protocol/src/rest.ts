import { z } from 'zod';
import { RESERVED_USERNAMES } from './usernames';

/**
 * REST request and response shapes, shared by server and client.
 * Request schemas are strict (unknown fields are an error) and bounded in size.
 */

/** Usernames are case-insensitive: accepted in any case, stored lower-case. */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_-]{3,32}$/, 'must be 3 to 32 characters: letters, digits, _ or -')
  .refine((name) => !RESERVED_USERNAMES.has(name), 'is reserved for the app; please choose another');

export const Password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');

export const RegisterRequest = z.strictObject({ username: Username, password: Password });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z.strictObject({
  username: z.string().trim().toLowerCase().min(1, 'is required').max(32, 'must be at most 32 characters'),
  password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const Role = z.enum(['user', 'moderator', 'admin']);
export type Role = z.infer<typeof Role>;

export const PublicUser = z.object({ id: z.string(), username: z.string(), role: Role });
export type PublicUser = z.infer<typeof PublicUser>;

export const AuthResponse = z.object({ accessToken: z.string(), user: PublicUser });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const CategoryDto = z.object({ id: z.number().int(), name: z.string(), slug: z.string() });
export type CategoryDto = z.infer<typeof CategoryDto>;

export const ChannelTitle = z.string().trim().max(140, 'must be at most 140 characters');

/** IVS low-latency channel types: they set what the encoder may send (BASIC: up to 480p at 1.5 Mbps). */
export const ChannelType = z.enum(['BASIC', 'STANDARD', 'ADVANCED_SD', 'ADVANCED_HD']);
export type ChannelType = z.infer<typeof ChannelType>;

export const MyChannel = z.object({
  name: z.string(),
  /** The IVS channel type it was created with: the studio picks its broadcast preset from it. */
  type: ChannelType,
  arn: z.string(),
  playbackUrl: z.string(),
  ingestEndpoint: z.string(),
  title: z.string(),
  category: CategoryDto.nullable(),
  isLive: z.boolean(),
});
export type MyChannel = z.infer<typeof MyChannel>;

/** The owner's studio; `arn` names its IVS stage while it has one (made when the studio is first opened, given back when idle). */
export const MyStage = z.object({ name: z.string(), arn: z.string().nullable(), isLive: z.boolean() });
export type MyStage = z.infer<typeof MyStage>;

export const MeResponse = z.object({ user: PublicUser, channel: MyChannel, stage: MyStage });
export type MeResponse = z.infer<typeof MeResponse>;

export const UpdateChannelRequest = z
  .strictObject({
    title: ChannelTitle.optional(),
    categoryId: z.number().int().positive().nullable().optional(),
  })
  .refine((v) => v.title !== undefined || v.categoryId !== undefined, 'give a title or a categoryId to change');
export type UpdateChannelRequest = z.infer<typeof UpdateChannelRequest>;

export const StreamCredentials = z.object({
  streamKey: z.string(),
  ingestEndpoint: z.string(),
  rtmpsUrl: z.string(),
  /** Plain RTMP URL of the local ingest (local mode only). */
  rtmpUrl: z.string().nullable(),
});
export type StreamCredentials = z.infer<typeof StreamCredentials>;

/** A channel as anyone may see it: no ARNs, no keys. */
export const PublicChannel = z.object({
  name: z.string(),
  title: z.string(),
  category: CategoryDto.nullable(),
  isLive: z.boolean(),
  playbackUrl: z.string(),
  owner: z.object({ username: z.string() }),
});
export type PublicChannel = z.infer<typeof PublicChannel>;

export const StreamSummary = z.object({
  id: z.string(),
  streamId: z.string(),
  title: z.string(),
  category: CategoryDto.nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  recordingDurationMs: z.number().nullable(),
  recordingUrl: z.string().nullable(),
});
export type StreamSummary = z.infer<typeof StreamSummary>;

/** Ids in paths and queries are database uuids (any version, as PostgreSQL accepts them). */
export const Uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'is not a valid id');

/**
 * `?limit=`: digits only (no `1e2`, `0x10`, `-1`, spaces), then bounded, so a page size is
 * always a small positive integer before it reaches SQL.
 */
export function PageLimit(max: number, fallback: number) {
  const sentence = `must be a whole number from 1 to ${max}`;
  return z
    .string()
    .regex(/^\d{1,6}$/, sentence)
    .transform(Number)
    .pipe(z.number().int().min(1, sentence).max(max, sentence))
    .default(fallback);
}

/** Keyset cursors name a row by its time; anything outside these years is not one we issued. */
const CURSOR_EARLIEST_MS = Date.UTC(2000, 0, 1);
const CURSOR_LATEST_MS = Date.UTC(2100, 0, 1);
const CURSOR_BODY = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** A page cursor as the server issues it: base64url (no padding) of `<ISO time>|<uuid>` of the last row seen. */
export function encodePageCursor(at: Date, id: string): string {
  return btoa(`${at.toISOString()}|${id.toLowerCase()}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The inverse of encodePageCursor, strict: only the exact canonical encoding of a real
 * instant (no 2026-02-30) in a sane range and a uuid decodes; everything else is null.
 */
export function decodePageCursor(cursor: string): { at: Date; id: string } | null {
  if (cursor.length > 128 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    return null;
  }
  const [, time, id] = CURSOR_BODY.exec(text) ?? [];
  if (!time || !id) return null;
  const at = new Date(time);
  const ms = at.getTime();
  if (Number.isNaN(ms) || at.toISOString() !== time || ms < CURSOR_EARLIEST_MS || ms >= CURSOR_LATEST_MS) return null;
  // Only the canonical encoding: no padding, no alternative trailing bits.
  if (encodePageCursor(at, id) !== cursor) return null;
  return { at, id };
}

/** `?cursor=`: the `nextCursor` of the previous page, decoded here so a crafted one never reaches the database. */
export const PageCursor = z
  .string()
  .max(128, 'is too long to be a cursor')
  .transform((value, ctx) => {
    const decoded = decodePageCursor(value);
    if (!decoded) {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this server issued (use nextCursor from the previous page)' });
      return z.NEVER;
    }
    return decoded;
  });

/**
 * Query strings are validated like bodies: strict (an unknown parameter is an error, so a
 * typo like `?curser=` is reported rather than silently ignored), each value bounded.
 */
export const PageQuery = z.strictObject({
  limit: PageLimit(100, 20),
  cursor: PageCursor.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export const StreamPage = z.object({ items: z.array(StreamSummary), nextCursor: z.string().nullable() });
export type StreamPage = z.infer<typeof StreamPage>;

export const StageTokenResponse = z.object({
  participantId: z.string(),
  token: z.string(),
  capabilities: z.array(z.enum(['PUBLISH', 'SUBSCRIBE'])),
  expiresAt: z.string(),
  stageArn: z.string(),
});
export type StageTokenResponse = z.infer<typeof StageTokenResponse>;

/**
 * `POST /api/stages/:name/show-token`: a PUBLISH-only token on the studio's public show stage,
 * for a member who is on air while the show stage is needed (real-time viewing open). Same
 * shape as the studio-stage token; the participant's userId is the member id, its attributes
 * `{username, role}`, as on the studio stage.
 */
export const ShowStageTokenResponse = StageTokenResponse;
export type ShowStageTokenResponse = StageTokenResponse;

export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  db: z.enum(['up', 'down']),
  redis: z.enum(['up', 'down', 'not-configured']),
  media: z.enum(['up', 'down']),
  mediaProvider: z.enum(['local', 'aws']),
  /**
   * Local mode only: whether the channel ingest can run (going live needs ffmpeg), and which
   * ffmpeg it uses: FFMPEG_PATH (`configured`), the PATH's, or the one packaged with StreamCat.
   */
  ffmpeg: z
    .object({
      status: z.enum(['available', 'missing']),
      message: z.string().optional(),
      version: z.string().optional(),
      source: z.enum(['configured', 'path', 'packaged']).optional(),
    })
    .optional(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** Path parameter for channel / stage names (same alphabet as usernames). */
export const ResourceName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a valid name');

import { z } from 'zod';

/**
 * Multistream: a channel's programme relayed to other platforms over RTMP(S). IVS cannot push
 * to a third-party endpoint, so the server runs one relay (ffmpeg, copying the channel's
 * playback without re-encoding) per enabled destination while the channel is live. Stream keys
 * are write-only: stored encrypted, never sent back; a response carries only `keyHint`.
 */

/** Destinations one channel may keep. */
export const MULTISTREAM_MAX_DESTINATIONS = 5;

/**
 * Where the platforms take RTMPS (their documented primary ingests). A preset fills the URL;
 * `custom` takes the host's own `rtmp://` or `rtmps://` URL.
 */
export const MULTISTREAM_PRESETS = {
  youtube: { label: 'YouTube', url: 'rtmps://a.rtmps.youtube.com:443/live2' },
  twitch: { label: 'Twitch', url: 'rtmps://live.twitch.tv:443/app' },
  facebook: { label: 'Facebook', url: 'rtmps://live-api-s.facebook.com:443/rtmp' },
} as const;
export const MULTISTREAM_KINDS = ['youtube', 'twitch', 'facebook', 'custom'] as const;
export type MultistreamKind = (typeof MULTISTREAM_KINDS)[number];

const noControl = (v: string) => ![...v].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

export const MultistreamName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(60, 'must be at most 60 characters')
  .refine(noControl, 'must not contain control characters');

/** An RTMP(S) ingest URL without credentials, query or fragment (the key goes after it as its own path segment). */
export const MultistreamUrl = z
  .string()
  .trim()
  .max(512, 'must be at most 512 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'rtmp:' || u.protocol === 'rtmps:') && !!u.hostname && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, 'must be an rtmp:// or rtmps:// URL without a user name, password, query or #fragment');

/** Platform stream keys are short tokens; whitespace or slashes would change the URL they are appended to. */
export const MultistreamKey = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable characters without spaces')
  .refine((v) => !v.includes('/') && !v.includes('?') && !v.includes('#'), 'must not contain / ? or #');

export const CreateMultistreamDestination = z
  .strictObject({
    kind: z.enum(MULTISTREAM_KINDS),
    name: MultistreamName.optional(),
    /** Only with `custom`; a preset's URL is fixed. */
    url: MultistreamUrl.optional(),
    key: MultistreamKey,
    enabled: z.boolean().default(true),
  })
  .refine((v) => (v.kind === 'custom') === (v.url !== undefined), {
    message: 'give a url with kind "custom", and none with a preset (its URL is fixed)',
    path: ['url'],
  });
export type CreateMultistreamDestination = z.input<typeof CreateMultistreamDestination>;

/** Any field to change; a new key replaces the stored one (there is no reading it back). */
export const UpdateMultistreamDestination = z
  .strictObject({
    name: MultistreamName.optional(),
    url: MultistreamUrl.optional(),
    key: MultistreamKey.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');
export type UpdateMultistreamDestination = z.infer<typeof UpdateMultistreamDestination>;

export const MultistreamDestinationId = z.string().uuid('is not a valid destination id');

/**
 * A relay's state as the studio shows it. `idle`: not relaying (channel offline or disabled);
 * `connecting`: ffmpeg started, nothing sent yet; `live`: sending; `retrying`: the last attempt
 * failed (`reason`), the next starts at `retryAt`.
 */
export const MULTISTREAM_STATES = ['idle', 'connecting', 'live', 'retrying'] as const;
export type MultistreamState = (typeof MULTISTREAM_STATES)[number];

export const MultistreamStatus = z.object({
  state: z.enum(MULTISTREAM_STATES),
  /** Why the last attempt failed (from ffmpeg's own words), or null. */
  reason: z.string().nullable(),
  /** ISO time of the next attempt while `retrying`. */
  retryAt: z.string().nullable(),
  /** Attempts that failed in a row (reset once an attempt goes live). */
  failures: z.number().int(),
  /** ISO time of this state. */
  since: z.string(),
});
export type MultistreamStatus = z.infer<typeof MultistreamStatus>;

export const MultistreamDestination = z.object({
  id: z.string(),
  kind: z.enum(MULTISTREAM_KINDS),
  name: z.string(),
  url: z.string(),
  /** The key's last characters, so a host can tell keys apart; the key itself is never sent. */
  keyHint: z.string(),
  enabled: z.boolean(),
  status: MultistreamStatus,
  createdAt: z.string(),
});
export type MultistreamDestination = z.infer<typeof MultistreamDestination>;

export const MultistreamDestinationList = z.object({ items: z.array(MultistreamDestination), max: z.number().int() });
export type MultistreamDestinationList = z.infer<typeof MultistreamDestinationList>;

export interface MultistreamServerEvents {
  /** To the channel owner's sockets (`user:<id>`), on every node: a destination's relay changed state. */
  'multistream:status': { destinationId: string; status: MultistreamStatus };
}

/** The key's hint: its last 4 characters, fewer for a very short key (never more than half of it). */
export function keyHint(key: string): string {
  const n = Math.min(4, Math.floor(key.length / 2));
  return n > 0 ? `…${key.slice(-n)}` : '…';
}

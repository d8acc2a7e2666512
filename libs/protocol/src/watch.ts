import { z } from 'zod';
import { LAYOUT_NAMES, MAX_ON_AIR } from '@streamcat/layouts';
import { ChatMessage, ChatSanction } from './chat';
import { CategoryDto, ResourceName } from './rest';
import { command } from './socket';
import { Background, Banner } from './studio';
import { StudioBrand } from './studio-brand';
import { ProgrammeVolume, ShowScene } from './studio-scenes';

export const StreamHealthDto = z.enum(['HEALTHY', 'STARVING', 'UNKNOWN']);
export type StreamHealthDto = z.infer<typeof StreamHealthDto>;

/** Everything a watch page shows, as of joining; later changes arrive as `watch:*` events. */
export const WatchState = z.object({
  channel: z.object({
    name: z.string(),
    title: z.string(),
    category: CategoryDto.nullable(),
    isLive: z.boolean(),
    /** When the current live / offline state began (null: never streamed). */
    since: z.string().nullable(),
    health: StreamHealthDto,
    /** Distinct connected watch sockets of this channel across all server nodes. */
    viewerCount: z.number(),
  }),
  chat: z.object({
    /** The last messages, oldest first. */
    history: z.array(ChatMessage),
    slowModeSeconds: z.number(),
  }),
  me: z.object({
    /** Logged in and not sanctioned. */
    canChat: z.boolean(),
    /** Owner of the channel, moderator or admin: may delete, time out, ban, set slow mode. */
    canModerate: z.boolean(),
    /** Why this account cannot send here, if it is banned or timed out. */
    sanction: ChatSanction.nullable(),
  }),
});
export type WatchState = z.infer<typeof WatchState>;

const MemberId = z.string().max(64);

/** One person on air, as the audience sees them. */
export const ShowMember = z.object({
  /** The member id: the `userId` of their participant on the stage. */
  id: MemberId,
  displayName: z.string().max(40),
  /** Not heard in the programme (the host muted them there). */
  muted: z.boolean(),
  /** Their level in the programme mix, 0–100 (absent: 100). */
  volume: ProgrammeVolume.optional(),
});
export type ShowMember = z.infer<typeof ShowMember>;

/**
 * The public face of a studio: what the programme shows, and nothing of backstage (no backstage
 * member, invite, link, green room, nor a banner the host has not shown yet). Real-time pages
 * draw the show stage with it, so they look like the broadcast.
 */
export const ShowLayout = z.object({
  layout: z.enum(LAYOUT_NAMES),
  /** On-air members in programme order (a stage carries at most MAX_ON_AIR publishers). */
  members: z.array(ShowMember).max(MAX_ON_AIR),
  /** Member ids of `members`, or null. */
  featuredId: MemberId.nullable(),
  screenShareId: MemberId.nullable(),
  nameTags: z.boolean(),
  banner: Banner,
  background: Background,
  /** The channel's brand, drawn on real-time pages as in the programme (absent: the default look). */
  brand: StudioBrand.optional(),
  /** The scene card on screen (absent: the show, as before scenes existed). */
  scene: ShowScene.optional(),
  /** The viewer's comment on screen (who wrote it and what), absent when none is. */
  comment: z.object({ messageId: z.string(), author: z.object({ username: z.string().max(64) }), text: z.string().max(500) }).optional(),
});
export type ShowLayout = z.infer<typeof ShowLayout>;

/** The show of a channel as of `version` (the studio document's): a page keeps the highest it has seen. */
export const ShowSnapshot = z.object({
  channel: z.string(),
  version: z.number().int().nonnegative(),
  /** Null while the show is not public (no broadcast and real-time viewing closed) or there is no studio yet. */
  show: ShowLayout.nullable(),
});
export type ShowSnapshot = z.infer<typeof ShowSnapshot>;

/**
 * A moderator took the comment on screen down (its message deleted, its author banned or timed
 * out), pushed to the channel's watch room. The studio's programme loses the card at once, but a
 * broadcast (HLS) page plays that programme seconds late: it covers the card's place (the
 * compositor's comment-card geometry) until its picture has passed the withdrawal, so no one sees
 * a taken-down message on the delayed video. Carries no author nor text: they were taken down.
 */
export const CommentWithdrawn = z.object({
  channel: z.string(),
  /** The chat message whose card left the screen. */
  messageId: z.string(),
  /** When the studio took it off screen (server clock, ISO 8601). */
  withdrawnAt: z.string(),
});
export type CommentWithdrawn = z.infer<typeof CommentWithdrawn>;

export const WatchCommands = {
  /**
   * `as: 'studio'` is for people seated in the channel owner's studio following the viewers'
   * chat from there: they get the room and the snapshot but are not counted as viewers.
   */
  join: command<WatchState>()('watch:join', z.strictObject({ channel: ResourceName, as: z.enum(['viewer', 'studio']).optional() })),
  leave: command<{ left: boolean }>()('watch:leave', z.strictObject({ channel: ResourceName })),
  /**
   * Follow a channel's show layout (real-time pages): the snapshot now, `watch:show` on every
   * change of it until `watch:leave`. Separate from `watch:join` so the many broadcast viewers,
   * who see the composed picture, get none of these pushes.
   */
  show: command<ShowSnapshot>()('watch:show', z.strictObject({ channel: ResourceName })),
};

export interface WatchServerEvents {
  'watch:live': { channel: string; isLive: boolean; since: string };
  'watch:info': { channel: string; title: string; category: CategoryDto | null };
  'watch:health': { channel: string; health: StreamHealthDto };
  'watch:viewers': { channel: string; viewerCount: number };
  'watch:show': ShowSnapshot;
  'watch:comment-withdrawn': CommentWithdrawn;
}

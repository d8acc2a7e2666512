import { z } from 'zod';
import { ChatMessage, ChatSanction } from './chat';
import { CategoryDto, ResourceName } from './rest';
import { command } from './socket';

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

export const WatchCommands = {
  /**
   * `as: 'studio'` is for people seated in the channel owner's studio following the viewers'
   * chat from there: they get the room and the snapshot but are not counted as viewers.
   */
  join: command<WatchState>()('watch:join', z.strictObject({ channel: ResourceName, as: z.enum(['viewer', 'studio']).optional() })),
  leave: command<{ left: boolean }>()('watch:leave', z.strictObject({ channel: ResourceName })),
};

export interface WatchServerEvents {
  'watch:live': { channel: string; isLive: boolean; since: string };
  'watch:info': { channel: string; title: string; category: CategoryDto | null };
  'watch:health': { channel: string; health: StreamHealthDto };
  'watch:viewers': { channel: string; viewerCount: number };
}

import { z } from 'zod';
import { PageCursor, PageLimit, ResourceName } from './rest';
import { command } from './socket';

/** Longest chat message, in characters (after trimming). */
export const CHAT_MAX_CHARS = 500;
/** Messages sent to a socket when it joins a channel's watch room. */
export const CHAT_HISTORY_ON_JOIN = 50;
/** Longest slow mode an owner or moderator can set, in seconds. */
export const CHAT_MAX_SLOW_MODE_SECONDS = 3600;
/** Longest time-out, in seconds (7 days); longer means a ban. */
export const CHAT_MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** PostgreSQL text cannot hold NUL; refuse it at the edge rather than fail at the database. */
export const noNul = (s: string) => !s.includes('\u0000');
const Reason = z.string().trim().max(500).refine(noNul, 'must not contain NUL characters');
const MessageId = z.uuid();

export const ChatMessage = z.object({
  id: z.string(),
  channel: z.string(),
  /** The IVS stream id the channel was broadcasting when it was sent (null when offline): VOD replay keys on it. */
  streamId: z.string().nullable(),
  user: z.object({ id: z.string(), username: z.string() }),
  text: z.string(),
  sentAt: z.string(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

/** A ban or time-out that currently stops someone sending (`until` null: until lifted). */
export const ChatSanction = z.object({
  kind: z.enum(['ban', 'timeout']),
  scope: z.enum(['channel', 'site']),
  reason: z.string(),
  until: z.string().nullable(),
});
export type ChatSanction = z.infer<typeof ChatSanction>;

export const ChatCommands = {
  send: command<ChatMessage>()(
    'chat:send',
    z.strictObject({
      channel: ResourceName,
      text: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(CHAT_MAX_CHARS, `must be at most ${CHAT_MAX_CHARS} characters`)
        .refine(noNul, 'must not contain NUL characters'),
    }),
    8 * 1024,
  ),
  delete: command<{ deleted: boolean }>()(
    'chat:delete',
    z.strictObject({ channel: ResourceName, messageId: MessageId, reason: Reason.optional() }),
  ),
  timeout: command<ChatSanction>()(
    'chat:timeout',
    z.strictObject({
      channel: ResourceName,
      username: ResourceName,
      seconds: z.number().int().min(1).max(CHAT_MAX_TIMEOUT_SECONDS),
      reason: Reason.min(1, 'say why'),
    }),
  ),
  ban: command<ChatSanction>()(
    'chat:ban',
    z.strictObject({ channel: ResourceName, username: ResourceName, reason: Reason.min(1, 'say why') }),
  ),
  /** Lifts this channel's ban and time-out of that user (a site-wide ban stays). */
  unban: command<{ lifted: number }>()(
    'chat:unban',
    z.strictObject({ channel: ResourceName, username: ResourceName, reason: Reason.optional() }),
  ),
  slowMode: command<{ seconds: number }>()(
    'chat:slow-mode',
    z.strictObject({ channel: ResourceName, seconds: z.number().int().min(0).max(CHAT_MAX_SLOW_MODE_SECONDS), reason: Reason.optional() }),
  ),
};

/** REST `GET /api/channels/:name/chat`: replay, oldest first, keyset-paginated. */
export const ChatReplayQuery = z.strictObject({
  streamId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'is not a valid stream id')
    .optional(),
  limit: PageLimit(200, 100),
  cursor: PageCursor.optional(),
});
export type ChatReplayQuery = z.infer<typeof ChatReplayQuery>;

export const ChatReplayPage = z.object({ items: z.array(ChatMessage), nextCursor: z.string().nullable() });
export type ChatReplayPage = z.infer<typeof ChatReplayPage>;

export interface ChatServerEvents {
  'chat:message': ChatMessage;
  'chat:deleted': { channel: string; messageId: string };
  'chat:slow-mode': { channel: string; seconds: number };
  /** To the sanctioned user's own tabs (room `user:<id>`): why they cannot send. `sanction` null: lifted. */
  'chat:sanction': { channel: string | null; sanction: ChatSanction | null };
}

import { mayShowComments, STUDIO_COMMENT_MAX_CHARS, type ChatSanction, type ErrorCode, type StudioComment } from '@streamcat/protocol';
import type { ActorContext } from './studio.reducer';

/** A chat message as the studio reads it to put on screen (null: there is no message with that id). */
export interface CommentCandidate {
  id: string;
  channelId: string;
  author: { id: string; username: string };
  text: string;
  deleted: boolean;
}

export const COMMENT_FORBIDDEN = 'Only the host or a co-host can put a comment on screen.';

export type CommentDecision = { ok: true; comment: StudioComment } | { ok: false; code: ErrorCode; message: string };

/**
 * Whether a host may put this message on screen, and the comment it becomes. Only a message
 * of the studio's own channel that is still in its chat and whose author may still speak
 * there: a screen must never show what moderation took out of the chat.
 */
export function decideComment(input: {
  actor: Pick<ActorContext, 'role' | 'memberId'>;
  /** The channel whose chat the studio follows (the owner's). */
  channelId: string;
  message: CommentCandidate | null;
  /** The author's ban or time-out in that channel (or site-wide), if any holds now. */
  authorSanction: ChatSanction | null;
  now: Date;
}): CommentDecision {
  const { actor, message } = input;
  if (!mayShowComments(actor.role) || !actor.memberId) return { ok: false, code: 'auth/forbidden', message: COMMENT_FORBIDDEN };
  if (!message || message.channelId !== input.channelId)
    return { ok: false, code: 'studio/comment-unavailable', message: 'That message is not in this channel’s chat.' };
  if (message.deleted)
    return {
      ok: false,
      code: 'studio/comment-unavailable',
      message: 'That message was deleted by a moderator, so it cannot go on screen.',
    };
  if (input.authorSanction)
    return {
      ok: false,
      code: 'studio/comment-unavailable',
      message: `${message.author.username} is ${input.authorSanction.kind === 'ban' ? 'banned' : 'timed out'} from this chat, so their message cannot go on screen.`,
    };
  return {
    ok: true,
    comment: {
      messageId: message.id,
      author: message.author,
      text: message.text.slice(0, STUDIO_COMMENT_MAX_CHARS),
      shownBy: actor.memberId,
      shownAt: input.now.toISOString(),
    },
  };
}

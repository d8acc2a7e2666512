import { z } from 'zod';
import { CHAT_MAX_CHARS } from './chat';

/**
 * A viewer's chat message shown on screen (StreamYard's "comment on screen"). The server copies
 * author and text from the channel's chat when a host or co-host shows it, so what is drawn is
 * what the viewer wrote, never text a client supplied; deleting the message or sanctioning its
 * author takes it off the screen at once. One at a time: showing another replaces it.
 */

/** Longest text kept in the document (a chat message is no longer; the card draws at most a few lines of it). */
export const STUDIO_COMMENT_MAX_CHARS = CHAT_MAX_CHARS;

export const StudioComment = z.object({
  /** The chat message shown (its deletion takes the comment down). */
  messageId: z.string(),
  /** Who wrote it, as the chat knows them (a ban of this user takes the comment down). */
  author: z.object({ id: z.string(), username: z.string().max(64) }),
  text: z.string().max(STUDIO_COMMENT_MAX_CHARS),
  /** Member id of the host or co-host who put it on screen. */
  shownBy: z.string(),
  shownAt: z.string(),
});
export type StudioComment = z.infer<typeof StudioComment>;

/** `studio:comment`'s own field: the chat message to show, or null to take the comment off screen. */
export const CommentMessageId = z.uuid('is not a chat message id').nullable();

/** Why a comment went off screen without anyone pressing Hide (the change's subject says which message). */
export type CommentTakenDown = { messageId: string } | { authorId: string };

/** Whether a moderation fact concerns the comment on screen now. */
export function commentTakenDownBy(comment: StudioComment | null | undefined, fact: CommentTakenDown): boolean {
  if (!comment) return false;
  return 'messageId' in fact ? comment.messageId === fact.messageId : comment.author.id === fact.authorId;
}

/** Who puts comments on screen: the show's hosts (a guest sees the chat but does not speak for the show). */
export function mayShowComments(role: string): boolean {
  return role === 'host' || role === 'cohost';
}

import { BACKSTAGE_MAX_CHARS, type BackstageMessage } from '@streamcat/protocol/studio';

/** How many backstage messages the panel keeps (the server keeps them all; history gives the last 100). */
export const BACKSTAGE_FEED_LIMIT = 200;

/** Anything ordered like a chat line: by time sent, then id (the server's order too). */
interface Line {
  id: string;
  sentAt: string;
}

/** The sort key of a line: ISO times compare as strings, and the id breaks ties the way PostgreSQL does. */
export function lineKey(line: Line): string {
  return `${line.sentAt}|${line.id}`;
}

/**
 * Folds messages into the feed: history after a reconnect, a push, the ack of our own send.
 * The same message can come more than once (ack and push, push and history) and in any
 * order; the feed keeps one of each, in server order, newest `limit`.
 */
export function mergeBackstage(
  feed: readonly BackstageMessage[],
  incoming: readonly BackstageMessage[],
  limit = BACKSTAGE_FEED_LIMIT,
): BackstageMessage[] {
  const byId = new Map(feed.map((m) => [m.id, m]));
  for (const m of incoming) byId.set(m.id, m);
  const merged = [...byId.values()].sort((x, y) => (lineKey(x) < lineKey(y) ? -1 : lineKey(x) > lineKey(y) ? 1 : 0));
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

/** Lines after the last one the person saw, not counting their own (for a tab's badge). */
export function countUnread<T extends Line>(feed: readonly T[], seenKey: string | null, isMine: (line: T) => boolean): number {
  return feed.filter((m) => (seenKey === null || lineKey(m) > seenKey) && !isMine(m)).length;
}

/** The key to remember as "seen up to here" (null for an empty feed). */
export function latestKey(feed: readonly Line[]): string | null {
  const last = feed[feed.length - 1];
  return last ? lineKey(last) : null;
}

/**
 * The command id for sending `text`: the same id as an attempt of the same text whose fate we
 * never learned (timeout, lost connection), so a retry cannot post it twice; otherwise new.
 */
export function commandIdFor(unanswered: { text: string; commandId: string } | null, text: string, fresh: () => string): string {
  return unanswered && unanswered.text === text ? unanswered.commandId : fresh();
}

/** A refused send as a sentence for the person. */
export function sendErrorSentence(error: { code?: string; message?: string } | null | undefined): string {
  switch (error?.code) {
    case 'request/invalid':
      return `Messages must be 1 to ${BACKSTAGE_MAX_CHARS} characters long.`;
    case 'request/too-large':
      return 'That message is too long to send.';
    case 'request/rate-limited':
      return 'You are sending messages too fast. Wait a moment and try again.';
    case 'server/unavailable':
      return 'Your message may not have been sent: the connection dropped. Press Send again to retry.';
    default:
      return error?.message || 'Your message could not be sent. Please try again.';
  }
}

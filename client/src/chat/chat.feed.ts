import type { ChatMessage } from '@streamcat/protocol/chat';

/** How many messages a chat panel keeps; older ones scroll away for good (the server keeps them). */
export const CHAT_FEED_LIMIT = 200;

/** Adds a live message once (a resync may deliver it again) and keeps the newest `limit`. */
export function appendMessage(feed: readonly ChatMessage[], message: ChatMessage, limit = CHAT_FEED_LIMIT): ChatMessage[] {
  if (feed.some((m) => m.id === message.id)) return [...feed];
  const next = [...feed, message];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

export function removeMessage(feed: readonly ChatMessage[], messageId: string): ChatMessage[] {
  return feed.filter((m) => m.id !== messageId);
}

/**
 * After a reconnect the server's history is the truth for the span it covers (messages
 * deleted while we were away are gone from it); older scrollback beyond it is kept.
 */
export function resyncFeed(feed: readonly ChatMessage[], history: readonly ChatMessage[], limit = CHAT_FEED_LIMIT): ChatMessage[] {
  const oldest = history[0];
  const earlier = oldest ? feed.filter((m) => m.sentAt < oldest.sentAt) : [];
  const next = [...earlier, ...history];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

/** Server channel names are canonical; route params may be typed in any case. */
export function sameChannel(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** A message's time as a chat shows it beside the line: hours and minutes, in the reader's locale. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

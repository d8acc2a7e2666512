import type { ChatSanction } from '@streamcat/protocol/chat';

export interface ComposerInput {
  loggedIn: boolean;
  canChat: boolean;
  sanction: ChatSanction | null;
  /** Epoch ms before which slow mode (or the rate limit) refuses this person's next message. */
  waitUntil: number;
  now: number;
}

export type ComposerState =
  | { kind: 'login' }
  | { kind: 'sanctioned'; sentence: string }
  | { kind: 'waiting'; seconds: number }
  | { kind: 'closed' }
  | { kind: 'ready' };

/** What the send box shows: why someone cannot send, how long they must wait, or a ready box. */
export function composerState(input: ComposerInput): ComposerState {
  if (!input.loggedIn) return { kind: 'login' };
  if (input.sanction && !sanctionOver(input.sanction, input.now)) return { kind: 'sanctioned', sentence: describeSanction(input.sanction) };
  if (!input.canChat && !input.sanction) return { kind: 'closed' };
  const seconds = Math.ceil((input.waitUntil - input.now) / 1000);
  if (seconds > 0) return { kind: 'waiting', seconds };
  return { kind: 'ready' };
}

/** A time-out ends by itself; a ban only when lifted (the server pushes that). */
export function sanctionOver(sanction: ChatSanction, now: number): boolean {
  return sanction.until !== null && new Date(sanction.until).getTime() <= now;
}

export function describeSanction(sanction: ChatSanction): string {
  const where = sanction.scope === 'site' ? 'from chat on this site' : 'from this chat';
  const reason = sanction.reason.trim() ? ` Reason: ${sanction.reason.trim()}` : '';
  if (sanction.kind === 'ban') return `You are banned ${where}.${reason}`;
  const until = sanction.until ? new Date(sanction.until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : 'further notice';
  return `You are timed out ${where} until ${until}.${reason}`;
}

/** Reads `retryAfterSeconds` from a `chat/slow-mode` or `chat/rate-limited` refusal's details. */
export function retryAfterSeconds(details: readonly { path: string; message: string }[]): number {
  const value = Number(details.find((d) => d.path === 'retryAfterSeconds')?.message);
  return Number.isFinite(value) && value > 0 ? value : 1;
}

/** Rebuilds the sanction a `chat/banned` / `chat/timed-out` refusal describes in its details. */
export function sanctionFromRefusal(code: string, details: readonly { path: string; message: string }[]): ChatSanction | null {
  if (code !== 'chat/banned' && code !== 'chat/timed-out') return null;
  const field = (path: string) => details.find((d) => d.path === path)?.message;
  return {
    kind: code === 'chat/banned' ? 'ban' : 'timeout',
    scope: field('scope') === 'site' ? 'site' : 'channel',
    reason: field('reason') ?? '',
    until: field('until') ?? null,
  };
}

/** What the send box allows for this draft, measured after trimming (what is sent). */
export function draftProblem(draft: string, maxChars: number): 'empty' | 'too-long' | null {
  const text = draft.trim();
  if (!text) return 'empty';
  if (text.length > maxChars) return 'too-long';
  return null;
}

/**
 * The line under the send box: a notice from the chat first (slow mode), then why the draft
 * cannot go, then a counter as the limit nears, else the standing hint.
 */
export function composerHint(input: { draft: string; maxChars: number; notice?: string | null; hint?: string }): string {
  if (input.notice) return input.notice;
  if (draftProblem(input.draft, input.maxChars) === 'too-long') return `Messages are at most ${input.maxChars} characters.`;
  if (input.draft.length > input.maxChars - 100) return `${input.draft.trim().length} / ${input.maxChars}`;
  return input.hint ?? '';
}

/** Enter sends; Shift+Enter starts a new line; Enter that ends an IME composition only commits it. */
export function sendsOnEnter(event: { key: string; shiftKey: boolean; isComposing: boolean }): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.isComposing;
}

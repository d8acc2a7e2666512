import type { ChatSanction } from '@streamcat/protocol';
import type { ActorRole } from '../auth/authorization';
import type { SocketActor } from '../realtime/socket-actor';

/** Per sender, across every channel and node: at most this many messages per window. */
export const CHAT_RATE_MAX = 5;
export const CHAT_RATE_WINDOW_MS = 10_000;

/** An unlifted sanction row as stored (channelId null: site-wide). */
export interface SanctionRow {
  kind: 'ban' | 'timeout';
  channelId: string | null;
  reason: string;
  expiresAt: Date | null;
}

/** The actor's role on a channel: its owner is 'host'; site staff outrank ownership. */
export function channelRole(actor: SocketActor, ownerId: string): ActorRole {
  if (actor.kind === 'anonymous') return 'anonymous';
  if (actor.kind === 'guest') return 'guest';
  if (actor.role === 'admin') return 'admin';
  if (actor.role === 'moderator') return 'moderator';
  return actor.id === ownerId ? 'host' : 'viewer';
}

/** Site staff role, for commands whose target relation does not matter (the moderation panel). */
export function staffRole(actor: SocketActor): ActorRole {
  if (actor.kind === 'anonymous') return 'anonymous';
  if (actor.kind === 'guest') return 'guest';
  return actor.role === 'admin' || actor.role === 'moderator' ? actor.role : 'viewer';
}

/**
 * The sanction that decides whether someone may send, among those in force now: a ban beats a
 * time-out, site-wide beats channel, and among time-outs the one ending last. Null: none.
 */
export function strongestSanction(rows: readonly SanctionRow[], now: Date): ChatSanction | null {
  const inForce = rows.filter((r) => r.expiresAt === null || r.expiresAt.getTime() > now.getTime());
  if (inForce.length === 0) return null;
  const rank = (r: SanctionRow) => (r.kind === 'ban' ? 2 : 0) + (r.channelId === null ? 1 : 0);
  const best = [...inForce].sort(
    (a, b) => rank(b) - rank(a) || (b.expiresAt?.getTime() ?? Infinity) - (a.expiresAt?.getTime() ?? Infinity),
  )[0];
  return {
    kind: best.kind,
    scope: best.channelId === null ? 'site' : 'channel',
    reason: best.reason,
    until: best.kind === 'ban' || !best.expiresAt ? null : best.expiresAt.toISOString(),
  };
}

export type SendRefusal =
  | { code: 'chat/banned' | 'chat/timed-out'; sanction: ChatSanction }
  | { code: 'chat/rate-limited'; retryAfterMs: number }
  | { code: 'chat/slow-mode'; retryAfterMs: number };

/**
 * Whether a message may be sent now. `recentSends`: the sender's send times in the last rate
 * window on any channel; `lastHere`: their last message in this channel. Owners and staff
 * are exempt from slow mode, not from the rate limit.
 */
export function decideSend(input: {
  sanction: ChatSanction | null;
  recentSends: readonly Date[];
  lastHere: Date | null;
  slowModeSeconds: number;
  exemptFromSlowMode: boolean;
  now: Date;
}): SendRefusal | null {
  const { sanction, now } = input;
  if (sanction) return { code: sanction.kind === 'ban' ? 'chat/banned' : 'chat/timed-out', sanction };
  const inWindow = input.recentSends
    .map((d) => d.getTime())
    .filter((t) => now.getTime() - t < CHAT_RATE_WINDOW_MS)
    .sort((a, b) => a - b);
  if (inWindow.length >= CHAT_RATE_MAX) {
    const oldestCounted = inWindow[inWindow.length - CHAT_RATE_MAX];
    return { code: 'chat/rate-limited', retryAfterMs: Math.max(1, oldestCounted + CHAT_RATE_WINDOW_MS - now.getTime()) };
  }
  if (!input.exemptFromSlowMode && input.slowModeSeconds > 0 && input.lastHere) {
    const wait = input.lastHere.getTime() + input.slowModeSeconds * 1000 - now.getTime();
    if (wait > 0) return { code: 'chat/slow-mode', retryAfterMs: wait };
  }
  return null;
}

/** Who can never be timed out or banned in a channel: its owner and site staff. */
export function canBeSanctioned(target: { id: string; role: string }, ownerId: string | null): boolean {
  if (target.role === 'moderator' || target.role === 'admin') return false;
  return target.id !== ownerId;
}

import type { ChatSanction, SessionEndReason } from '@streamcat/protocol';
import type { UserRole } from '../users/user.entity';

/**
 * What an open socket of a logged-in user was told about its owner, at the handshake and at
 * later checks. (Invite-link guests hold a short stage-scoped pass that no row can revoke; a
 * removal closes their socket through the studio.)
 */
export interface HeldIdentity {
  role: UserRole;
  /** When its login token expires (ms since epoch). */
  expiresAt: number;
  /** Signature of the site-wide chat sanction last seen; undefined until first read. */
  siteSanction?: string | null;
}

/** The user's row as it is now; null when the account no longer exists. */
export interface CurrentIdentity {
  role: UserRole;
  siteSanction: ChatSanction | null;
}

export type IdentityDecision =
  | { kind: 'keep' }
  /** Tell the client why, then close: every room and right it earned under the old identity goes with it. */
  | { kind: 'end'; reason: SessionEndReason }
  /** Stay connected; remember the new sanction and, when it changed since last seen, tell the client. */
  | { kind: 'sanction'; sanction: ChatSanction | null; signature: string | null; notify: boolean };

export const END_MESSAGES: Readonly<Record<SessionEndReason, string>> = {
  'session-expired': 'Your session has expired. Please log in again.',
  'account-deleted': 'This account no longer exists.',
  'role-changed': 'Your role on this site changed. Reconnecting…',
};

export function sanctionSignature(s: ChatSanction | null): string | null {
  return s ? `${s.kind}|${s.until ?? ''}|${s.reason}` : null;
}

/**
 * What to do with an open socket given what it holds and the account's row now. Any role
 * change ends the socket (the client reconnects at once with the same login): rooms joined
 * under the old role (the moderation panel, studios watched as staff) are not each tracked,
 * so only a fresh handshake drops them all. A site-wide sanction keeps the socket (watching is
 * still allowed) but the client is told; sends are refused by chat's own check in any case.
 */
export function decideIdentity(held: HeldIdentity, current: CurrentIdentity | null, now: number): IdentityDecision {
  if (now >= held.expiresAt) return { kind: 'end', reason: 'session-expired' };
  if (!current) return { kind: 'end', reason: 'account-deleted' };
  if (current.role !== held.role) return { kind: 'end', reason: 'role-changed' };
  const signature = sanctionSignature(current.siteSanction);
  if (signature === held.siteSanction) return { kind: 'keep' };
  return { kind: 'sanction', sanction: current.siteSanction, signature, notify: held.siteSanction !== undefined };
}

import type { ErrorCode } from '@streamcat/protocol';

/** Why an invite link cannot be used now, or null when it can. */
export function linkRefusal(
  link: { revokedAt: Date | null; expiresAt: Date; uses: number; maxUses: number },
  now: Date,
): Extract<ErrorCode, `invite/${string}`> | null {
  if (link.revokedAt) return 'invite/revoked';
  if (link.expiresAt.getTime() <= now.getTime()) return 'invite/expired';
  if (link.uses >= link.maxUses) return 'invite/used-up';
  return null;
}

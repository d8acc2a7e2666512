import type { InviteLinkSummary } from '@streamcat/protocol/studio';

export type InviteLinkState = 'open' | 'used-up' | 'expired' | 'revoked' | 'gone';

/** Where an invite link stands now, from the studio document's summary of it (absent: no longer listed). */
export function inviteLinkState(link: InviteLinkSummary | undefined, now: number): InviteLinkState {
  if (!link) return 'gone';
  if (link.revoked) return 'revoked';
  if (link.uses >= link.maxUses) return 'used-up';
  if (Date.parse(link.expiresAt) <= now) return 'expired';
  return 'open';
}

const people = (n: number) => `${n} ${n === 1 ? 'person' : 'people'}`;

/**
 * How the link just made is presented: its address only while it still lets someone in (it is
 * shown once, so a host copies it before anyone uses it); afterwards what became of it.
 */
export function createdLinkView(
  link: InviteLinkSummary | undefined,
  now: number,
): { state: InviteLinkState; showAddress: boolean; label: string } {
  const state = inviteLinkState(link, now);
  switch (state) {
    case 'open':
      return {
        state,
        showAddress: true,
        label:
          link!.uses === 0
            ? 'New invite link (shown once)'
            : `Invite link · used by ${people(link!.uses)}, ${link!.maxUses - link!.uses} left (shown once)`,
      };
    case 'used-up':
      return {
        state,
        showAddress: false,
        label:
          link!.maxUses === 1
            ? 'Your single-use invite link has been used. Create a new link to invite someone else.'
            : `Your invite link has been used by ${people(link!.uses)}, as many as allowed. Create a new link to invite more.`,
      };
    case 'expired':
      return { state, showAddress: false, label: 'Your invite link has expired. Create a new link to invite someone.' };
    case 'revoked':
    case 'gone':
      return { state, showAddress: false, label: 'Your invite link was revoked.' };
  }
}

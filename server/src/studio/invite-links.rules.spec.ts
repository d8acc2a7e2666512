import { linkRefusal } from './invite-links.rules';

describe('linkRefusal', () => {
  const now = new Date('2026-11-20T18:00:00Z');
  const link = { revokedAt: null, expiresAt: new Date(now.getTime() + 60_000), uses: 1, maxUses: 2 };

  it('lets a link in time, with uses left and not withdrawn be used', () => {
    expect(linkRefusal(link, now)).toBeNull();
  });

  it('refuses a withdrawn link first, then an expired one (its last instant included), then a used-up one', () => {
    expect(linkRefusal({ ...link, revokedAt: now, expiresAt: now, uses: 2 }, now)).toBe('invite/revoked');
    expect(linkRefusal({ ...link, expiresAt: now, uses: 2 }, now)).toBe('invite/expired');
    expect(linkRefusal({ ...link, uses: 2 }, now)).toBe('invite/used-up');
  });
});

import { describe, expect, test } from '@jest/globals';
import type { InviteLinkSummary } from '@streamcat/protocol/studio';
import { createdLinkView, inviteLinkState } from './invite-link.state';

const NOW = Date.parse('2026-12-04T03:00:00Z');
const link = (o: Partial<InviteLinkSummary> = {}): InviteLinkSummary => ({
  id: 'l1',
  maxUses: 1,
  uses: 0,
  expiresAt: '2026-12-04T04:00:00Z',
  revoked: false,
  createdBy: 'host',
  ...o,
});

describe('invite link state', () => {
  test('a fresh link is open and shows its address as new', () => {
    expect(inviteLinkState(link(), NOW)).toBe('open');
    expect(createdLinkView(link(), NOW)).toEqual({ state: 'open', showAddress: true, label: 'New invite link (shown once)' });
  });

  test('a used single-use link no longer reads as new and hides its address', () => {
    const view = createdLinkView(link({ uses: 1 }), NOW);
    expect(view.state).toBe('used-up');
    expect(view.showAddress).toBe(false);
    expect(view.label).toMatch(/single-use invite link has been used/);
    expect(view.label).not.toMatch(/new invite link/i);
  });

  test('a shared link counts its uses while places are left', () => {
    expect(createdLinkView(link({ maxUses: 5, uses: 2 }), NOW).label).toBe('Invite link · used by 2 people, 3 left (shown once)');
    expect(createdLinkView(link({ maxUses: 5, uses: 5 }), NOW).label).toMatch(/used by 5 people, as many as allowed/);
  });

  test('expired, revoked and vanished links say so; revoked wins over used up', () => {
    expect(inviteLinkState(link({ expiresAt: '2026-12-04T03:00:00Z' }), NOW)).toBe('expired');
    expect(inviteLinkState(link({ revoked: true, uses: 1 }), NOW)).toBe('revoked');
    expect(inviteLinkState(undefined, NOW)).toBe('gone');
    expect(createdLinkView(undefined, NOW).showAddress).toBe(false);
  });
});

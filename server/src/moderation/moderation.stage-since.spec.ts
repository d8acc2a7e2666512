import { describe, expect, it } from '@jest/globals';
import { initialStudioDocument, type StudioDocument } from '@streamcat/protocol';
import { stageSince } from './moderation.stage-since';

const base = (): StudioDocument =>
  initialStudioDocument({ stageId: 's1', stageName: 'alice', ownerId: 'alice', ownerName: 'alice', now: new Date('2026-12-04T01:00:00Z') });
const guest = (id: string, joinedAt: string) => ({
  ...base().members[0]!,
  id,
  userId: null,
  kind: 'guest' as const,
  role: 'guest' as const,
  joinedAt,
});

describe('since when a studio is on the moderation board', () => {
  it('a studio in use only because guests are in it dates from the first guest, not the last broadcast', () => {
    const doc = base();
    doc.members.push(guest('g2', '2026-12-04T03:05:00Z'), guest('g1', '2026-12-04T03:01:00Z'));
    expect(stageSince(doc)).toBe('2026-12-04T03:01:00Z');
  });

  it('open real-time viewing, then a running broadcast, give their own start', () => {
    const doc = base();
    doc.members.push(guest('g1', '2026-12-04T03:01:00Z'));
    doc.live.broadcast = { state: 'live', since: '2026-12-04T02:00:00Z' };
    expect(stageSince(doc)).toBe('2026-12-04T02:00:00Z');
    doc.live.realtime = { state: 'open', since: '2026-12-04T02:30:00Z' };
    expect(stageSince(doc)).toBe('2026-12-04T02:30:00Z');
  });
});

import { initialStudioDocument, StudioDocument } from './studio';

describe('initialStudioDocument', () => {
  const now = new Date('2026-11-20T18:00:00Z');
  const doc = initialStudioDocument({ stageId: 'st-1', stageName: 'alice', ownerId: 'u-alice', ownerName: 'alice', now });

  it('is a document the shared schema accepts, so server and clients read it alike', () => {
    expect(StudioDocument.safeParse(doc).success).toBe(true);
  });

  it('seats only the owner, as host, backstage; nothing live since `now`', () => {
    expect(doc.members).toEqual([expect.objectContaining({ id: 'u-alice', kind: 'user', role: 'host', status: 'backstage' })]);
    expect([doc.invites, doc.greenRoom, doc.links, doc.removed]).toEqual([[], [], [], []]);
    expect(doc.live).toEqual({
      broadcast: { state: 'offline', since: now.toISOString() },
      realtime: { state: 'closed', since: now.toISOString() },
    });
  });
});

import { initialStudioDocument, publishesToShowStage, showStageNeeded, StudioDocument } from './studio';

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

describe('showStageNeeded / publishesToShowStage', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const doc = (realtime: 'open' | 'closed', ownerStatus: 'on-air' | 'backstage'): StudioDocument => {
    const d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'u', ownerName: 'alice', now });
    d.members[0].status = ownerStatus;
    d.live.realtime = { state: realtime, since: now.toISOString() };
    return d;
  };

  it('publishes to the show stage only while on air and someone watches it', () => {
    expect(showStageNeeded(doc('open', 'backstage'))).toBe(true);
    expect(showStageNeeded(doc('closed', 'on-air'))).toBe(false);
    expect(publishesToShowStage(doc('open', 'on-air'), 'u')).toBe(true);
    expect(publishesToShowStage(doc('open', 'backstage'), 'u')).toBe(false);
    expect(publishesToShowStage(doc('closed', 'on-air'), 'u')).toBe(false);
    expect(publishesToShowStage(doc('open', 'on-air'), 'someone-else')).toBe(false);
  });
});

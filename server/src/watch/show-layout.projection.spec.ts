import { initialStudioDocument, type StudioDocument, type StudioMember } from '@streamcat/protocol';
import { ShowLayout } from '@streamcat/protocol';
import { showProjection } from './show-layout.projection';

const NOW = new Date('2026-12-01T10:00:00Z');

function member(id: string, displayName: string, status: StudioMember['status'], extra: Partial<StudioMember> = {}): StudioMember {
  return {
    id,
    kind: 'user',
    userId: id,
    linkId: null,
    displayName,
    role: 'guest',
    status,
    handRaised: false,
    mutedInProgramme: false,
    joinedAt: NOW.toISOString(),
    ...extra,
  };
}

/** Host A and B on air (B first), C backstage; real-time viewing open. */
function studio(change: (doc: StudioDocument) => void = () => undefined): StudioDocument {
  const doc = initialStudioDocument({ stageId: 's1', stageName: 'alice', ownerId: 'a', ownerName: 'Alice', now: NOW });
  doc.members = [
    member('a', 'Alice', 'on-air', { role: 'host' }),
    member('b', 'Bob', 'on-air', { mutedInProgramme: true }),
    member('c', 'Carol Backstage', 'backstage'),
  ];
  doc.layout.order = ['b', 'a'];
  doc.layout.name = 'spotlight';
  doc.layout.featuredId = 'a';
  doc.layout.banner = { text: 'Welcome to the show', visible: true };
  doc.invites = [
    { id: 'i1', userId: 'd', username: 'dave', role: 'guest', invitedBy: 'a', createdAt: NOW.toISOString(), expiresAt: NOW.toISOString() },
  ];
  doc.greenRoom = [
    { guestId: 'g1', displayName: 'Gina Waiting', linkId: 'l1', requestedAt: NOW.toISOString(), expiresAt: NOW.toISOString() },
  ];
  doc.live.realtime = { state: 'open', since: NOW.toISOString() };
  change(doc);
  return doc;
}

describe('showProjection', () => {
  it('gives the on-air members in programme order with name, mute and the programme look', () => {
    const show = showProjection(studio());
    expect(show).toEqual({
      layout: 'spotlight',
      members: [
        { id: 'b', displayName: 'Bob', muted: true },
        { id: 'a', displayName: 'Alice', muted: false },
      ],
      featuredId: 'a',
      screenShareId: null,
      nameTags: true,
      banner: { text: 'Welcome to the show', visible: true },
      background: { kind: 'colour', colour: '#101418' },
    });
    expect(ShowLayout.safeParse(show).success).toBe(true);
  });

  it('carries nothing of backstage: no backstage member, invitee, green-room guest or link', () => {
    const text = JSON.stringify(showProjection(studio()));
    for (const secret of ['Carol', '"c"', 'dave', 'Gina', 'g1', 'l1', 'i1']) expect(text).not.toContain(secret);
  });

  it('leaves out a member named in the order but not on air, and a featured or screen-share member off air', () => {
    const show = showProjection(
      studio((d) => {
        d.layout.order = ['c', 'b', 'a'];
        d.layout.featuredId = 'c';
        d.layout.screenShareId = 'c';
      }),
    );
    expect(show?.members.map((m) => m.id)).toEqual(['b', 'a']);
    expect(show?.featuredId).toBeNull();
    expect(show?.screenShareId).toBeNull();
  });

  it('keeps a banner the host prepares but has not shown to themselves', () => {
    const show = showProjection(studio((d) => (d.layout.banner = { text: 'Surprise guest next', visible: false })));
    expect(show?.banner).toEqual({ text: '', visible: false });
  });

  it('is null while nothing is public, and present while broadcasting even with real-time viewing closed', () => {
    expect(showProjection(studio((d) => (d.live.realtime = { state: 'closed', since: NOW.toISOString() })))).toBeNull();
    const broadcasting = studio((d) => {
      d.live.realtime = { state: 'closed', since: NOW.toISOString() };
      d.live.broadcast = { state: 'live', since: NOW.toISOString() };
    });
    expect(showProjection(broadcasting)?.members).toHaveLength(2);
  });

  it('never gives more tiles than a stage has publishers, each member once', () => {
    const show = showProjection(
      studio((d) => {
        d.members = Array.from({ length: 14 }, (_, i) => member(`m${i}`, `M${i}`, 'on-air'));
        d.layout.order = [...d.members.map((m) => m.id), 'm0'];
      }),
    );
    expect(show?.members.map((m) => m.id)).toEqual(Array.from({ length: 12 }, (_, i) => `m${i}`));
    expect(ShowLayout.safeParse(show).success).toBe(true);
  });

  it('shows the audience the card on screen and member volumes, never the other cards or the go-live plan', () => {
    const show = showProjection(
      studio((d) => {
        d.members[0].programmeVolume = 30;
        d.layout.scene = {
          active: 'starting',
          cards: {
            starting: { title: 'Starting soon', subtitle: 'Episode 4' },
            brb: { title: 'Secret break text', subtitle: '' },
            ending: { title: 'Bye', subtitle: '' },
          },
          countdown: { at: '2026-12-01T10:10:00.000Z', goLive: true },
          cardAudio: false,
        };
      }),
    );
    expect(show?.scene).toEqual({
      active: 'starting',
      title: 'Starting soon',
      subtitle: 'Episode 4',
      countdownAt: '2026-12-01T10:10:00.000Z',
      cardAudio: false,
    });
    expect(JSON.stringify(show)).not.toContain('Secret break text');
    expect(show?.members.find((m) => m.id === 'a')?.volume).toBe(30);
    expect(ShowLayout.safeParse(show).success).toBe(true);
    // Documents from before scenes give no scene at all.
    expect(showProjection(studio())).not.toHaveProperty('scene');
  });

  it('carries the comment on screen by author name and text, never the author’s account id', () => {
    const show = showProjection(
      studio((d) => {
        d.layout.comment = {
          messageId: 'm1',
          author: { id: 'u-vera', username: 'vera' },
          text: 'Hi!',
          shownBy: 'a',
          shownAt: NOW.toISOString(),
        };
      }),
    );
    expect(show?.comment).toEqual({ messageId: 'm1', author: { username: 'vera' }, text: 'Hi!' });
    expect(JSON.stringify(show)).not.toContain('u-vera');
    expect(ShowLayout.safeParse(show).success).toBe(true);
    expect(showProjection(studio())).not.toHaveProperty('comment');
  });
});

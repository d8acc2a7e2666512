import { initialStudioDocument, type StudioDocument, type StudioMember } from '@streamcat/protocol';
import { joinedTheShow, leftTheAir, showSeat } from './show-stage.rules';

const now = new Date('2026-12-01T12:00:00Z');

function member(id: string, kind: 'user' | 'guest', status: StudioMember['status']): StudioMember {
  return {
    id,
    kind,
    userId: kind === 'user' ? id : null,
    linkId: kind === 'guest' ? 'L' : null,
    displayName: id,
    role: 'guest',
    status,
    handRaised: false,
    mutedInProgramme: false,
    joinedAt: now.toISOString(),
  };
}

/** Host `owner` backstage, user `b` on air, guest `g` on air, user `c` backstage, `gone` removed; real-time as asked. */
function studio(realtime: 'open' | 'closed'): StudioDocument {
  const d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
  d.members.push(member('b', 'user', 'on-air'), member('g', 'guest', 'on-air'), member('c', 'user', 'backstage'));
  d.removed.push({ id: 'gone', kind: 'user', at: now.toISOString() });
  d.live.realtime = { state: realtime, since: now.toISOString() };
  return d;
}

describe('showSeat: who may publish to the show stage', () => {
  it('gives an on-air member their seat while real-time viewing is open', () => {
    expect(showSeat(studio('open'), { kind: 'user', userId: 'b' })).toEqual({ seat: expect.objectContaining({ id: 'b' }) });
    expect(showSeat(studio('open'), { kind: 'guest', guestId: 'g', stageId: 'st' })).toEqual({
      seat: expect.objectContaining({ id: 'g' }),
    });
  });

  it('refuses a member backstage, and anyone while nobody watches the show stage', () => {
    expect(showSeat(studio('open'), { kind: 'user', userId: 'c' })).toEqual({ refused: 'stage/not-on-air' });
    expect(showSeat(studio('open'), { kind: 'user', userId: 'owner' })).toEqual({ refused: 'stage/not-on-air' });
    expect(showSeat(studio('closed'), { kind: 'user', userId: 'b' })).toEqual({ refused: 'stage/show-not-needed' });
  });

  it('refuses strangers, removed people and a guest of another stage', () => {
    expect(showSeat(studio('open'), { kind: 'user', userId: 'stranger' })).toEqual({ refused: 'auth/forbidden' });
    expect(showSeat(studio('open'), { kind: 'user', userId: 'gone' })).toEqual({ refused: 'studio/removed' });
    expect(showSeat(studio('open'), { kind: 'guest', guestId: 'g', stageId: 'other' })).toEqual({ refused: 'auth/forbidden' });
    // A user id that happens to equal a guest id is not that guest.
    expect(showSeat(studio('open'), { kind: 'user', userId: 'g' })).toEqual({ refused: 'auth/forbidden' });
  });
});

describe('leftTheAir', () => {
  it('lists members on air before and not after, gone ones included', () => {
    const before = studio('open');
    const after = structuredClone(before);
    after.members.find((m) => m.id === 'c')!.status = 'on-air';
    expect(leftTheAir(before, after)).toEqual([]);
    after.members.find((m) => m.id === 'b')!.status = 'backstage';
    expect(leftTheAir(before, after).map((m) => m.id)).toEqual(['b']);
    // `g` was on air and is no longer in the studio.
    const removedOnAir = structuredClone(before);
    removedOnAir.members = removedOnAir.members.filter((m) => m.id !== 'g');
    expect(leftTheAir(before, removedOnAir).map((m) => m.id)).toEqual(['g']);
  });
});

describe('joinedTheShow', () => {
  it('lists members who publish to the show stage after a change and did not before', () => {
    const closed = studio('closed');
    // Real-time viewing opens: everyone on air starts publishing there.
    expect(joinedTheShow(closed, studio('open')).map((m) => m.id)).toEqual(['b', 'g']);
    const before = studio('open');
    const after = structuredClone(before);
    after.members.find((m) => m.id === 'c')!.status = 'on-air';
    expect(joinedTheShow(before, after).map((m) => m.id)).toEqual(['c']);
    // Nobody watches: going on air publishes nowhere, so no token either.
    const quiet = structuredClone(closed);
    quiet.members.find((m) => m.id === 'c')!.status = 'on-air';
    expect(joinedTheShow(closed, quiet)).toEqual([]);
    expect(joinedTheShow(before, before)).toEqual([]);
  });
});

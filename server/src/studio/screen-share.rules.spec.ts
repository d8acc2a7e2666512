import { initialStudioDocument, type StudioDocument, type StudioMember } from '@streamcat/protocol';
import { screenSeat } from './screen-share.rules';

const now = new Date('2026-12-01T12:00:00Z');

function member(id: string, kind: 'user' | 'guest', status: StudioMember['status'], screenShare?: boolean): StudioMember {
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
    ...(screenShare === undefined ? {} : { screenShare }),
  };
}

/** `b` on air sharing, `g` (guest) backstage sharing, `c` on air not sharing, `gone` removed. */
function studio(realtime: 'open' | 'closed'): StudioDocument {
  const d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
  d.members.push(member('b', 'user', 'on-air', true), member('g', 'guest', 'backstage', true), member('c', 'user', 'on-air'));
  d.removed.push({ id: 'gone', kind: 'user', at: now.toISOString() });
  d.live.realtime = { state: realtime, since: now.toISOString() };
  return d;
}

describe('screenSeat: who may publish a screen share', () => {
  it('gives a member whose share is declared a studio-stage screen seat, on air or not', () => {
    expect(screenSeat(studio('closed'), { kind: 'user', userId: 'b' }, 'studio')).toEqual({ seat: expect.objectContaining({ id: 'b' }) });
    expect(screenSeat(studio('closed'), { kind: 'guest', guestId: 'g', stageId: 'st' }, 'studio')).toEqual({
      seat: expect.objectContaining({ id: 'g' }),
    });
  });

  it('refuses a member whose share is not declared, strangers, removed members and guests of another stage', () => {
    expect(screenSeat(studio('open'), { kind: 'user', userId: 'c' }, 'studio')).toEqual({ refused: 'stage/not-sharing' });
    expect(screenSeat(studio('open'), { kind: 'user', userId: 'eve' }, 'studio')).toEqual({ refused: 'auth/forbidden' });
    expect(screenSeat(studio('open'), { kind: 'user', userId: 'gone' }, 'studio')).toEqual({ refused: 'studio/removed' });
    expect(screenSeat(studio('open'), { kind: 'guest', guestId: 'g', stageId: 'other' }, 'studio')).toEqual({ refused: 'auth/forbidden' });
  });

  it('on the show stage, only a sharing member on air while the show stage is needed', () => {
    expect(screenSeat(studio('open'), { kind: 'user', userId: 'b' }, 'show')).toEqual({ seat: expect.objectContaining({ id: 'b' }) });
    expect(screenSeat(studio('open'), { kind: 'guest', guestId: 'g', stageId: 'st' }, 'show')).toEqual({ refused: 'stage/not-on-air' });
    expect(screenSeat(studio('closed'), { kind: 'user', userId: 'b' }, 'show')).toEqual({ refused: 'stage/show-not-needed' });
    expect(screenSeat(studio('open'), { kind: 'user', userId: 'c' }, 'show')).toEqual({ refused: 'stage/not-sharing' });
  });

  it('refuses a member seated without a camera (the studio was full), even with a share flag', () => {
    const d = studio('open');
    for (let i = 0; i < 12; i++) d.members.push(member(`x${i}`, 'user', 'backstage'));
    d.members.push(member('late', 'user', 'backstage', true));
    expect(screenSeat(d, { kind: 'user', userId: 'late' }, 'studio')).toEqual({ refused: 'studio/full' });
  });
});

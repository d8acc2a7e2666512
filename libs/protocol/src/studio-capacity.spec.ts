import { MAX_ON_AIR } from '@streamcat/layouts';
import { ERRORS, initialStudioDocument, type StudioDocument, type StudioMember } from './index';
import {
  decideSeat,
  mayGoOnAir,
  mayShareScreen,
  publisherIds,
  screenShareCount,
  STAGE_PUBLISHER_CAPACITY,
  stageCapabilities,
  SUBSCRIBE_ONLY_SEATS,
} from './studio-capacity';

const now = new Date('2026-12-01T12:00:00Z');

function seat(id: string, role: StudioMember['role'] = 'guest'): StudioMember {
  return {
    id,
    kind: 'user',
    userId: id,
    linkId: null,
    displayName: id,
    role,
    status: 'backstage',
    handRaised: false,
    mutedInProgramme: false,
    joinedAt: now.toISOString(),
  };
}

/** The owner plus `others` seated members, named m1, m2, … in seat order. */
function studioWith(others: number): StudioDocument {
  const d = initialStudioDocument({ stageId: 'st', stageName: 'alice', ownerId: 'owner', ownerName: 'alice', now });
  for (let i = 1; i <= others; i++) d.members.push(seat(`m${i}`));
  return d;
}

describe('studio capacity: who may take a seat and publish', () => {
  it('matches the IVS publisher quota, and everyone the programme can draw has a publisher seat', () => {
    expect(STAGE_PUBLISHER_CAPACITY).toBe(12);
    expect(MAX_ON_AIR).toBeLessThanOrEqual(STAGE_PUBLISHER_CAPACITY);
  });

  it('seats guests and co-hosts as publishers while fewer than 12 are seated', () => {
    expect(decideSeat(studioWith(0), 'guest')).toEqual({ ok: true, publishes: true });
    // The 12th person (owner + 10 seated + this one) still publishes.
    expect(decideSeat(studioWith(10), 'guest')).toEqual({ ok: true, publishes: true });
    expect(decideSeat(studioWith(10), 'cohost')).toEqual({ ok: true, publishes: true });
  });

  it('refuses a 13th guest with a sentence that says the studio is full', () => {
    const decision = decideSeat(studioWith(11), 'guest');
    expect(decision).toEqual({ ok: false, code: 'studio/full', message: expect.stringMatching(/^This studio is full: 12 people/) });
    expect(ERRORS['studio/full'].message).toMatch(/^This studio is full/);
  });

  it('seats a co-host beyond 12 without a camera, up to the camera-less seats', () => {
    expect(decideSeat(studioWith(11), 'cohost')).toEqual({ ok: true, publishes: false });
    expect(decideSeat(studioWith(11 + SUBSCRIBE_ONLY_SEATS - 1), 'cohost')).toEqual({ ok: true, publishes: false });
    expect(decideSeat(studioWith(11 + SUBSCRIBE_ONLY_SEATS), 'cohost')).toMatchObject({ ok: false, code: 'studio/full' });
  });

  it('gives publisher seats to the owner and then in seat order', () => {
    const d = studioWith(13);
    // The owner publishes wherever the document lists them.
    d.members.push(d.members.shift()!);
    const ids = publisherIds(d);
    expect(ids.size).toBe(12);
    expect(ids.has('owner')).toBe(true);
    expect([...ids].filter((id) => id !== 'owner')).toEqual(Array.from({ length: 11 }, (_, i) => `m${i + 1}`));
    expect(stageCapabilities(d, 'm11')).toEqual(['PUBLISH', 'SUBSCRIBE']);
    expect(stageCapabilities(d, 'm12')).toEqual(['SUBSCRIBE']);
    expect(stageCapabilities(d, 'owner')).toEqual(['PUBLISH', 'SUBSCRIBE']);
  });

  it('hands a freed publisher seat to the longest-seated camera-less member', () => {
    const d = studioWith(13);
    expect(stageCapabilities(d, 'm12')).toEqual(['SUBSCRIBE']);
    d.members = d.members.filter((m) => m.id !== 'm3');
    expect(stageCapabilities(d, 'm12')).toEqual(['PUBLISH', 'SUBSCRIBE']);
    expect(stageCapabilities(d, 'm13')).toEqual(['SUBSCRIBE']);
  });

  it('keeps a camera-less member off air, naming them', () => {
    const d = studioWith(12);
    expect(mayGoOnAir(d, 'm11')).toEqual({ ok: true, publishes: true });
    expect(mayGoOnAir(d, 'm12')).toEqual({
      ok: false,
      code: 'studio/full',
      message: expect.stringMatching(/^m12 joined when the studio was full/),
    });
  });

  it('honours a smaller capacity (an emulator configured with fewer publishers)', () => {
    expect(decideSeat(studioWith(1), 'guest', 2)).toMatchObject({
      ok: false,
      code: 'studio/full',
      message: expect.stringContaining('2 people'),
    });
    expect(publisherIds(studioWith(3), 2)).toEqual(new Set(['owner', 'm1']));
  });
});

describe('studio capacity: a screen shared alongside the camera takes a publisher seat', () => {
  const sharing = (d: StudioDocument, ...ids: string[]) => {
    for (const m of d.members) if (ids.includes(m.id)) m.screenShare = true;
    return d;
  };

  it('lets a member with a camera seat share while a seat is free, and counts the screen', () => {
    const d = studioWith(10); // 11 publishers, 1 seat free
    expect(mayShareScreen(d, 'm3')).toEqual({ ok: true, publishes: true });
    sharing(d, 'm3');
    expect(screenShareCount(d)).toBe(1);
    // The screen took the twelfth seat: nobody else may share, and a new guest is told the studio is full.
    expect(mayShareScreen(d, 'm4')).toMatchObject({ ok: false, code: 'studio/full' });
    expect(decideSeat(d, 'guest')).toMatchObject({ ok: false, code: 'studio/full' });
    // Sharing again changes nothing.
    expect(mayShareScreen(d, 'm3')).toEqual({ ok: true, publishes: true });
  });

  it('refuses a share when the cameras already hold all twelve seats, and to a member without a camera seat', () => {
    const full = studioWith(11);
    expect(mayShareScreen(full, 'owner')).toMatchObject({ ok: false, code: 'studio/full' });
    full.members.push({ ...seat('late', 'cohost') });
    expect(stageCapabilities(full, 'late')).toEqual(['SUBSCRIBE']);
    expect(mayShareScreen(full, 'late').ok).toBe(false);
    expect(mayShareScreen(full, 'nobody').ok).toBe(false);
  });

  it('a co-host seated while a screen holds the twelfth seat stays camera-less, and gets the seat when the share stops', () => {
    const d = sharing(studioWith(10), 'm1');
    expect(decideSeat(d, 'cohost')).toEqual({ ok: true, publishes: false });
    d.members.push(seat('co', 'cohost'));
    expect(publisherIds(d).size + screenShareCount(d)).toBe(STAGE_PUBLISHER_CAPACITY);
    expect(stageCapabilities(d, 'co')).toEqual(['SUBSCRIBE']);
    expect(stageCapabilities(d, 'm1')).toEqual(['PUBLISH', 'SUBSCRIBE']);
    d.members.find((m) => m.id === 'm1')!.screenShare = false;
    expect(stageCapabilities(d, 'co')).toEqual(['PUBLISH', 'SUBSCRIBE']);
  });
});

import { describe, expect, it } from '@jest/globals';
import { computeSlots } from '@streamcat/layouts';
import type { ShowLayout } from '@streamcat/protocol';
import { planProgramme } from '../media/compositor.plan';
import { describeShow, isOnAir, programmeOf, replaces, screensOf, sourcesOf, type SeenParticipant } from './show-stage';

/** Bob then Alice on air in side-by-side, Alice muted in programme, a banner up. */
const show: ShowLayout = {
  layout: 'side-by-side',
  members: [
    { id: 'bob', displayName: 'Bob', muted: false },
    { id: 'alice', displayName: 'Alice', muted: true },
  ],
  featuredId: null,
  screenShareId: null,
  nameTags: true,
  banner: { text: 'Live from Lyon', visible: true },
  background: { kind: 'colour', colour: '#204060' },
};

describe('programmeOf', () => {
  it('gives the compositor the studio’s geometry, order, name tags, banner and programme mutes', () => {
    const canvas = { width: 1280, height: 720 };
    const plan = planProgramme(programmeOf(show), canvas);
    const slots = computeSlots({ layout: 'side-by-side', members: ['bob', 'alice'], canvas });
    expect(plan.draw.map((d) => [d.memberId, d.slot])).toEqual(slots.map((s) => [s.id, s]));
    // Programme order decides the pair: Bob on the left.
    const [left, right] = plan.draw.map((d) => d.slot.x);
    expect(left).toBeLessThan(right ?? 0);
    expect(plan.draw.map((d) => d.nameTag)).toEqual(['Bob', 'Alice']);
    expect(plan.banner).toBe('Live from Lyon');
    expect([...plan.audible]).toEqual(['bob']);
  });

  it('draws the card on screen instead of the tiles, with the countdown, and mixes at the members’ volumes', () => {
    const at = '2026-12-04T18:00:00.000Z';
    const spec = programmeOf({
      ...show,
      members: [{ id: 'bob', displayName: 'Bob', muted: false, volume: 25 }, show.members[1]!],
      scene: { active: 'starting', title: 'Soon', subtitle: 'Lyon', countdownAt: at, cardAudio: true },
    });
    const plan = planProgramme(spec, { width: 1280, height: 720 });
    expect(plan.draw).toEqual([]);
    expect(plan.card).toEqual({ name: 'starting', title: 'Soon', subtitle: 'Lyon', countdownAt: Date.parse(at), accent: '#f0561f' });
    expect([...plan.gains]).toEqual([['bob', 0.25]]);
  });

  it('draws no name tag when the studio hides them', () => {
    const plan = planProgramme(programmeOf({ ...show, nameTags: false }), { width: 1280, height: 720 });
    expect(plan.draw.map((d) => d.nameTag)).toEqual([null, null]);
  });
});

describe('sourcesOf', () => {
  it('feeds each on-air member’s tile from the participant with their user id, and nobody else', () => {
    const participants = [
      { id: 'p1', userId: 'alice' },
      { id: 'p2', userId: 'carol-backstage' },
      { id: 'p3', userId: '' },
      { id: 'p4', userId: 'bob' },
    ];
    expect(sourcesOf(show, participants)).toEqual(
      new Map([
        ['alice', 'p1'],
        ['bob', 'p4'],
      ]),
    );
    expect(isOnAir(show, 'carol-backstage')).toBe(false);
  });

  it('takes the later participant of a member who rejoined, and nothing before the show is known', () => {
    expect(
      sourcesOf(show, [
        { id: 'old', userId: 'bob' },
        { id: 'new', userId: 'bob' },
      ]).get('bob'),
    ).toBe('new');
    expect(sourcesOf(null, [{ id: 'p1', userId: 'bob' }]).size).toBe(0);
    expect(isOnAir(null, 'bob')).toBe(false);
  });
});

describe('replaces', () => {
  const at = (version: number, channel = 'alice') => ({ channel, version, show });
  it('keeps the newest snapshot whatever order replies and pushes arrive in', () => {
    expect(replaces(null, at(3))).toBe(true);
    expect(replaces(at(3), at(4))).toBe(true);
    expect(replaces(at(4), at(3))).toBe(false);
    expect(replaces(at(4), at(4))).toBe(false);
    expect(replaces(at(4, 'alice'), at(1, 'Bob'))).toBe(true);
  });
});

describe('describeShow', () => {
  it('names who is on air in order and the banner, for people who cannot see the canvas', () => {
    expect(describeShow(show)).toBe('On air: Bob, Alice. Banner: Live from Lyon');
    expect(describeShow({ ...show, members: [], banner: { text: '', visible: false } })).toBe('Nobody is on air.');
  });
});

describe('screen share on the real-time page', () => {
  const sharing: ShowLayout = { ...show, layout: 'screen-share', screenShareId: 'bob' };
  const participants: SeenParticipant[] = [
    { id: 'p1', userId: 'bob', attributes: { username: 'bob', role: 'guest' } },
    { id: 'p2', userId: 'bob', attributes: { username: 'bob', role: 'guest', 'screen-share': 'true' } },
    { id: 'p3', userId: 'alice', attributes: {} },
    { id: 'p4', userId: 'carol-backstage', attributes: { 'screen-share': 'true' } },
  ];

  it('feeds the screen tile from the participant with the screen-share attribute, the camera tile from the other', () => {
    const sources = sourcesOf(sharing, participants);
    expect(sources).toEqual(
      new Map([
        ['bob', 'p1'],
        ['screen:bob', 'p2'],
        ['alice', 'p3'],
      ]),
    );
    expect(screensOf(sharing, sources.keys())).toEqual(['bob']);
  });

  it('finds a sharer anywhere in the programme order, from the page’s live iterator of sources (read once)', () => {
    // ShowStage passes `streams.keys()`: an iterator, spent after one pass. Alice is second on air.
    const aliceShares: ShowLayout = { ...show, layout: 'screen-share', screenShareId: 'alice' };
    const streams = new Map([
      ['bob', 'p1'],
      ['alice', 'p3'],
      ['screen:alice', 'p5'],
    ]);
    expect(screensOf(aliceShares, streams.keys())).toEqual(['alice']);
    expect(screensOf({ ...aliceShares, screenShareId: 'bob' }, ['screen:bob', 'screen:alice'][Symbol.iterator]())).toEqual([
      'bob',
      'alice',
    ]);
    const plan = planProgramme(programmeOf(aliceShares, screensOf(aliceShares, streams.keys())), { width: 1280, height: 720 });
    expect(plan.draw.map((d) => d.memberId)).toEqual(['screen:alice', 'bob', 'alice']);
  });

  it('draws what the studio draws: the screen large, the sharer’s camera beside it', () => {
    const plan = planProgramme(programmeOf(sharing, screensOf(sharing, ['bob', 'screen:bob', 'alice'])), { width: 1280, height: 720 });
    expect(plan.draw.map((d) => d.memberId)).toEqual(['screen:bob', 'bob', 'alice']);
  });
});

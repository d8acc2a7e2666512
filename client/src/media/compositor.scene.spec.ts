import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CANVAS } from '@streamcat/layouts';
import { DEFAULT_BRAND } from '@streamcat/protocol/studio-brand';
import { DEFAULT_SCENE, type StudioScene } from '@streamcat/protocol/studio-scenes';
import { planProgramme, type ProgrammeSpec } from './compositor.plan';
import { activeCard, cardCountdown, cardKey, layoutCard, type CardLayout } from './compositor.scene';

// A stand-in for canvas text metrics: every character is 0.55 em wide.
const measure = (text: string, font: string) => text.length * 0.55 * Number(/(\d+)px/.exec(font)![1]);
const AT = Date.parse('2026-12-04T18:00:00.000Z');
const scene = (o: Partial<StudioScene> = {}): StudioScene => ({ ...structuredClone(DEFAULT_SCENE), ...o });
const inside = (box: { x: number; y: number; w: number; h: number }, x: number, y: number) =>
  x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;

function spec(o: Partial<ProgrammeSpec> = {}): ProgrammeSpec {
  return {
    layout: 'grid',
    order: ['a', 'b'],
    featuredId: null,
    screenShareId: null,
    nameTags: true,
    banner: { text: 'Live now', visible: true },
    background: { kind: 'colour', colour: '#102030' },
    members: [
      { id: 'a', displayName: 'Ann', mutedInProgramme: false },
      { id: 'b', displayName: 'Bob', mutedInProgramme: false, programmeVolume: 40 },
    ],
    ...o,
  };
}

describe('scene cards in the programme plan', () => {
  test('the show draws the tiles and the banner; a card replaces both, for every card', () => {
    const show = planProgramme(spec({ scene: scene() }), DEFAULT_CANVAS);
    expect(show.card).toBeNull();
    expect(show.draw.map((d) => d.memberId)).toEqual(['a', 'b']);
    expect(show.banner).toBe('Live now');
    for (const active of ['starting', 'brb', 'ending'] as const) {
      const plan = planProgramme(spec({ scene: scene({ active }) }), DEFAULT_CANVAS);
      expect(plan.draw).toEqual([]);
      expect(plan.banner).toBeNull();
      expect(plan.card).toEqual({
        name: active,
        title: DEFAULT_SCENE.cards[active].title,
        subtitle: '',
        countdownAt: null,
        accent: DEFAULT_BRAND.primary,
      });
    }
  });

  test('an older document without scene state plans the show as before', () => {
    const plan = planProgramme(spec(), DEFAULT_CANVAS);
    expect(plan.card).toBeNull();
    expect(plan.draw).toHaveLength(2);
  });

  test('the card wears the brand: its accent strip is the brand’s primary colour', () => {
    const brand = { ...DEFAULT_BRAND, primary: '#3355ff' };
    const plan = planProgramme(spec({ scene: scene({ active: 'ending' }), brand }), DEFAULT_CANVAS);
    expect(plan.card?.accent).toBe('#3355ff');
    expect(layoutCard(plan.card!, DEFAULT_CANVAS, measure).accentColour).toBe('#3355ff');
  });

  test('a card is silent unless the host keeps the sound on; members stay on air', () => {
    const silent = planProgramme(spec({ scene: scene({ active: 'brb' }) }), DEFAULT_CANVAS);
    expect([...silent.audible]).toEqual([]);
    expect([...silent.gains]).toEqual([]);
    const heard = planProgramme(spec({ scene: scene({ active: 'brb', cardAudio: true }) }), DEFAULT_CANVAS);
    expect([...heard.gains]).toEqual([
      ['a', 1],
      ['b', 0.4],
    ]);
  });

  test('the countdown belongs to the starting-soon card only', () => {
    const countdown = { at: new Date(AT).toISOString(), goLive: true };
    expect(activeCard(scene({ active: 'starting', countdown }), '#f0561f')?.countdownAt).toBe(AT);
    expect(activeCard(scene({ active: 'brb', countdown }), '#f0561f')?.countdownAt).toBeNull();
    expect(activeCard(scene({ active: 'show', countdown }), '#f0561f')).toBeNull();
  });
});

describe('programme volume in the plan', () => {
  test('each audible member gets their volume as gain; muted in programme is silent whatever the volume', () => {
    const plan = planProgramme(
      spec({
        members: [
          { id: 'a', displayName: 'Ann', mutedInProgramme: true, programmeVolume: 80 },
          { id: 'b', displayName: 'Bob', mutedInProgramme: false, programmeVolume: 0 },
        ],
      }),
      DEFAULT_CANVAS,
    );
    expect(plan.gains.get('a')).toBeUndefined();
    expect(plan.gains.get('b')).toBe(0);
    expect(planProgramme(spec(), DEFAULT_CANVAS).gains.get('a')).toBe(1);
  });
});

describe('card layout', () => {
  const starting = (o: Partial<StudioScene['cards']['starting']> = {}, at: number | null = AT) => ({
    name: 'starting' as const,
    title: 'Starting soon',
    subtitle: 'With Ann and Bob',
    countdownAt: at,
    accent: '#f0561f',
    ...o,
  });

  test('title, countdown and subtitle stack top to bottom, centred in a panel centred on the canvas', () => {
    const l = layoutCard(starting(), DEFAULT_CANVAS, measure);
    expect(l.panel.w).toBe(Math.round(DEFAULT_CANVAS.width * 0.7));
    expect(l.panel.x + l.panel.w / 2).toBeCloseTo(DEFAULT_CANVAS.width / 2, 0);
    expect(l.panel.y + l.panel.h / 2).toBeCloseTo(DEFAULT_CANVAS.height / 2, 0);
    const [t, c, s] = [l.title!, l.countdown!, l.subtitle!];
    expect(t.y).toBeLessThan(c.y);
    expect(c.y).toBeLessThan(s.y);
    for (const item of [t, c, s]) {
      expect(item.x).toBe(DEFAULT_CANVAS.width / 2);
      expect(inside(l.panel, item.x, item.y)).toBe(true);
    }
    // Sizes at 720p: title 72, countdown 120, subtitle 30.
    expect([t.size, c.size, s.size]).toEqual([72, 120, 30]);
    expect(t.text).toBe('Starting soon');
    expect(l.accent).toEqual({ x: l.panel.x, y: l.panel.y, w: l.panel.w, h: 8 });
  });

  test('without countdown or subtitle only the title is laid out', () => {
    const l: CardLayout = layoutCard(starting({ subtitle: '' }, null), DEFAULT_CANVAS, measure);
    expect(l.countdown).toBeNull();
    expect(l.subtitle).toBeNull();
    expect(l.title?.y).toBeCloseTo(l.panel.y + l.accent.h + (l.panel.h - l.accent.h) / 2, -1);
  });

  test('a long title is set smaller, then cut with an ellipsis, never wider than the panel', () => {
    const inner = layoutCard(starting(), DEFAULT_CANVAS, measure).panel.w - 2 * 30;
    const longish = layoutCard(starting({ title: 'x'.repeat(25) }), DEFAULT_CANVAS, measure).title!;
    expect(longish.size).toBeLessThan(72);
    expect(longish.text).toBe('x'.repeat(25));
    const long = layoutCard(starting({ title: 'y'.repeat(80) }), DEFAULT_CANVAS, measure).title!;
    expect(long.text.endsWith('…')).toBe(true);
    expect(measure(long.text, long.font)).toBeLessThanOrEqual(inner);
  });

  test('the layout scales with the canvas', () => {
    const l = layoutCard(starting(), { width: 1920, height: 1080 }, measure);
    expect([l.title!.size, l.countdown!.size, l.subtitle!.size]).toEqual([108, 180, 45]);
  });

  test('the key changes with the texts and the canvas, not with the countdown time', () => {
    const k = cardKey(starting(), DEFAULT_CANVAS);
    expect(cardKey(starting({}, AT + 60_000), DEFAULT_CANVAS)).toBe(k);
    expect(cardKey(starting({ title: 'Soon' }), DEFAULT_CANVAS)).not.toBe(k);
    expect(cardKey(starting({}, null), DEFAULT_CANVAS)).not.toBe(k);
    expect(cardKey(starting(), { width: 640, height: 360 })).not.toBe(k);
    expect(cardKey(null, DEFAULT_CANVAS)).toBe('');
  });
});

describe('countdown text at time t', () => {
  const card = { name: 'starting' as const, title: 'Soon', subtitle: '', countdownAt: AT, accent: '#f0561f' };
  test.each([
    [AT - 10 * 60_000, '10:00'],
    [AT - 61_000, '01:01'],
    [AT - 59_500, '01:00'],
    [AT - 1_000, '00:01'],
    [AT - 1, '00:01'],
    [AT, '00:00'],
    [AT + 5_000, '00:00'],
    [AT - (2 * 3600 + 5 * 60 + 7) * 1000, '2:05:07'],
  ])('at %p it reads %p', (now, text) => {
    expect(cardCountdown(card, now)).toBe(text);
  });
  test('no countdown, no text', () => {
    expect(cardCountdown({ ...card, countdownAt: null }, AT)).toBeNull();
    expect(cardCountdown(null, AT)).toBeNull();
  });
});

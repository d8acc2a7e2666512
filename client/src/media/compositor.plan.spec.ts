import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CANVAS, LAYOUT_NAMES, MAX_ON_AIR } from '@streamcat/layouts';
import { coverCrop, planProgramme, type ProgrammeSpec } from './compositor.plan';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);
function spec(order: string[], o: Partial<ProgrammeSpec> = {}): ProgrammeSpec {
  return {
    layout: 'grid',
    order,
    featuredId: null,
    screenShareId: null,
    nameTags: true,
    banner: { text: '', visible: false },
    background: { kind: 'colour', colour: '#000000' },
    members: order.map((id) => ({ id, displayName: `Name ${id}`, mutedInProgramme: false })),
    ...o,
  };
}
const rectOf = (plan: ReturnType<typeof planProgramme>, id: string) => {
  const item = plan.draw.find((d) => d.memberId === id);
  return item ? { x: item.slot.x, y: item.slot.y, w: item.slot.w, h: item.slot.h } : undefined;
};

describe('programme plan', () => {
  test.each(ids(MAX_ON_AIR).map((_, i) => i + 1))(
    'grid with %i on air draws every one of them once, inside the canvas, without overlap',
    (n) => {
      const plan = planProgramme(spec(ids(n)), DEFAULT_CANVAS);
      expect(plan.draw.map((d) => d.memberId).sort()).toEqual(ids(n).sort());
      for (const { slot } of plan.draw) {
        expect(slot.w).toBeGreaterThan(0);
        expect(slot.x + slot.w).toBeLessThanOrEqual(DEFAULT_CANVAS.width);
        expect(slot.y + slot.h).toBeLessThanOrEqual(DEFAULT_CANVAS.height);
      }
      for (const a of plan.draw)
        for (const b of plan.draw) {
          if (a === b) continue;
          const apart =
            a.slot.x + a.slot.w <= b.slot.x ||
            b.slot.x + b.slot.w <= a.slot.x ||
            a.slot.y + a.slot.h <= b.slot.y ||
            b.slot.y + b.slot.h <= a.slot.y;
          expect(apart).toBe(true);
        }
    },
  );

  test('the 7th member (and the 12th) is on screen in every layout that shows everyone', () => {
    for (const layout of LAYOUT_NAMES.filter((l) => l !== 'solo')) {
      for (const n of [7, 12]) {
        const plan = planProgramme(spec(ids(n), { layout, featuredId: 'm1', screenShareId: 'm1' }), DEFAULT_CANVAS);
        expect({ layout, n, drawn: plan.draw.length }).toEqual({ layout, n, drawn: n });
        expect(plan.audible.size).toBe(n);
      }
    }
  });

  test('solo draws the featured member only but keeps everyone on air audible', () => {
    const plan = planProgramme(spec(ids(3), { layout: 'solo', featuredId: 'm2' }), DEFAULT_CANVAS);
    expect(plan.draw.map((d) => d.memberId)).toEqual(['m2']);
    expect([...plan.audible].sort()).toEqual(['m1', 'm2', 'm3']);
  });

  test("when someone leaves, the others keep their own tiles (nobody inherits the leaver's)", () => {
    const before = planProgramme(spec(['a', 'b', 'c']), DEFAULT_CANVAS);
    // b leaves: the member list and the order both lose b.
    const after = planProgramme(spec(['a', 'c']), DEFAULT_CANVAS);
    expect(after.draw.map((d) => d.memberId)).toEqual(['a', 'c']);
    expect(rectOf(after, 'b')).toBeUndefined();
    // c now sits where the two-up layout puts the second tile, and is still c's name.
    expect(after.draw.find((d) => d.memberId === 'c')?.nameTag).toBe('Name c');
    expect(rectOf(before, 'c')).not.toEqual(rectOf(after, 'c'));
  });

  test('join and leave orders do not matter: the same set in the same programme order gives the same picture', () => {
    const orders = [
      ['a', 'b', 'c', 'd'],
      ['d', 'c', 'b', 'a'],
    ];
    const plans = orders.map((members) =>
      planProgramme(
        { ...spec(['a', 'b', 'c', 'd']), members: members.map((id) => ({ id, displayName: id, mutedInProgramme: false })) },
        DEFAULT_CANVAS,
      ),
    );
    for (const id of ['a', 'b', 'c', 'd']) expect(rectOf(plans[0]!, id)).toEqual(rectOf(plans[1]!, id));
  });

  test('someone in the order who is not a member (already left) is not drawn and takes no slot', () => {
    const s = spec(['a', 'b']);
    const plan = planProgramme({ ...s, order: ['a', 'gone', 'b'] }, DEFAULT_CANVAS);
    expect(plan.draw.map((d) => d.memberId)).toEqual(['a', 'b']);
    expect(rectOf(plan, 'a')).toEqual(rectOf(planProgramme(s, DEFAULT_CANVAS), 'a'));
  });

  test('members muted in programme are silent; backstage members are silent', () => {
    const s = spec(['a', 'b']);
    const plan = planProgramme(
      {
        ...s,
        members: [
          ...s.members.map((m) => (m.id === 'b' ? { ...m, mutedInProgramme: true } : m)),
          { id: 'c', displayName: 'c', mutedInProgramme: false },
        ],
      },
      DEFAULT_CANVAS,
    );
    expect([...plan.audible]).toEqual(['a']);
  });

  test('name tags and banner follow the switches', () => {
    expect(planProgramme(spec(['a'], { nameTags: false }), DEFAULT_CANVAS).draw[0]?.nameTag).toBeNull();
    expect(planProgramme(spec(['a'], { banner: { text: 'Hello', visible: true } }), DEFAULT_CANVAS).banner).toBe('Hello');
    expect(planProgramme(spec(['a'], { banner: { text: 'Hello', visible: false } }), DEFAULT_CANVAS).banner).toBeNull();
  });

  test('pip paints the insets over the featured member', () => {
    const plan = planProgramme(spec(ids(3), { layout: 'pip', featuredId: 'm3' }), DEFAULT_CANVAS);
    expect(plan.draw[0]?.memberId).toBe('m3');
  });

  test('cover crop keeps the aspect ratio and centres', () => {
    expect(coverCrop(640, 480, 1280, 720)).toEqual({ sx: 0, sy: 60, sw: 640, sh: 360 });
    expect(coverCrop(1920, 1080, 100, 100)).toEqual({ sx: 420, sy: 0, sw: 1080, sh: 1080 });
  });
});

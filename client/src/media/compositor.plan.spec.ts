import { describe, expect, test } from '@jest/globals';
import { DEFAULT_CANVAS, LAYOUT_NAMES, MAX_ON_AIR } from '@streamcat/layouts';
import { coverCrop, FRAME_SLACK_MS, nextFrameDue, planProgramme, programmeFrameRate, type ProgrammeSpec } from './compositor.plan';

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

describe('frame pacing', () => {
  const INTERVAL = 1000 / 30;
  /** Runs the compositor's rule over animation-frame times; returns the times frames were drawn. */
  function drawn(ticks: number[], rule: (now: number, state: { due: number; last: number }) => boolean): number[] {
    const state = { due: 0, last: -Infinity };
    const out: number[] = [];
    for (const now of ticks) {
      if (!rule(now, state)) continue;
      out.push(now);
      state.due = nextFrameDue(state.due, now, INTERVAL);
      state.last = now;
    }
    return out;
  }
  const ours = (now: number, s: { due: number }) => now >= s.due - FRAME_SLACK_MS;
  // What the compositor did before: an interval (less 2 ms) since the last draw.
  const sinceLast = (now: number, s: { last: number }) => now - s.last >= INTERVAL - 2;
  const every = (ms: number, seconds: number) => Array.from({ length: Math.floor((seconds * 1000) / ms) }, (_, i) => i * ms);

  test('on a 60 Hz display it draws 30 frames a second, every other refresh', () => {
    const frames = drawn(every(1000 / 60, 10), ours);
    expect(frames.length).toBeGreaterThanOrEqual(299);
    expect(frames.length).toBeLessThanOrEqual(301);
  });

  test('when animation frames come irregularly (a busy machine: 40 a second) it still averages 30, where "since the last frame" fell to 20', () => {
    // Refreshes every 16.7 ms, but every third one is missed by a busy main thread.
    const ticks = every(1000 / 60, 10).filter((_, i) => i % 3 !== 2);
    expect(drawn(ticks, ours).length / 10).toBeGreaterThanOrEqual(29.5);
    expect(drawn(ticks, sinceLast).length / 10).toBeLessThanOrEqual(20.5);
  });

  test('after a stall it does not draw the backlog in a burst', () => {
    const ticks = [...every(1000 / 60, 1), ...every(1000 / 60, 1).map((t) => t + 1500)];
    const frames = drawn(ticks, ours);
    const afterStall = frames.filter((t) => t >= 1500);
    const gaps = afterStall.slice(1).map((t, i) => t - afterStall[i]!);
    expect(Math.min(...gaps)).toBeGreaterThan(INTERVAL / 2 - FRAME_SLACK_MS);
    expect(afterStall.length).toBeLessThanOrEqual(31);
  });
});

describe('programme plan: screen share beside the camera', () => {
  const share = spec(ids(3), { layout: 'screen-share', screenShareId: 'm2' });

  test('draws the sharer’s screen large and keeps their camera (with their name) in the strip', () => {
    const plan = planProgramme({ ...share, screens: ['m2'] }, DEFAULT_CANVAS);
    expect(plan.draw.map((d) => d.memberId)).toEqual(['screen:m2', 'm1', 'm2', 'm3']);
    const screen = rectOf(plan, 'screen:m2')!;
    const camera = rectOf(plan, 'm2')!;
    expect(screen.w * screen.h).toBeGreaterThan(4 * camera.w * camera.h);
    expect(camera.x).toBeGreaterThanOrEqual(screen.x + screen.w);
    expect(plan.draw.find((d) => d.memberId === 'm2')?.nameTag).toBe('Name m2');
    expect(plan.draw.find((d) => d.memberId === 'screen:m2')?.nameTag).toBeNull();
    // The screen has no sound of its own: who is heard does not change.
    expect([...plan.audible].sort()).toEqual(ids(3));
  });

  test('without the screen source the sharer’s one picture is large; other layouts never draw a screen', () => {
    expect(planProgramme(share, DEFAULT_CANVAS).draw.map((d) => d.memberId)).toEqual(ids(3));
    expect(planProgramme({ ...share, screens: ['m1'] }, DEFAULT_CANVAS).draw.map((d) => d.memberId)).toEqual(ids(3));
    const grid = planProgramme({ ...share, layout: 'grid', screens: ['m2'] }, DEFAULT_CANVAS);
    expect(grid.draw.map((d) => d.memberId)).toEqual(ids(3));
  });
});

describe('programmeFrameRate', () => {
  test('paints at the broadcast rate only on the page that sends the programme', () => {
    expect(programmeFrameRate(true)).toBe(30);
    expect(programmeFrameRate(false)).toBe(15);
  });
});

import {
  screenTileId,
  Canvas,
  computeSlots,
  DEFAULT_CANVAS,
  LAYOUT_NAMES,
  LayoutInput,
  LayoutName,
  MAX_ON_AIR,
  Slot,
} from './layouts.geometry';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);
const area = (s: Slot) => s.w * s.h;
const byId = (slots: Slot[], id: string) => slots.find((s) => s.id === id)!;

function overlaps(a: Slot, b: Slot): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Everything a viewer would notice going wrong with a programme; returns the problems found. */
function programmeProblems(input: LayoutInput, slots: Slot[]): string[] {
  const canvas: Canvas = input.canvas ?? DEFAULT_CANVAS;
  const pad = input.padding ?? 0;
  const expectedIds = [...new Set(input.members)];
  const problems: string[] = [];
  const where = `${input.layout} n=${expectedIds.length} ${canvas.width}x${canvas.height} gap=${input.gap ?? 8} pad=${pad}`;
  const problem = (text: string) => problems.push(`${where}: ${text}`);

  // Every member exactly once, in programme order: nobody silently missing from the composite.
  if (slots.map((s) => s.id).join() !== expectedIds.join()) problem(`ids ${slots.map((s) => s.id)} != ${expectedIds}`);

  const visible = slots.filter((s) => s.visible);
  const featured = input.featuredId && expectedIds.includes(input.featuredId) ? input.featuredId : expectedIds[0];
  const expectedVisible = input.layout === 'solo' ? [featured] : expectedIds;
  if (visible.map((s) => s.id).join() !== expectedVisible.join()) problem(`visible ${visible.map((s) => s.id)} != ${expectedVisible}`);

  for (const s of visible) {
    if (![s.x, s.y, s.w, s.h, s.z].every(Number.isInteger)) problem(`${s.id} not integer pixels`);
    if (s.w < 1 || s.h < 1) problem(`${s.id} empty`);
    if (s.x < pad || s.y < pad || s.x + s.w > canvas.width - pad || s.y + s.h > canvas.height - pad) problem(`${s.id} outside the canvas`);
    // Tiles are 16:9 (camera shape) to the pixel; only full-frame slots take the canvas shape instead.
    const fullFrame = s.x === pad && s.y === pad && s.w === canvas.width - 2 * pad && s.h === canvas.height - 2 * pad;
    if (!fullFrame && Math.abs(s.h - (s.w * 9) / 16) > 1) problem(`${s.id} is ${s.w}x${s.h}, not 16:9`);
  }
  for (let i = 0; i < visible.length; i++) {
    for (let j = i + 1; j < visible.length; j++) {
      if (visible[i].z === visible[j].z && overlaps(visible[i], visible[j])) problem(`${visible[i].id} overlaps ${visible[j].id}`);
    }
  }
  // Tiles of one size form one region (grid, strip, pair); within it, reading order is programme order.
  const groups = new Map<string, Slot[]>();
  for (const s of visible) groups.set(`${s.z}:${s.w}x${s.h}`, [...(groups.get(`${s.z}:${s.w}x${s.h}`) ?? []), s]);
  for (const group of groups.values()) {
    const reading = [...group].sort((a, b) => a.y - b.y || a.x - b.x).map((s) => s.id);
    if (reading.join() !== group.map((s) => s.id).join()) problem(`reading order ${reading} != programme order`);
  }
  return problems;
}

function expectSaneProgramme(input: LayoutInput, slots: Slot[]): void {
  expect(programmeProblems(input, slots)).toEqual([]);
}

function inputFor(layout: LayoutName, n: number, extra: Partial<LayoutInput> = {}): LayoutInput {
  const members = ids(n);
  return { layout, members, featuredId: members[Math.floor(n / 2)], screenShareId: members[n - 1], ...extra };
}

describe('computeSlots invariants', () => {
  const cases = LAYOUT_NAMES.flatMap((layout) => Array.from({ length: MAX_ON_AIR }, (_, i) => [layout, i + 1] as const));

  it.each(cases)('%s with %i on air: everyone placed once, inside, no overlaps, 16:9 tiles', (layout, n) => {
    const input = inputFor(layout, n);
    expectSaneProgramme(input, computeSlots(input));
  });

  it('holds on other canvases, gaps and paddings', () => {
    const problems: string[] = [];
    const canvases = [
      { width: 1920, height: 1080 },
      { width: 852, height: 480 },
      { width: 720, height: 1280 },
      { width: 160, height: 90 },
      { width: 1000, height: 1000 },
    ];
    for (const canvas of canvases) {
      for (const gap of [0, 8, 32]) {
        for (const padding of [0, 24]) {
          if (canvas.width - 2 * padding < 160 || canvas.height - 2 * padding < 90) continue;
          for (const layout of LAYOUT_NAMES) {
            for (let n = 1; n <= MAX_ON_AIR; n++) {
              const input = inputFor(layout, n, { canvas, gap, padding });
              problems.push(...programmeProblems(input, computeSlots(input)));
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('still places everyone beyond the on-air limit rather than dropping anyone', () => {
    for (const layout of LAYOUT_NAMES) {
      const input = inputFor(layout, 20);
      expectSaneProgramme(input, computeSlots(input));
    }
  });

  it('is deterministic', () => {
    for (const layout of LAYOUT_NAMES) {
      expect(computeSlots(inputFor(layout, 7))).toEqual(computeSlots(inputFor(layout, 7)));
    }
  });

  it('returns nothing for an empty programme', () => {
    for (const layout of LAYOUT_NAMES) expect(computeSlots({ layout, members: [] })).toEqual([]);
  });

  it('gives a duplicated id one tile', () => {
    const slots = computeSlots({ layout: 'grid', members: ['a', 'b', 'a'] });
    expect(slots.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('uses the canvas well: a grid covers at least 45% of it', () => {
    for (let n = 1; n <= MAX_ON_AIR; n++) {
      const covered = computeSlots({ layout: 'grid', members: ids(n) }).reduce((sum, s) => sum + area(s), 0);
      expect(covered / (1280 * 720)).toBeGreaterThanOrEqual(0.45);
    }
  });

  it('rejects an impossible canvas or gap', () => {
    expect(() => computeSlots({ layout: 'grid', members: ['a'], canvas: { width: 0, height: 720 } })).toThrow(RangeError);
    expect(() => computeSlots({ layout: 'grid', members: ['a'], canvas: { width: 1280.5, height: 720 } })).toThrow(RangeError);
    expect(() => computeSlots({ layout: 'grid', members: ['a'], gap: -1 })).toThrow(RangeError);
    expect(() => computeSlots({ layout: 'grid', members: ['a'], padding: 400 })).toThrow(RangeError);
  });
});

describe('grid', () => {
  it('shows the 7th member at the same size as the others', () => {
    const slots = computeSlots({ layout: 'grid', members: ids(7) });
    const seventh = byId(slots, 'm7');
    expect(seventh.visible).toBe(true);
    expect(new Set(slots.map((s) => `${s.w}x${s.h}`)).size).toBe(1);
    // 3 rows of 3, 2, 2 on 1280x720.
    expect(new Set(slots.map((s) => s.y)).size).toBe(3);
  });

  it('balances rows and centres a short row', () => {
    const slots = computeSlots({ layout: 'grid', members: ids(5) });
    const rows = [...new Set(slots.map((s) => s.y))].sort((a, b) => a - b).map((y) => slots.filter((s) => s.y === y));
    expect(rows.map((r) => r.length)).toEqual([3, 2]);
    for (const row of rows) {
      const mid = (row[0].x + row[row.length - 1].x + row[row.length - 1].w) / 2;
      expect(Math.abs(mid - 640)).toBeLessThanOrEqual(1);
    }
  });

  it('puts two members side by side and one full size', () => {
    const two = computeSlots({ layout: 'grid', members: ids(2) });
    expect(two[0].y).toBe(two[1].y);
    expect(two[0].x).toBeLessThan(two[1].x);
    const one = computeSlots({ layout: 'grid', members: ids(1) });
    expect(one[0]).toMatchObject({ x: 0, y: 0, w: 1280, h: 720 });
  });

  it('when someone in the middle leaves, the others keep their order and the leaver’s tile is the one removed', () => {
    const before = computeSlots({ layout: 'grid', members: ['a', 'b', 'c', 'd', 'e', 'f'] });
    const after = computeSlots({ layout: 'grid', members: ['a', 'b', 'd', 'e', 'f'] });
    const readingOrder = (slots: Slot[]) => [...slots].sort((p, q) => p.y - q.y || p.x - q.x).map((s) => s.id);
    expect(readingOrder(before)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(readingOrder(after)).toEqual(['a', 'b', 'd', 'e', 'f']);
    expect(after.map((s) => s.id)).not.toContain('c');
  });
});

describe.each(LAYOUT_NAMES)('removing a middle member in %s', (layout) => {
  it('keeps every other member, in the same relative order', () => {
    const members = ids(8);
    const extra = { featuredId: 'm1', screenShareId: 'm2' };
    const before = computeSlots({ layout, members, ...extra });
    const after = computeSlots({ layout, members: members.filter((id) => id !== 'm5'), ...extra });
    expect(after.map((s) => s.id)).toEqual(before.map((s) => s.id).filter((id) => id !== 'm5'));
    expectSaneProgramme({ layout, members: members.filter((id) => id !== 'm5'), ...extra }, after);
  });
});

describe('featured layouts', () => {
  it('solo shows only the featured member, full frame, and keeps the rest on air hidden', () => {
    const slots = computeSlots({ layout: 'solo', members: ['a', 'b', 'c'], featuredId: 'b' });
    expect(byId(slots, 'b')).toEqual({ id: 'b', x: 0, y: 0, w: 1280, h: 720, z: 0, visible: true });
    expect(byId(slots, 'a')).toMatchObject({ visible: false, w: 0, h: 0 });
    expect(byId(slots, 'c')).toMatchObject({ visible: false });
  });

  it('spotlight makes the featured member the largest tile, the others a strip to its right', () => {
    const slots = computeSlots({ layout: 'spotlight', members: ids(5), featuredId: 'm3' });
    const main = byId(slots, 'm3');
    for (const s of slots.filter((s) => s.id !== 'm3')) {
      expect(area(s)).toBeLessThan(area(main) / 4);
      expect(s.x).toBeGreaterThanOrEqual(main.x + main.w);
    }
  });

  it('pip keeps the featured member full frame with the others as insets on top in the bottom-right', () => {
    const slots = computeSlots({ layout: 'pip', members: ids(4), featuredId: 'm2' });
    expect(byId(slots, 'm2')).toMatchObject({ x: 0, y: 0, w: 1280, h: 720, z: 0 });
    const insets = slots.filter((s) => s.id !== 'm2');
    for (const s of insets) {
      expect(s.z).toBe(1);
      expect(s.w).toBeLessThanOrEqual(256);
      expect(s.y + s.h / 2).toBeGreaterThan(360);
    }
    // Anchored to the corner, kept off the edge by twice the gap.
    expect(Math.max(...insets.map((s) => s.x + s.w))).toBe(1280 - 16);
    expect(Math.max(...insets.map((s) => s.y + s.h))).toBe(720 - 16);
  });

  it('pip fits eleven insets without overlapping and leaves the top of the featured member clear', () => {
    const input: LayoutInput = { layout: 'pip', members: ids(12), featuredId: 'm1' };
    const slots = computeSlots(input);
    expectSaneProgramme(input, slots);
    for (const s of slots.filter((s) => s.id !== 'm1')) expect(s.y).toBeGreaterThanOrEqual(720 * 0.55);
  });

  it('falls back to the first member when the featured one is not on air', () => {
    const slots = computeSlots({ layout: 'spotlight', members: ['a', 'b', 'c'], featuredId: 'gone' });
    expect(area(byId(slots, 'a'))).toBeGreaterThan(area(byId(slots, 'b')));
  });
});

describe('side-by-side', () => {
  it('pairs the first two in programme order at equal size and strips the rest below', () => {
    const slots = computeSlots({ layout: 'side-by-side', members: ['a', 'b', 'c', 'd'], featuredId: 'd' });
    const [a, b, c, d] = slots;
    expect(a.y).toBe(b.y);
    expect([a.w, a.h]).toEqual([b.w, b.h]);
    expect(a.x + a.w).toBeLessThanOrEqual(b.x);
    for (const s of [c, d]) {
      expect(s.y).toBeGreaterThanOrEqual(a.y + a.h);
      expect(area(s)).toBeLessThan(area(a));
    }
  });

  it('uses two halves when exactly two are on air', () => {
    const [a, b] = computeSlots({ layout: 'side-by-side', members: ['a', 'b'] });
    expect(a.w).toBeGreaterThan(600);
    expect(b.x).toBeGreaterThan(640);
  });
});

describe('screen-share', () => {
  it('shows the screen large and every camera in a strip', () => {
    const slots = computeSlots({
      layout: 'screen-share',
      members: ['host', 'guest', 'screen'],
      screenShareId: 'screen',
      featuredId: 'host',
    });
    const screen = byId(slots, 'screen');
    for (const s of slots.filter((s) => s.id !== 'screen')) {
      expect(area(s)).toBeLessThan(area(screen) / 4);
      expect(s.x).toBeGreaterThanOrEqual(screen.x + screen.w);
    }
  });
});

describe('screen-share with the screen as a source of its own', () => {
  const input = { layout: 'screen-share' as const, members: ['host', 'b', 'c'], screenShareId: 'b', featuredId: 'host' };

  it('shows the screen large and every camera, the sharer’s included, in the strip beside it', () => {
    const slots = computeSlots({ ...input, screenShown: true });
    expect(slots.map((s) => s.id)).toEqual([screenTileId('b'), 'host', 'b', 'c']);
    const screen = byId(slots, screenTileId('b'));
    for (const id of input.members) {
      const s = byId(slots, id);
      expect(s.visible).toBe(true);
      expect(area(s)).toBeLessThan(area(screen) / 4);
      expect(s.x).toBeGreaterThanOrEqual(screen.x + screen.w);
    }
  });

  it('draws the sharer’s one picture large, as before, while their screen is not a source of its own', () => {
    const slots = computeSlots(input);
    expect(slots.map((s) => s.id)).toEqual(['host', 'b', 'c']);
    expect(area(byId(slots, 'b'))).toBeGreaterThan(area(byId(slots, 'host')) * 4);
  });

  it('never draws a screen in the other layouts, nor for a sharer who is not on air', () => {
    for (const layout of ['grid', 'spotlight', 'solo', 'pip', 'side-by-side'] as const)
      expect(computeSlots({ ...input, layout, screenShown: true }).map((s) => s.id)).toEqual(input.members);
    expect(computeSlots({ ...input, screenShareId: 'gone', screenShown: true }).map((s) => s.id)).toEqual(input.members);
  });
});

import type { GridLayout, PipLayout } from './composition-engine';
import { compositionTiles, LayoutParticipant, pipSize, Tile } from './composition-layout';

const canvas = { width: 1280, height: 720 };
const grid: GridLayout = {
  kind: 'grid',
  featuredParticipantAttribute: 'featured',
  participantOrderAttribute: 'order',
  gridGap: 2,
  omitStoppedVideo: false,
  videoAspectRatio: 'VIDEO',
  videoFillMode: 'COVER',
};
const pip: PipLayout = {
  kind: 'pip',
  featuredParticipantAttribute: '',
  participantOrderAttribute: '',
  gridGap: 0,
  omitStoppedVideo: false,
  videoFillMode: 'COVER',
  pipParticipantAttribute: 'pip',
  pipBehavior: 'STATIC',
  pipOffset: 0,
  pipPosition: 'BOTTOM_RIGHT',
};

function people(
  n: number,
  extra: (i: number) => { attributes?: Record<string, string>; videoStopped?: boolean } = () => ({}),
): LayoutParticipant[] {
  return Array.from({ length: n }, (_, i) => ({ id: `p${i}`, attributes: {}, arrival: i, videoStopped: false, ...extra(i) }));
}

function overlaps(a: Tile, b: Tile): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('compositionTiles: grid', () => {
  it('one participant fills the canvas', () => {
    expect(compositionTiles(grid, people(1), canvas)).toEqual([
      { participantId: 'p0', x: 0, y: 0, width: 1280, height: 720, fit: 'COVER', z: 0, hasVideo: true },
    ]);
  });

  it('two sit side by side at 16:9, the gap between them, centred vertically', () => {
    const [a, b] = compositionTiles(grid, people(2), canvas);
    expect([a.x, a.width, b.x, b.width]).toEqual([0, 639, 641, 639]);
    expect(b.x - (a.x + a.width)).toBe(2);
    expect(a.height).toBe(360);
    expect(a.y).toBe(180);
    expect(b.y).toBe(a.y);
  });

  it('four make a 2 × 2 block; twelve a 4 × 3 block, inside the canvas, never overlapping, gaps kept', () => {
    const four = compositionTiles(grid, people(4), canvas);
    expect(new Set(four.map((t) => t.x)).size).toBe(2);
    expect(new Set(four.map((t) => t.y)).size).toBe(2);
    const twelve = compositionTiles(grid, people(12), canvas);
    expect(new Set(twelve.map((t) => t.x)).size).toBe(4);
    expect(new Set(twelve.map((t) => t.y)).size).toBe(3);
    for (const tiles of [four, twelve]) {
      for (const t of tiles) {
        expect(t.x).toBeGreaterThanOrEqual(0);
        expect(t.y).toBeGreaterThanOrEqual(0);
        expect(t.x + t.width).toBeLessThanOrEqual(1280);
        expect(t.y + t.height).toBeLessThanOrEqual(720);
        expect(Math.abs(t.width / t.height - 16 / 9)).toBeLessThan(0.02);
        for (const o of tiles) if (o !== t) expect(overlaps(t, o)).toBe(false);
      }
      const xs = [...new Set(tiles.map((t) => t.x))].sort((a, b) => a - b);
      expect(xs[1] - (xs[0] + tiles[0].width)).toBeGreaterThanOrEqual(2);
    }
  });

  it('a short last row is centred', () => {
    const three = compositionTiles(grid, people(3), canvas);
    const last = three[2];
    expect(Math.abs(last.x + last.width / 2 - 640)).toBeLessThanOrEqual(1);
  });

  it('the featured participant gets the large slot on the left, the others share the rest', () => {
    const ps = people(3, (i) => ({ attributes: i === 2 ? { featured: 'true' } : ({} as Record<string, string>) }));
    const tiles = compositionTiles(grid, ps, canvas);
    const featured = tiles.find((t) => t.participantId === 'p2')!;
    expect(featured).toMatchObject({ x: 0, y: 0, height: 720 });
    for (const t of tiles.filter((x) => x !== featured)) {
      expect(t.width * t.height).toBeLessThan(featured.width * featured.height);
      expect(t.x).toBeGreaterThanOrEqual(featured.width + 2);
    }
  });

  it('orders by the order attribute (numerically), then by arrival', () => {
    const ps = people(4, (i) => ({ attributes: [{ order: '10' }, {}, { order: '2' }, {}][i] as Record<string, string> }));
    const ids = compositionTiles(grid, ps, canvas)
      .sort((a, b) => a.y - b.y || a.x - b.x)
      .map((t) => t.participantId);
    expect(ids).toEqual(['p2', 'p0', 'p1', 'p3']);
  });

  it('omitStoppedVideo drops a stopped camera; otherwise it keeps its tile without video', () => {
    const ps = people(2, (i) => ({ videoStopped: i === 1 }));
    expect(compositionTiles({ ...grid, omitStoppedVideo: true }, ps, canvas).map((t) => t.participantId)).toEqual(['p0']);
    const kept = compositionTiles(grid, ps, canvas);
    expect(kept.map((t) => [t.participantId, t.hasVideo])).toEqual([
      ['p0', true],
      ['p1', false],
    ]);
  });

  it('videoAspectRatio shapes the tiles: SQUARE 1:1, PORTRAIT 3:4, AUTO the cell', () => {
    for (const [ratio, aspect] of [
      ['SQUARE', 1],
      ['PORTRAIT', 3 / 4],
    ] as const) {
      for (const t of compositionTiles({ ...grid, videoAspectRatio: ratio }, people(4), canvas)) {
        expect(Math.abs(t.width / t.height - aspect)).toBeLessThan(0.02);
      }
    }
    const auto = compositionTiles({ ...grid, videoAspectRatio: 'AUTO' }, people(2), canvas);
    expect(auto.map((t) => [t.width, t.height])).toEqual([
      [639, 720],
      [639, 720],
    ]);
  });

  it('the fill mode is carried to every tile', () => {
    expect(compositionTiles({ ...grid, videoFillMode: 'CONTAIN' }, people(3), canvas).every((t) => t.fit === 'CONTAIN')).toBe(true);
  });
});

describe('compositionTiles: pip', () => {
  it('the pip participant sits in its corner over the full-size other one', () => {
    const ps = people(2, (i) => ({ attributes: i === 0 ? { pip: 'true' } : ({} as Record<string, string>) }));
    const tiles = compositionTiles({ ...pip, pipWidth: 320, pipHeight: 180, pipOffset: 10 }, ps, canvas);
    expect(tiles).toEqual([
      { participantId: 'p1', x: 0, y: 0, width: 1280, height: 720, fit: 'COVER', z: 0, hasVideo: true },
      { participantId: 'p0', x: 950, y: 530, width: 320, height: 180, fit: 'COVER', z: 1, hasVideo: true },
    ]);
  });

  it('each corner, offset from its two edges', () => {
    const ps = people(2, (i) => ({ attributes: i === 1 ? { pip: 'true' } : ({} as Record<string, string>) }));
    const at = (pipPosition: PipLayout['pipPosition']) =>
      compositionTiles({ ...pip, pipPosition, pipOffset: 8, pipWidth: 200, pipHeight: 100 }, ps, canvas)[1];
    expect(at('TOP_LEFT')).toMatchObject({ x: 8, y: 8 });
    expect(at('TOP_RIGHT')).toMatchObject({ x: 1072, y: 8 });
    expect(at('BOTTOM_LEFT')).toMatchObject({ x: 8, y: 612 });
  });

  it('without a size, a quarter of the canvas width at 16:9; one side given, the other follows 16:9', () => {
    expect(pipSize({}, canvas)).toEqual({ width: 320, height: 180 });
    expect(pipSize({ pipWidth: 480 }, canvas)).toEqual({ width: 480, height: 270 });
    expect(pipSize({ pipHeight: 90 }, canvas)).toEqual({ width: 160, height: 90 });
  });

  it('alone on the stage: STATIC keeps the window, DYNAMIC takes the whole composition', () => {
    const alone = people(1, () => ({ attributes: { pip: 'true' } }));
    expect(compositionTiles(pip, alone, canvas)).toEqual([
      { participantId: 'p0', x: 960, y: 540, width: 320, height: 180, fit: 'COVER', z: 1, hasVideo: true },
    ]);
    expect(compositionTiles({ ...pip, pipBehavior: 'DYNAMIC' }, alone, canvas)[0]).toMatchObject({ x: 0, y: 0, width: 1280, height: 720 });
  });

  it('nobody flagged: the latest arrival is the window', () => {
    const tiles = compositionTiles({ ...pip, pipParticipantAttribute: '' }, people(2), canvas);
    expect(tiles.find((t) => t.z === 1)?.participantId).toBe('p1');
  });
});

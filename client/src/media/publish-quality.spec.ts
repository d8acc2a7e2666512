import { describe, expect, test } from '@jest/globals';
import { computeSlots, LAYOUT_NAMES, MAX_ON_AIR } from '@streamcat/layouts';
import { PUBLISH_LADDER, publishConstraints, publishQuality, rungFor, type PublishLayout } from './publish-quality';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `m${i + 1}`);
const grid = (n: number): PublishLayout => ({ layout: 'grid', order: ids(n), featuredId: null, screenShareId: null });
const size = (q: { width: number; height: number }) => `${q.width}x${q.height}`;

describe('publish quality', () => {
  test('a grid asks for smaller pictures as more people are on air, down to 320×180 at 12', () => {
    const byCount = ids(MAX_ON_AIR).map((_, i) => size(publishQuality(grid(i + 1), 'm1')));
    expect(byCount).toEqual([
      '1280x720',
      '640x360',
      '640x360',
      '640x360',
      '480x270',
      '480x270',
      '480x270',
      '480x270',
      '480x270',
      '320x180',
      '320x180',
      '320x180',
    ]);
  });

  test('every on-air member in every layout publishes a picture at least as large as their tile (never enlarged)', () => {
    for (const layout of LAYOUT_NAMES) {
      for (let n = 1; n <= MAX_ON_AIR; n++) {
        const programme: PublishLayout = { layout, order: ids(n), featuredId: 'm2', screenShareId: 'm2' };
        for (const slot of computeSlots({ layout, members: ids(n), featuredId: 'm2', screenShareId: 'm2' })) {
          if (!slot.visible) continue;
          const q = publishQuality(programme, slot.id);
          expect({ layout, n, id: slot.id, fits: q.width >= slot.w && q.height >= slot.h }).toEqual({ layout, n, id: slot.id, fits: true });
        }
      }
    }
  });

  test('and never more than the next rung up: a 12-tile grid never costs 720p per tile', () => {
    for (const layout of LAYOUT_NAMES) {
      const programme: PublishLayout = { layout, order: ids(MAX_ON_AIR), featuredId: 'm1', screenShareId: 'm1' };
      for (const slot of computeSlots({ layout, members: ids(MAX_ON_AIR), featuredId: 'm1', screenShareId: 'm1' })) {
        if (!slot.visible) continue;
        const q = publishQuality(programme, slot.id);
        const smaller = PUBLISH_LADDER.filter((r) => r.width < q.width);
        // The rung below would have to be enlarged to fill the tile.
        for (const r of smaller) expect(r.width < slot.w || r.height < slot.h).toBe(true);
      }
    }
  });

  test('solo, spotlight and pip give the featured member a large picture and the others small ones', () => {
    const featured = (layout: PublishLayout['layout']): PublishLayout => ({ layout, order: ids(6), featuredId: 'm3', screenShareId: null });
    expect(size(publishQuality(featured('solo'), 'm3'))).toBe('1280x720');
    expect(size(publishQuality(featured('pip'), 'm3'))).toBe('1280x720');
    expect(size(publishQuality(featured('pip'), 'm1'))).toBe('320x180');
    expect(size(publishQuality(featured('spotlight'), 'm3'))).toBe('960x540');
    expect(size(publishQuality(featured('spotlight'), 'm1'))).toBe('320x180');
    const share: PublishLayout = { layout: 'screen-share', order: ids(4), featuredId: null, screenShareId: 'm4' };
    expect(size(publishQuality(share, 'm4'))).toBe('1280x720');
    expect(size(publishQuality(share, 'm1'))).toBe('320x180');
    // The sharer's screen is its own source: it takes the large slot, their camera a small one.
    const sharing = publishQuality({ ...share, screens: ['m4'] }, 'm4');
    const cameraSlot = computeSlots({
      layout: 'screen-share',
      members: ids(4),
      featuredId: null,
      screenShareId: 'm4',
      screenShown: true,
    }).find((s) => s.id === 'm4')!;
    expect(sharing.width).toBeLessThan(1280);
    expect(sharing.width).toBeGreaterThanOrEqual(cameraSlot.w);
    expect(sharing.height).toBeGreaterThanOrEqual(cameraSlot.h);
    // Someone else sharing does not shrink the featured member's camera.
    expect(size(publishQuality({ ...share, screens: ['m2'] }, 'm4'))).toBe('1280x720');
  });

  test('backstage members, and on-air members hidden by solo, publish a member-tile picture', () => {
    expect(size(publishQuality(grid(3), 'backstage'))).toBe('640x360');
    expect(size(publishQuality({ layout: 'solo', order: ids(3), featuredId: 'm1', screenShareId: null }, 'm2'))).toBe('640x360');
  });

  test('before the layout is known, the full 720p picture (no worse than before the policy)', () => {
    expect(publishQuality(null, 'm1')).toEqual(PUBLISH_LADDER[PUBLISH_LADDER.length - 1]);
  });

  test('smaller pictures get lower bitrate caps, never above the IVS stage maximum', () => {
    const caps = PUBLISH_LADDER.map((q) => q.maxBitrateKbps);
    expect(caps).toEqual([...caps].sort((a, b) => a - b));
    expect(Math.max(...caps)).toBeLessThanOrEqual(2500);
    expect(PUBLISH_LADDER.every((q) => q.frameRate === 30 && q.width * 9 === q.height * 16)).toBe(true);
  });

  test('rungFor picks the smallest rung that covers the tile', () => {
    expect(size(rungFor(314, 176))).toBe('320x180');
    expect(size(rungFor(321, 180))).toBe('480x270');
    expect(size(rungFor(1280, 720))).toBe('1280x720');
    expect(size(rungFor(1920, 1080))).toBe('1280x720');
  });

  test('a camera is asked for the exact 16:9 size; a screen only for a bound that keeps its shape', () => {
    const q = PUBLISH_LADDER[0]!;
    expect(publishConstraints(q, 'camera')).toMatchObject({ width: { ideal: 320 }, height: { ideal: 180 }, frameRate: { max: 30 } });
    const screen = publishConstraints(q, 'screen');
    expect(screen).toMatchObject({ width: { max: 320 }, height: { max: 180 } });
    expect(screen.width).not.toHaveProperty('ideal');
  });
});

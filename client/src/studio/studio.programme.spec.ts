import { describe, expect, test } from '@jest/globals';
import type { StudioLayout } from '@streamcat/protocol/studio';
import { moveBy, moveTo, patchForLayout } from './studio.programme';

const layout = (o: Partial<StudioLayout> = {}): StudioLayout => ({
  name: 'grid',
  order: ['a', 'b', 'c'],
  featuredId: null,
  screenShareId: null,
  nameTags: true,
  banner: { text: '', visible: false },
  background: { kind: 'colour', colour: '#000000' },
  ...o,
});

describe('programme arrangement', () => {
  test('dragging moves one member and keeps everyone else in order', () => {
    expect(moveTo(['a', 'b', 'c', 'd'], 'd', 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(moveTo(['a', 'b', 'c', 'd'], 'a', 99)).toEqual(['b', 'c', 'd', 'a']);
    expect(moveTo(['a', 'b'], 'x', 0)).toEqual(['a', 'b']);
  });

  test('keyboard moves stop at the ends', () => {
    expect(moveBy(['a', 'b', 'c'], 'b', -1)).toEqual(['b', 'a', 'c']);
    expect(moveBy(['a', 'b', 'c'], 'a', -1)).toEqual(['a', 'b', 'c']);
    expect(moveBy(['a', 'b', 'c'], 'c', 1)).toEqual(['a', 'b', 'c']);
  });

  test('choosing a layout that needs a featured member features the first on air unless one is set', () => {
    expect(patchForLayout(layout(), 'spotlight')).toEqual({ name: 'spotlight', featuredId: 'a' });
    expect(patchForLayout(layout({ featuredId: 'c' }), 'pip')).toEqual({ name: 'pip' });
    expect(patchForLayout(layout({ featuredId: 'gone' }), 'solo')).toEqual({ name: 'solo', featuredId: 'a' });
    expect(patchForLayout(layout(), 'grid')).toEqual({ name: 'grid' });
    expect(patchForLayout(layout(), 'screen-share')).toEqual({ name: 'screen-share', screenShareId: 'a' });
  });
});

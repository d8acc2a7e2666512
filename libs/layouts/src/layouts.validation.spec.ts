import { LAYOUT_NAMES } from './layouts.geometry';
import { LAYOUT_ERRORS, validateLayout } from './layouts.validation';

const thirteen = Array.from({ length: 13 }, (_, i) => `m${i}`);

describe('validateLayout', () => {
  it('accepts a sound arrangement for every layout', () => {
    for (const layout of LAYOUT_NAMES) {
      expect(validateLayout({ layout, members: ['a', 'b'], featuredId: 'a', screenShareId: 'b', stageMembers: ['a', 'b', 'c'] })).toEqual({
        ok: true,
      });
    }
  });

  it('accepts an empty programme in a grid, and twelve on air', () => {
    expect(validateLayout({ layout: 'grid', members: [] })).toEqual({ ok: true });
    expect(validateLayout({ layout: 'grid', members: thirteen.slice(0, 12) })).toEqual({ ok: true });
  });

  it('does not require a featured member where the layout has none', () => {
    expect(validateLayout({ layout: 'grid', members: ['a'], featuredId: null })).toEqual({ ok: true });
    expect(validateLayout({ layout: 'side-by-side', members: ['a', 'b'] })).toEqual({ ok: true });
  });

  const refusals: Array<[string, Parameters<typeof validateLayout>[0], keyof typeof LAYOUT_ERRORS]> = [
    ['an unknown layout name', { layout: 'mosaic', members: ['a'] }, 'layout/unknown-layout'],
    ['thirteen on air', { layout: 'grid', members: thirteen }, 'layout/too-many'],
    ['someone on air twice', { layout: 'grid', members: ['a', 'b', 'a'] }, 'layout/duplicate-member'],
    ['an on-air id not in the studio', { layout: 'grid', members: ['a', 'x'], stageMembers: ['a', 'b'] }, 'layout/unknown-member'],
    ['a featured id not in the studio', { layout: 'grid', members: ['a'], featuredId: 'x', stageMembers: ['a'] }, 'layout/unknown-member'],
    ['solo without a featured member', { layout: 'solo', members: ['a', 'b'] }, 'layout/featured-required'],
    [
      'spotlight featuring someone backstage',
      { layout: 'spotlight', members: ['a', 'b'], featuredId: 'c', stageMembers: ['a', 'b', 'c'] },
      'layout/featured-required',
    ],
    ['pip with nobody on air', { layout: 'pip', members: [], featuredId: 'a' }, 'layout/featured-required'],
    ['screen-share without a screen', { layout: 'screen-share', members: ['a'], screenShareId: null }, 'layout/screen-share-required'],
    [
      'screen-share whose screen is backstage',
      { layout: 'screen-share', members: ['a'], screenShareId: 'b' },
      'layout/screen-share-required',
    ],
  ];

  it.each(refusals)('refuses %s', (_label, input, code) => {
    expect(validateLayout(input)).toEqual({ ok: false, code, message: LAYOUT_ERRORS[code] });
  });
});

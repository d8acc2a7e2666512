import { decideShowPush, showDigest } from './show-layout.ledger';

describe('decideShowPush', () => {
  const a = { version: 4, digest: 'a' };

  it('pushes the first show it knows of, and a newer one that looks different', () => {
    expect(decideShowPush(null, a)).toEqual({ record: true, push: true });
    expect(decideShowPush(a, { version: 5, digest: 'b' })).toEqual({ record: true, push: true });
  });

  it('records but does not push a newer version the audience would not notice (a backstage change)', () => {
    expect(decideShowPush(a, { version: 5, digest: 'a' })).toEqual({ record: true, push: false });
  });

  it('drops a change handled after a newer one (another node was quicker), and a repeat', () => {
    expect(decideShowPush(a, { version: 3, digest: 'z' })).toEqual({ record: false, push: false });
    expect(decideShowPush(a, { version: 4, digest: 'z' })).toEqual({ record: false, push: false });
  });
});

describe('showDigest', () => {
  it('tells shows apart and a hidden show from an empty one', () => {
    const show = {
      layout: 'grid' as const,
      members: [],
      featuredId: null,
      screenShareId: null,
      nameTags: true,
      banner: { text: '', visible: false },
      background: { kind: 'colour' as const, colour: '#101418' },
    };
    expect(showDigest(show)).toBe(showDigest({ ...show }));
    expect(showDigest(show)).not.toBe(showDigest({ ...show, nameTags: false }));
    expect(showDigest(show)).not.toBe(showDigest(null));
  });
});

import { decodeNextToken, encodeNextToken, pageOf } from './ivs-pagination';

describe('list pagination tokens', () => {
  it('round-trips the last id and rejects anything it did not issue', () => {
    expect(decodeNextToken(encodeNextToken('AbC123'))).toBe('AbC123');
    expect(decodeNextToken(undefined)).toBeUndefined();
    expect(() => decodeNextToken('bm9wZQ')).toThrow(/nextToken/);
  });

  it('returns a token only when there is another page', () => {
    expect(pageOf(['a', 'b'], 2, (x) => x)).toEqual({ items: ['a', 'b'] });
    const page = pageOf(['a', 'b', 'c'], 2, (x) => x);
    expect(page.items).toEqual(['a', 'b']);
    expect(decodeNextToken(page.nextToken)).toBe('b');
  });
});

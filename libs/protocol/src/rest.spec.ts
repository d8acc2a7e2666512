import { decodePageCursor, encodePageCursor, PageQuery } from './rest';

const at = new Date('2026-11-01T10:00:00.123Z');
const id = '9b2c3f4e-1111-4222-8333-944455556666';
const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('page cursors', () => {
  it('round-trip the (time, id) of a row', () => {
    expect(decodePageCursor(encodePageCursor(at, id))).toEqual({ at, id });
    expect(encodePageCursor(at, id)).toBe(b64(`${at.toISOString()}|${id}`));
  });

  it.each([
    ['SQL', "';--"],
    ['two words', 'aaaa|bbbb'],
    ['base64 of two words', b64('aaaa|bbbb')],
    ['a short date', b64(`2026-01-01|${id}`)],
    ['a date that does not exist', b64(`2026-02-30T00:00:00.000Z|${id}`)],
    ['a year before 2000', b64(`1999-12-31T23:59:59.999Z|${id}`)],
    ['a year after 2099', b64(`2100-01-01T00:00:00.000Z|${id}`)],
    ['a non-uuid id', b64(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`)],
    ['an upper-case id (never issued)', b64(`2026-01-01T00:00:00.000Z|${id.toUpperCase()}`)],
    ['a third part', b64(`2026-01-01T00:00:00.000Z|${id}|x`)],
    ['padding', `${b64(`2026-01-01T00:00:00.000Z|${id}`)}==`],
    ['10 KB', 'A'.repeat(10_240)],
    ['nothing', ''],
  ])('refuse %s', (_what, cursor) => {
    expect(decodePageCursor(cursor)).toBeNull();
  });

  it('give PageQuery a bounded limit and a decoded cursor', () => {
    expect(PageQuery.parse({})).toEqual({ limit: 20 });
    expect(PageQuery.parse({ limit: '7', cursor: encodePageCursor(at, id) })).toEqual({ limit: 7, cursor: { at, id } });
    for (const limit of ['-1', '0', '101', '1e2', '0x10', ' 5', '5.0', '']) expect(PageQuery.safeParse({ limit }).success).toBe(false);
    expect(PageQuery.safeParse({ limit: '5', extra: '1' }).success).toBe(false);
  });
});

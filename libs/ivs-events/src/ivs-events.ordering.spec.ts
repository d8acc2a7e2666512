import { compareEvents, isNewer } from './ivs-events.ordering';

describe('event ordering', () => {
  const at = (iso: string, id: string) => ({ time: new Date(iso), id });

  it('a later event is newer, whatever its id', () => {
    expect(isNewer(at('2026-11-20T18:05:01Z', 'a'), at('2026-11-20T18:05:00Z', 'z'))).toBe(true);
    expect(isNewer(at('2026-11-20T18:05:00Z', 'z'), at('2026-11-20T18:05:01Z', 'a'))).toBe(false);
  });

  it('breaks same-second ties by id, the same way from both sides', () => {
    const a = at('2026-11-20T18:05:00Z', 'aaa');
    const b = at('2026-11-20T18:05:00Z', 'bbb');
    expect(isNewer(b, a)).toBe(true);
    expect(isNewer(a, b)).toBe(false);
  });

  it('a redelivery of the same event is not newer than itself', () => {
    const a = at('2026-11-20T18:05:00Z', 'same');
    expect(isNewer(a, { ...a, time: new Date(a.time) })).toBe(false);
  });

  it('anything is newer than no previous state', () => {
    expect(isNewer(at('2000-01-01T00:00:00Z', 'a'), null)).toBe(true);
  });

  it('every arrival order of the same events settles on the same latest one', () => {
    const events = [
      at('2026-11-20T18:05:00Z', 'b'),
      at('2026-11-20T18:05:00Z', 'a'),
      at('2026-11-20T18:04:59Z', 'z'),
      at('2026-11-20T18:05:00Z', 'c'),
    ];
    const permutations = (xs: typeof events): (typeof events)[] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    const winners = new Set(
      permutations(events).map((order) => order.reduce<(typeof events)[number] | null>((cur, e) => (isNewer(e, cur) ? e : cur), null)!.id),
    );
    expect([...winners]).toEqual(['c']);
    expect([...events].sort(compareEvents).map((e) => e.id)).toEqual(['z', 'a', 'b', 'c']);
  });
});

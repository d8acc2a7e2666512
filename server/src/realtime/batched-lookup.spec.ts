import { BatchedLookup } from './batched-lookup';

describe('BatchedLookup', () => {
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((ok, fail) => ((resolve = ok), (reject = fail)));
    return { promise, resolve, reject };
  };

  it('serves the callers of one tick with one read, and those arriving meanwhile with the next', async () => {
    const calls: { keys: string[]; done: ReturnType<typeof deferred<Map<string, number>>> }[] = [];
    const lookup = new BatchedLookup<number>((keys) => {
      const done = deferred<Map<string, number>>();
      calls.push({ keys, done });
      return done.promise;
    });
    const first = [lookup.get('a'), lookup.get('b'), lookup.get('a')];
    await Promise.resolve();
    expect(calls.map((c) => c.keys)).toEqual([['a', 'b']]);
    // Asked while the first read is in flight: not answered by it (it may predate their change).
    const second = [lookup.get('a'), lookup.get('c')];
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    calls[0].done.resolve(new Map([['a', 1]]));
    expect(await Promise.all(first)).toEqual([1, undefined, 1]);
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.keys)).toEqual([
      ['a', 'b'],
      ['a', 'c'],
    ]);
    calls[1].done.resolve(
      new Map([
        ['a', 2],
        ['c', 3],
      ]),
    );
    expect(await Promise.all(second)).toEqual([2, 3]);
    expect(lookup.reads).toBe(2);
  });

  it('fails only the callers of a failed read, and keeps serving', async () => {
    let n = 0;
    const lookup = new BatchedLookup<string>((keys) =>
      n++ === 0 ? Promise.reject(new Error('db down')) : Promise.resolve(new Map(keys.map((k) => [k, k.toUpperCase()]))),
    );
    await expect(lookup.get('x')).rejects.toThrow('db down');
    expect(await lookup.get('y')).toBe('Y');
  });

  it('caps the keys of one read and reads the rest next', async () => {
    const sizes: number[] = [];
    const lookup = new BatchedLookup<string>(async (keys) => {
      sizes.push(keys.length);
      return new Map(keys.map((k) => [k, k]));
    }, 3);
    const got = await Promise.all(['1', '2', '3', '4', '5'].map((k) => lookup.get(k)));
    expect(got).toEqual(['1', '2', '3', '4', '5']);
    expect(sizes).toEqual([3, 2]);
  });
});

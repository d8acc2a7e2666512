import { batchLength, GroupCommit, Settled } from './group-commit';

describe('batchLength', () => {
  it('takes items in order while they fit, and always the first', () => {
    expect(batchLength([1, 1, 1], 2)).toBe(2);
    expect(batchLength([3, 1], 2)).toBe(1);
    expect(batchLength([1, 3, 1], 2)).toBe(1);
    expect(batchLength([2, 2, 2], 6)).toBe(3);
    expect(batchLength([], 4)).toBe(0);
  });
});

describe('GroupCommit', () => {
  it('starts a lone item at once, groups what arrives meanwhile, and answers each its own', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((ok) => (release = ok));
    const g = new GroupCommit<number, string>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await first;
      return items.map((i): Settled<string> => (i === 4 ? { ok: false, error: new Error('bad 4') } : { ok: true, value: `v${i}` }));
    }, 3);
    const a = g.submit(1);
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4, 5].map((i) => g.submit(i).then(String, (e: Error) => e.message));
    release();
    expect(await a).toBe('v1');
    expect(await Promise.all(rest)).toEqual(['v2', 'v3', 'bad 4', 'v5']);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('answers every member with the error when the commit itself throws, then goes on', async () => {
    const batches: number[][] = [];
    const g = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (items.includes(2)) throw new Error('down');
      return items.map((i) => ({ ok: true as const, value: i }));
    }, 10);
    const answers = [1, 2, 3].map((i) => g.submit(i).catch((e: Error) => e.message));
    expect(await Promise.all(answers)).toEqual([1, 'down', 'down']);
    expect(batches).toEqual([[1], [2, 3]]);
    expect(await g.submit(4)).toBe(4);
  });
});

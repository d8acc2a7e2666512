import { laneOf } from './ivs-events.service';

describe('laneOf', () => {
  it('gives one key always the same lane, in range, and spreads ARNs that differ only at the end', () => {
    const arns = Array.from({ length: 200 }, (_, i) => `arn:aws:ivs:us-east-1:123456789012:channel/ch${i.toString(36).padStart(8, '0')}`);
    const lanes = arns.map((a) => laneOf(a, 4));
    expect(arns.map((a) => laneOf(a, 4))).toEqual(lanes);
    expect(lanes.every((l) => Number.isInteger(l) && l >= 0 && l < 4)).toBe(true);
    for (let l = 0; l < 4; l++) expect(lanes.filter((x) => x === l).length).toBeGreaterThan(25);
    expect(laneOf('', 4)).toBe(laneOf('', 4));
  });
});

import { describe, expect, test } from '@jest/globals';
import { formatClock } from './discovery.format';

describe('formatClock', () => {
  test('minutes and seconds, hours when there are some', () => {
    expect(formatClock(20_004)).toBe('0:20');
    expect(formatClock(725_400)).toBe('12:05');
    expect(formatClock(3_723_000)).toBe('1:02:03');
    expect(formatClock(-5)).toBe('0:00');
  });
});

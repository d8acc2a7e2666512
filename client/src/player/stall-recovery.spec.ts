import { describe, expect, it } from '@jest/globals';
import { loadRetryDelay, STALL_NOTICE_MS, stallStep } from './stall-recovery';

describe('stallStep', () => {
  it('a short wait for the buffer is nothing to show', () => {
    expect(stallStep(0, 0)).toBe('none');
    expect(stallStep(STALL_NOTICE_MS - 1, 0)).toBe('none');
  });

  it('standing still longer says reconnecting while hls.js keeps polling the playlist', () => {
    expect(stallStep(STALL_NOTICE_MS, 0)).toBe('reconnecting');
    expect(stallStep(9_999, 0)).toBe('reconnecting');
  });

  it('reloads the source at 20 s into the stall, then every 20 s', () => {
    expect(stallStep(19_999, 0)).toBe('reconnecting');
    expect(stallStep(20_000, 0)).toBe('reload');
    expect(stallStep(20_001, 1)).toBe('reconnecting');
    expect(stallStep(39_999, 1)).toBe('reconnecting');
    expect(stallStep(40_000, 1)).toBe('reload');
    expect(stallStep(60_000, 2)).toBe('reload');
  });
});

describe('loadRetryDelay', () => {
  it('retries every 2 s at first, then backs off to 15 s', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(loadRetryDelay)).toEqual([2_000, 2_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
  });
});

import { describe, expect, test } from '@jest/globals';
import type { GreenRoomEntry } from '@streamcat/protocol/studio';
import { arrivalToast, greenRoomArrivals } from './green-room.notice';

const entry = (guestId: string, displayName: string, requestedAt: string): GreenRoomEntry => ({
  guestId,
  displayName,
  linkId: 'l1',
  requestedAt,
  expiresAt: '2026-12-04T04:00:00Z',
});

describe('green room arrivals', () => {
  test('only people the host was not told about yet, oldest first', () => {
    const entries = [
      entry('g2', 'Bo', '2026-12-04T03:00:02Z'),
      entry('g1', 'Ann', '2026-12-04T03:00:01Z'),
      entry('g3', 'Cy', '2026-12-04T03:00:03Z'),
    ];
    expect(greenRoomArrivals(new Set(['g3']), entries).map((e) => e.displayName)).toEqual(['Ann', 'Bo']);
    expect(greenRoomArrivals(new Set(['g1', 'g2', 'g3']), entries)).toEqual([]);
  });

  test('one toast names who is waiting, however many came at once', () => {
    const ann = entry('g1', 'Ann', '2026-12-04T03:00:01Z');
    const bo = entry('g2', 'Bo', '2026-12-04T03:00:02Z');
    const cy = entry('g3', 'Cy', '2026-12-04T03:00:03Z');
    expect(arrivalToast([])).toBeNull();
    expect(arrivalToast([ann])).toBe('Ann is waiting in the green room.');
    expect(arrivalToast([ann, bo])).toBe('Ann and Bo are waiting in the green room.');
    expect(arrivalToast([ann, bo, cy])).toBe('Ann and 2 others are waiting in the green room.');
  });
});

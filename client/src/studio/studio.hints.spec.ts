import { describe, expect, test } from '@jest/globals';
import { emptyProgramme, programmeCaption } from './studio.hints';

describe('studio hints by role', () => {
  test('hosts and co-hosts are told to put people on air from the tiles', () => {
    for (const role of ['host', 'cohost'] as const) {
      expect(emptyProgramme({ role, onAir: 0, meOnAir: false }).detail).toMatch(/Put on air/);
      expect(programmeCaption({ role, onAir: 2, meOnAir: true })).toBe('2 on air');
    }
  });

  test('a guest is never told to do what only a host can', () => {
    const empty = emptyProgramme({ role: 'guest', onAir: 0, meOnAir: false });
    expect(empty.detail).not.toMatch(/tile|Put on air/i);
    expect(empty.detail).toMatch(/host puts people on air/);
    expect(programmeCaption({ role: 'guest', onAir: 0, meOnAir: false })).toBe('Nobody on air yet');
    expect(programmeCaption({ role: null, onAir: 0, meOnAir: false })).not.toMatch(/tile/);
  });

  test('a guest learns whether they are on air or waiting backstage', () => {
    expect(programmeCaption({ role: 'guest', onAir: 1, meOnAir: true })).toBe('1 on air · You are on air');
    expect(programmeCaption({ role: 'guest', onAir: 1, meOnAir: false })).toMatch(/You are backstage/);
  });
});

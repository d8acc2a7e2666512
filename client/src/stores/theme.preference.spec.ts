import { describe, expect, test } from '@jest/globals';
import { nextTheme, parseTheme } from './theme.preference';

describe('theme preference', () => {
  test('the toggle walks system → dark → light → system', () => {
    expect(nextTheme('system')).toBe('dark');
    expect(nextTheme('dark')).toBe('light');
    expect(nextTheme('light')).toBe('system');
  });

  test('anything unknown in storage means "follow the system"', () => {
    expect(parseTheme('dark')).toBe('dark');
    expect(parseTheme('purple')).toBe('system');
    expect(parseTheme(null)).toBe('system');
  });
});

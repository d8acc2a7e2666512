export type ThemePreference = 'system' | 'light' | 'dark';

export const THEME_KEY = 'streamcat.theme';
const ORDER: readonly ThemePreference[] = ['system', 'dark', 'light'];

export function parseTheme(value: string | null): ThemePreference {
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** The toggle walks system → dark → light → system. */
export function nextTheme(current: ThemePreference): ThemePreference {
  return ORDER[(ORDER.indexOf(current) + 1) % ORDER.length] ?? 'system';
}

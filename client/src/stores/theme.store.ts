import { defineStore } from 'pinia';
import { readonly, ref, watch } from 'vue';
import { browserStorage } from './session.storage';
import { THEME_KEY, nextTheme, parseTheme, type ThemePreference } from './theme.preference';

/** Light / dark / follow the system; remembered, and applied as `data-theme` on <html>. */
export const useThemeStore = defineStore('theme', () => {
  const storage = browserStorage();
  const preference = ref<ThemePreference>(parseTheme(storage.getItem(THEME_KEY)));

  watch(
    preference,
    (value) => {
      if (value === 'system') storage.removeItem(THEME_KEY);
      else storage.setItem(THEME_KEY, value);
      if (typeof document === 'undefined') return;
      if (value === 'system') delete document.documentElement.dataset.theme;
      else document.documentElement.dataset.theme = value;
    },
    { immediate: true },
  );

  function cycle(): void {
    preference.value = nextTheme(preference.value);
  }

  return { preference: readonly(preference), cycle };
});

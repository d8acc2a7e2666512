import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import { useToastStore } from './toasts.store';

beforeEach(() => {
  jest.useFakeTimers();
  setActivePinia(createPinia());
});
afterEach(() => {
  jest.useRealTimers();
});

describe('toasts', () => {
  test('a notice disappears by itself after its timeout', () => {
    const toasts = useToastStore();
    toasts.show('Copied.', 'success', 2000);
    expect(toasts.toasts.map((t) => t.message)).toEqual(['Copied.']);
    jest.advanceTimersByTime(2000);
    expect(toasts.toasts).toEqual([]);
  });

  test('a burst keeps only the newest few on screen', () => {
    const toasts = useToastStore();
    for (let i = 1; i <= 6; i++) toasts.show(`n${i}`);
    expect(toasts.toasts.map((t) => t.message)).toEqual(['n3', 'n4', 'n5', 'n6']);
  });

  test('dismissing removes just that notice', () => {
    const toasts = useToastStore();
    const first = toasts.show('one');
    toasts.show('two');
    toasts.dismiss(first);
    expect(toasts.toasts.map((t) => t.message)).toEqual(['two']);
  });
});

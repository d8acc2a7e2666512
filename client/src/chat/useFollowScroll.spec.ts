import { afterEach, describe, expect, test } from '@jest/globals';
import { effectScope, nextTick, ref, type EffectScope } from 'vue';
import { atBottom, useFollowScroll, type ScrollBox } from './useFollowScroll';

describe('atBottom', () => {
  test('a reader within 48 px of the end is following', () => {
    expect(atBottom({ scrollHeight: 1000, scrollTop: 800, clientHeight: 200 })).toBe(true);
    expect(atBottom({ scrollHeight: 1000, scrollTop: 753, clientHeight: 200 })).toBe(true);
  });

  test('a reader who scrolled further up is not', () => {
    expect(atBottom({ scrollHeight: 1000, scrollTop: 752, clientHeight: 200 })).toBe(false);
    expect(atBottom({ scrollHeight: 1000, scrollTop: 0, clientHeight: 200 })).toBe(false);
  });

  test('a list shorter than its box is at the bottom', () => {
    expect(atBottom({ scrollHeight: 150, scrollTop: 0, clientHeight: 200 })).toBe(true);
  });
});

describe('useFollowScroll', () => {
  let scope: EffectScope | null = null;
  afterEach(() => scope?.stop());

  /** A list whose content grows by 100 px a line, and a counter standing for "a new line arrived". */
  function setUp() {
    const box = ref<ScrollBox | null>({ scrollHeight: 1000, scrollTop: 0, clientHeight: 200 });
    const lines = ref(10);
    scope = effectScope();
    const follow = scope.run(() => useFollowScroll(box, () => lines.value))!;
    async function arrive(): Promise<void> {
      lines.value++;
      box.value!.scrollHeight += 100;
      // The post-flush watcher, then the DOM tick it waits for.
      await nextTick();
      await nextTick();
    }
    return { box, arrive, ...follow };
  }

  test('starts at the newest line', async () => {
    const { box } = setUp();
    await nextTick();
    await nextTick();
    expect(box.value!.scrollTop).toBe(1000);
  });

  test('brings each new line into view while the reader is at the bottom', async () => {
    const { box, arrive, onScroll } = setUp();
    await arrive();
    onScroll();
    await arrive();
    expect(box.value!.scrollTop).toBe(1200);
  });

  test('leaves a reader who scrolled up where they are, until they scroll back down', async () => {
    const { box, arrive, onScroll } = setUp();
    await arrive();
    box.value!.scrollTop = 300;
    onScroll();
    await arrive();
    expect(box.value!.scrollTop).toBe(300);
    box.value!.scrollTop = 1200 - 200;
    onScroll();
    await arrive();
    expect(box.value!.scrollTop).toBe(1300);
  });

  test('follow() brings the next line into view even when scrolled up (after sending one)', async () => {
    const { box, arrive, onScroll, follow } = setUp();
    box.value!.scrollTop = 0;
    onScroll();
    follow();
    await arrive();
    expect(box.value!.scrollTop).toBe(1100);
  });
});

import { nextTick, watch, type Ref, type WatchSource } from 'vue';

/** What the follow decision reads of a scrolling list; an HTMLElement fits. */
export interface ScrollBox {
  scrollHeight: number;
  scrollTop: number;
  clientHeight: number;
}

/** Within this many pixels of the bottom the reader still counts as reading the newest lines. */
export const FOLLOW_SLACK_PX = 48;

/** Whether the reader is at the bottom of the list, i.e. wants new lines brought into view. */
export function atBottom(box: ScrollBox, slack = FOLLOW_SLACK_PX): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight < slack;
}

/**
 * Keeps `list` scrolled to its newest line whenever `changed` changes, unless the reader has
 * scrolled up to read older lines: then it stays put until they scroll back down or `follow()`.
 */
export function useFollowScroll(list: Readonly<Ref<ScrollBox | null>>, changed: WatchSource): { onScroll: () => void; follow: () => void } {
  let following = true;

  watch(
    changed,
    async () => {
      if (!following) return;
      await nextTick();
      const el = list.value;
      if (el) el.scrollTop = el.scrollHeight;
    },
    { immediate: true, flush: 'post' },
  );

  return {
    onScroll: () => {
      const el = list.value;
      if (el) following = atBottom(el);
    },
    // Someone who just sent a line wants to see it, wherever they had scrolled to.
    follow: () => {
      following = true;
    },
  };
}

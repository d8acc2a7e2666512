import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export type ToastTone = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  message: string;
  tone: ToastTone;
}

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_VISIBLE = 4;

/** Short-lived notices in the corner: "Copied", "Key rotated", failures with no field to sit beside. */
export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([]);
  let nextId = 1;

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id);
  }

  function show(message: string, tone: ToastTone = 'info', timeoutMs = DEFAULT_TIMEOUT_MS): number {
    const id = nextId++;
    // Oldest go first so a burst of notices cannot cover the page.
    toasts.value = [...toasts.value, { id, message, tone }].slice(-MAX_VISIBLE);
    if (timeoutMs > 0) setTimeout(() => dismiss(id), timeoutMs);
    return id;
  }

  return { toasts: readonly(toasts), show, dismiss };
});

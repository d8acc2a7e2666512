import { onBeforeUnmount, watch, type Ref } from 'vue';
import { sceneOf, type StudioDocument } from '@streamcat/protocol';
import { goLiveAtZero } from './scene-countdown';

/**
 * The owner's page at the countdown's zero: switches the programme to the show (claiming that
 * very countdown, so of two owner tabs only one acts) and then goes live as the Go live button
 * does. A timer: a hidden tab may act a little late (browsers slow timers there).
 */
export function useGoLiveAtZero(options: {
  doc: Ref<StudioDocument | null>;
  /** This page sends the browser programme (the owner's, with the channel and its key). */
  sender: Ref<boolean>;
  /** Resolves true when this page's switch was the one accepted. */
  switchToShow: (countdownAt: string) => Promise<boolean>;
  startBroadcast: () => Promise<unknown>;
}): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firedFor: string | null = null;

  function schedule(): void {
    clearTimeout(timer);
    const plan = goLiveAtZero(options.doc.value, options.sender.value, Date.now());
    if (!plan || plan.at === firedFor) return;
    timer = setTimeout(fire, plan.inMs);
  }

  async function fire(): Promise<void> {
    const plan = goLiveAtZero(options.doc.value, options.sender.value, Date.now());
    if (!plan || plan.at === firedFor) return;
    // Timers may run a moment early: wait out the rest.
    if (plan.inMs > 0) return schedule();
    firedFor = plan.at;
    if (!(await options.switchToShow(plan.at))) return;
    if (options.doc.value?.live.broadcast.state === 'offline') await options.startBroadcast();
  }

  watch(
    () => [sceneOf(options.doc.value?.layout ?? {}).countdown, options.sender.value] as const,
    () => schedule(),
    { immediate: true, deep: true },
  );
  onBeforeUnmount(() => clearTimeout(timer));
}

import { computed, onBeforeUnmount, shallowRef, watch, type Ref } from 'vue';
import { ShowSnapshot, WatchCommands } from '@streamcat/protocol';
import { useRealtimeStore } from '@/stores/realtime.store';
import { replaces } from './show-stage';

/**
 * The show layout of a channel, kept current: `watch:show` gives the snapshot and joins the
 * pushes (again after every reconnect); a push or reply older than what we hold is ignored,
 * so replies and pushes may cross. `watch:leave` (the watch store sends it) ends the pushes.
 */
export function useShowLayout(channel: Ref<string>) {
  const client = useRealtimeStore().client();
  const snapshot = shallowRef<ShowSnapshot | null>(null);

  function take(incoming: unknown): void {
    const parsed = ShowSnapshot.safeParse(incoming);
    if (!parsed.success || parsed.data.channel.toLowerCase() !== channel.value.toLowerCase()) return;
    if (replaces(snapshot.value, parsed.data)) snapshot.value = parsed.data;
  }

  async function follow(): Promise<void> {
    try {
      take(await client.send(WatchCommands.show, { channel: channel.value }));
    } catch {
      // The page shows the stage as open without a layout; the next reconnect follows again.
    }
  }

  const offs = [client.on('watch:show', take), client.onReconnect(() => void follow())];
  watch(
    channel,
    () => {
      snapshot.value = null;
      void follow();
    },
    { immediate: true },
  );
  onBeforeUnmount(() => offs.forEach((off) => off()));

  return { show: computed(() => snapshot.value?.show ?? null), known: computed(() => snapshot.value !== null) };
}

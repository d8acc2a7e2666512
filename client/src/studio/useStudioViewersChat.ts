import { readonly, ref } from 'vue';
import { WatchCommands } from '@streamcat/protocol/watch';
import { ApiError } from '@/services/api';
import { useChatStore } from '@/stores/chat.store';
import { useRealtimeStore } from '@/stores/realtime.store';

/**
 * The channel's public chat, followed from inside its studio. It joins the watch room with
 * `as: 'studio'`, which the server allows only to people seated in that studio and which
 * keeps them out of the viewer count (the people making the show are not its audience).
 * Messages and moderation then go through the same chat store as the watch page.
 */
export function useStudioViewersChat(channelName: () => string) {
  const realtime = useRealtimeStore();
  const chat = useChatStore();
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<string | null>(null);
  let offReconnect: (() => void) | null = null;
  /** Bumped per join and on stop, so only the latest answer is shown. */
  let generation = 0;

  async function join(): Promise<void> {
    const mine = ++generation;
    const name = channelName();
    if (status.value !== 'ready') status.value = 'loading';
    try {
      const state = await realtime.client().send(WatchCommands.join, { channel: name, as: 'studio' });
      if (mine !== generation) return;
      chat.showSnapshot(state.channel.name, state, () => void join());
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      if (mine !== generation) return;
      status.value = 'error';
      error.value = e instanceof ApiError ? e.message : 'The viewers’ chat could not be loaded.';
    }
  }

  function start(): void {
    offReconnect ??= realtime.client().onReconnect(() => void join());
    void join();
  }

  async function stop(): Promise<void> {
    generation++;
    offReconnect?.();
    offReconnect = null;
    status.value = 'idle';
    chat.close();
    if (realtime.state === 'connected') {
      await realtime
        .client()
        .send(WatchCommands.leave, { channel: channelName() })
        .catch(() => undefined);
    }
  }

  return { status: readonly(status), error: readonly(error), start, stop, retry: join };
}

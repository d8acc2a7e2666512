import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import { WatchCommands, type CommentWithdrawn, type WatchState } from '@streamcat/protocol/watch';
import type { PublicChannel } from '@streamcat/protocol';
import { api, ApiError } from '../services/api';
import { sameChannel } from '../chat/chat.feed';
import { useChatStore } from './chat.store';
import { useRealtimeStore } from './realtime.store';
import { useSessionStore } from './session.store';

export type WatchedChannel = WatchState['channel'] & Pick<PublicChannel, 'playbackUrl' | 'owner'>;
export type WatchStatus = 'idle' | 'loading' | 'ready' | 'not-found' | 'failed';
/** The last comment card a moderator took off screen; `seq` counts withdrawals, so the same message twice is news twice. */
export type WithdrawnComment = CommentWithdrawn & { seq: number };

/**
 * The channel on the watch page: live or not (pushed the moment the server applies IVS's
 * Stream Start / End), title, category, health, viewer count. Joining gives a snapshot; the
 * `watch:*` events keep it current; after a reconnect it joins again and takes the new snapshot.
 */
export const useWatchStore = defineStore('watch', () => {
  const realtime = useRealtimeStore();
  const session = useSessionStore();
  const chat = useChatStore();

  const channel = ref<WatchedChannel | null>(null);
  const status = ref<WatchStatus>('idle');
  const error = ref<string | null>(null);
  const commentWithdrawn = ref<WithdrawnComment | null>(null);
  let withdrawals = 0;
  let watching: string | null = null;
  /** Bumped on every watch/stop, so a slow answer for the previous channel is dropped. */
  let generation = 0;
  let offEvents: (() => void)[] = [];

  const isOwner = computed(() => !!channel.value && !!session.user && channel.value.owner.username === session.user.username);

  function subscribe(): void {
    const client = realtime.client();
    const mine = (name: string) => sameChannel(name, watching) && channel.value !== null;
    offEvents = [
      client.on('watch:live', (e) => {
        if (mine(e.channel)) channel.value = { ...channel.value!, isLive: e.isLive, since: e.since };
      }),
      client.on('watch:info', (e) => {
        if (mine(e.channel)) channel.value = { ...channel.value!, title: e.title, category: e.category };
      }),
      client.on('watch:health', (e) => {
        if (mine(e.channel)) channel.value = { ...channel.value!, health: e.health };
      }),
      client.on('watch:viewers', (e) => {
        if (mine(e.channel)) channel.value = { ...channel.value!, viewerCount: e.viewerCount };
      }),
      // The player covers the card its delayed picture still shows (CommentWithdrawnCover).
      client.on('watch:comment-withdrawn', (e) => {
        if (mine(e.channel)) commentWithdrawn.value = { ...e, seq: ++withdrawals };
      }),
      client.onReconnect(() => void resync()),
    ];
  }

  /** Opens a channel's watch page (leaving the previous one). */
  async function watchChannel(name: string): Promise<void> {
    await stopWatching();
    const mine = ++generation;
    watching = name;
    status.value = 'loading';
    error.value = null;
    subscribe();
    try {
      const [info, state] = await Promise.all([api.channel(name), realtime.client().send(WatchCommands.join, { channel: name })]);
      if (mine !== generation) return;
      apply(state, info);
      status.value = 'ready';
    } catch (e) {
      if (mine !== generation) return;
      if (e instanceof ApiError && (e.code === 'request/not-found' || e.code === 'channel/not-found' || e.status === 404)) {
        status.value = 'not-found';
      } else {
        status.value = 'failed';
        error.value = e instanceof ApiError ? e.message : 'Something went wrong while opening this channel.';
      }
    }
  }

  /** Takes a fresh snapshot: after a reconnect, or when the server says something changed we cannot patch. */
  async function resync(): Promise<void> {
    const name = watching;
    const mine = generation;
    if (!name || !channel.value) return;
    try {
      const state = await realtime.client().send(WatchCommands.join, { channel: name });
      if (mine !== generation) return;
      apply(state, channel.value);
    } catch {
      // The next reconnect tries again; the reconnecting banner already tells the person.
    }
  }

  function apply(state: WatchState, info: Pick<PublicChannel, 'playbackUrl' | 'owner'>): void {
    channel.value = { ...state.channel, playbackUrl: info.playbackUrl, owner: info.owner };
    chat.showSnapshot(state.channel.name, state, () => void resync());
  }

  async function stopWatching(): Promise<void> {
    generation++;
    for (const off of offEvents) off();
    offEvents = [];
    const name = watching;
    watching = null;
    channel.value = null;
    commentWithdrawn.value = null;
    status.value = 'idle';
    chat.close();
    if (name && realtime.state === 'connected') {
      await realtime
        .client()
        .send(WatchCommands.leave, { channel: name })
        .catch(() => undefined);
    }
  }

  return {
    channel: readonly(channel),
    status: readonly(status),
    error: readonly(error),
    commentWithdrawn: readonly(commentWithdrawn),
    isOwner,
    watchChannel,
    stopWatching,
    resync,
  };
});

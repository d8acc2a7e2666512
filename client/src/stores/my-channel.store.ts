import { defineStore } from 'pinia';
import { readonly, ref, watch } from 'vue';
import { api } from '../services/api';
import type { CategoryDto, MyChannel, MyStage, StreamCredentials, UpdateChannelRequest } from '@streamcat/protocol';
import { useSessionStore } from './session.store';

export const CHANNEL_TITLE_MAX = 140;

/** The signed-in host's own channel, stage and stream credentials (the "My channel" page). */
export const useMyChannelStore = defineStore('myChannel', () => {
  const session = useSessionStore();

  const channel = ref<MyChannel | null>(null);
  const stage = ref<MyStage | null>(null);
  const categories = ref<CategoryDto[]>([]);
  const credentials = ref<StreamCredentials | null>(null);

  function forget(): void {
    channel.value = null;
    stage.value = null;
    credentials.value = null;
  }
  // Another person may log in next in this tab; never show them the previous key.
  watch(
    () => session.token,
    (now, before) => {
      if (now !== before) forget();
    },
  );

  /** Loads everything the page shows; rejects with an ApiError the page displays. */
  async function load(): Promise<void> {
    const [me, list, creds] = await Promise.all([session.loadMe(), api.categories(), api.streamCredentials()]);
    channel.value = me.channel;
    stage.value = me.stage;
    categories.value = list;
    credentials.value = creds;
  }

  async function saveDetails(update: UpdateChannelRequest): Promise<void> {
    channel.value = await api.updateMyChannel(update);
  }

  /** The old key stops working at once; an encoder using it is cut off. */
  async function rotateStreamKey(): Promise<void> {
    credentials.value = await api.rotateStreamKey();
  }

  return {
    channel: readonly(channel),
    stage: readonly(stage),
    categories: readonly(categories),
    credentials: readonly(credentials),
    load,
    saveDetails,
    rotateStreamKey,
  };
});

import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import { ChatCommands, type ChatMessage, type ChatSanction } from '@streamcat/protocol/chat';
import type { WatchState } from '@streamcat/protocol/watch';
import { ApiError } from '../services/api';
import { appendMessage, removeMessage, resyncFeed, sameChannel } from '../chat/chat.feed';
import { retryAfterSeconds, sanctionFromRefusal } from '../chat/chat.composer';
import { useRealtimeStore } from './realtime.store';
import { useSessionStore } from './session.store';

/**
 * The live chat of the channel being watched: its messages, slow mode, and what this person
 * may do (send, moderate, or why not). The watch store hands it each `watch:join` snapshot
 * (first load and every reconnect); live `chat:*` events keep it current in between.
 */
export const useChatStore = defineStore('chat', () => {
  const realtime = useRealtimeStore();
  const session = useSessionStore();

  const channel = ref<string | null>(null);
  const messages = ref<ChatMessage[]>([]);
  const slowModeSeconds = ref(0);
  const canChat = ref(false);
  const canModerate = ref(false);
  const sanction = ref<ChatSanction | null>(null);
  /** Epoch ms before which the server would refuse this person's next message (slow mode, rate limit). */
  const waitUntil = ref(0);
  let lastSentAt = 0;
  let offEvents: (() => void)[] = [];
  let resync: (() => void) | null = null;

  const isOwnerOrStaff = computed(() => canModerate.value);

  function subscribe(): void {
    if (offEvents.length) return;
    const client = realtime.client();
    offEvents = [
      client.on('chat:message', (m) => {
        if (sameChannel(m.channel, channel.value)) messages.value = appendMessage(messages.value, m);
      }),
      client.on('chat:deleted', (e) => {
        if (sameChannel(e.channel, channel.value)) messages.value = removeMessage(messages.value, e.messageId);
      }),
      client.on('chat:slow-mode', (e) => {
        if (!sameChannel(e.channel, channel.value)) return;
        slowModeSeconds.value = e.seconds;
        // The new pace applies to the last message already sent.
        waitUntil.value = e.seconds > 0 && !isOwnerOrStaff.value ? lastSentAt + e.seconds * 1000 : 0;
      }),
      client.on('chat:sanction', (e) => {
        // `channel` null: a site-wide sanction, which applies here too.
        if (e.channel !== null && !sameChannel(e.channel, channel.value)) return;
        if (e.sanction) {
          sanction.value = e.sanction;
          canChat.value = false;
        } else {
          // Lifting one sanction may leave another in force: ask the server.
          sanction.value = null;
          resync?.();
        }
      }),
    ];
  }

  /** Shows a channel's chat from a `watch:join` snapshot (also after every reconnect). */
  function showSnapshot(name: string, state: Pick<WatchState, 'chat' | 'me'>, onResyncNeeded: () => void): void {
    const same = sameChannel(name, channel.value);
    channel.value = name;
    messages.value = same ? resyncFeed(messages.value, state.chat.history) : [...state.chat.history];
    slowModeSeconds.value = state.chat.slowModeSeconds;
    canChat.value = state.me.canChat;
    canModerate.value = state.me.canModerate;
    sanction.value = state.me.sanction;
    if (!same) waitUntil.value = 0;
    resync = onResyncNeeded;
    subscribe();
  }

  function close(): void {
    for (const off of offEvents) off();
    offEvents = [];
    channel.value = null;
    messages.value = [];
    sanction.value = null;
    canChat.value = false;
    canModerate.value = false;
    slowModeSeconds.value = 0;
    waitUntil.value = 0;
    resync = null;
  }

  /** Sends a message; throws an ApiError whose message the send box shows. */
  async function send(text: string): Promise<void> {
    const name = channel.value;
    if (!name) throw new ApiError(0, 'request/invalid', 'There is no chat open.');
    try {
      const message = await realtime.client().send(ChatCommands.send, { channel: name, text });
      lastSentAt = Date.now();
      if (slowModeSeconds.value > 0 && !canModerate.value) waitUntil.value = lastSentAt + slowModeSeconds.value * 1000;
      if (sameChannel(name, channel.value)) messages.value = appendMessage(messages.value, message);
    } catch (error) {
      if (error instanceof ApiError) {
        const refusal = sanctionFromRefusal(error.code, error.details);
        if (refusal) {
          sanction.value = refusal;
          canChat.value = false;
        }
        if (error.code === 'chat/slow-mode' || error.code === 'chat/rate-limited') {
          waitUntil.value = Date.now() + retryAfterSeconds(error.details) * 1000;
        }
      }
      throw error;
    }
  }

  function target(): string {
    if (!channel.value) throw new ApiError(0, 'request/invalid', 'There is no chat open.');
    return channel.value;
  }

  async function deleteMessage(messageId: string): Promise<void> {
    await realtime.client().send(ChatCommands.delete, { channel: target(), messageId });
    messages.value = removeMessage(messages.value, messageId);
  }

  async function timeOutUser(username: string, seconds: number, reason: string): Promise<ChatSanction> {
    return realtime.client().send(ChatCommands.timeout, { channel: target(), username, seconds, reason });
  }

  async function banUser(username: string, reason: string): Promise<ChatSanction> {
    return realtime.client().send(ChatCommands.ban, { channel: target(), username, reason });
  }

  async function setSlowMode(seconds: number): Promise<void> {
    const result = await realtime.client().send(ChatCommands.slowMode, { channel: target(), seconds });
    slowModeSeconds.value = result.seconds;
  }

  return {
    channel: readonly(channel),
    messages: readonly(messages),
    slowModeSeconds: readonly(slowModeSeconds),
    canChat: readonly(canChat),
    canModerate: readonly(canModerate),
    sanction: readonly(sanction),
    waitUntil: readonly(waitUntil),
    loggedIn: computed(() => session.isAuthenticated),
    me: computed(() => session.user?.username ?? null),
    showSnapshot,
    close,
    send,
    deleteMessage,
    timeOutUser,
    banUser,
    setSlowMode,
  };
});

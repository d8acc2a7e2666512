import { defineStore } from 'pinia';
import { computed, readonly, ref, shallowRef } from 'vue';
import type { CommandDef, CommandPayload, CommandResult, ServerEvents } from '@streamcat/protocol';
import { BackstageCommands, type BackstageMessage } from '@streamcat/protocol/studio';
import { ApiError } from '../services/api';
import { newCommandId } from '../services/realtime';
import { commandIdFor, countUnread, latestKey, mergeBackstage, sendErrorSentence } from '../studio/backstage-chat.feed';
import { useRealtimeStore } from './realtime.store';

/** What the store needs from the socket: RealtimeClient fits, tests pass a fake. */
export interface BackstageTransport {
  send<C extends CommandDef>(def: C, payload: CommandPayload<C>): Promise<CommandResult<C>>;
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void;
  onReconnect(hook: () => void): () => void;
}

export type BackstageStatus = 'idle' | 'loading' | 'ready' | 'error';

/**
 * The studio's private backstage chat as this member sees it. Opening reads the history
 * (which also puts the socket in the studio room), pushes add to it, and every reconnect
 * reads the history again and folds it in, so nothing sent while away is missed.
 */
export const useBackstageChatStore = defineStore('backstage-chat', () => {
  const stageName = ref<string | null>(null);
  const stageId = ref<string | null>(null);
  const myMemberId = ref<string | null>(null);
  const messages = shallowRef<BackstageMessage[]>([]);
  const status = ref<BackstageStatus>('idle');
  /** A sentence when the history could not be read. */
  const error = ref<string | null>(null);
  /** "Seen up to here", for the unread badge while the panel is hidden. */
  const seenKey = ref<string | null>(null);

  let transport: BackstageTransport | null = null;
  let offs: (() => void)[] = [];
  /** Bumped on every open / close, so a slow answer for an earlier studio is dropped. */
  let generation = 0;
  /** The last send whose answer never came: a retry of the same text reuses its command id. */
  let unanswered: { text: string; commandId: string } | null = null;

  const unread = computed(() => countUnread(messages.value, seenKey.value, (m) => m.memberId === myMemberId.value));

  async function loadHistory(): Promise<void> {
    const mine = generation;
    if (!transport || !stageName.value) return;
    try {
      const { messages: history } = await transport.send(BackstageCommands.history, { stage: stageName.value });
      if (mine !== generation) return;
      messages.value = mergeBackstage(messages.value, history);
      status.value = 'ready';
      error.value = null;
    } catch (e) {
      if (mine !== generation) return;
      status.value = 'error';
      error.value = e instanceof ApiError ? e.message : 'The backstage chat could not be loaded.';
    }
  }

  /** Opens the backstage chat of one studio (`stageId` filters pushes from any other). */
  async function open(input: { stageName: string; stageId: string; memberId: string }, via?: BackstageTransport): Promise<void> {
    close();
    transport = via ?? useRealtimeStore().client();
    stageName.value = input.stageName;
    stageId.value = input.stageId;
    myMemberId.value = input.memberId;
    status.value = 'loading';
    offs = [
      transport.on('studio:backstage-message', (m) => {
        if (m.stageId === stageId.value) messages.value = mergeBackstage(messages.value, [m]);
      }),
      transport.onReconnect(() => void loadHistory()),
    ];
    await loadHistory();
  }

  function close(): void {
    generation++;
    for (const off of offs) off();
    offs = [];
    transport = null;
    stageName.value = null;
    stageId.value = null;
    myMemberId.value = null;
    messages.value = [];
    status.value = 'idle';
    error.value = null;
    seenKey.value = null;
    unanswered = null;
  }

  /** Sends a message; on refusal throws an Error whose message is the sentence to show. */
  async function send(text: string): Promise<BackstageMessage> {
    const t = transport;
    const stage = stageName.value;
    if (!t || !stage) throw new Error('The backstage chat is not open.');
    const commandId = commandIdFor(unanswered, text, newCommandId);
    try {
      const message = await t.send(BackstageCommands.send, { stage, commandId, text });
      unanswered = null;
      if (message.stageId === stageId.value) messages.value = mergeBackstage(messages.value, [message]);
      return message;
    } catch (e) {
      const err = e instanceof ApiError ? e : null;
      // Only an unanswered attempt may have been stored; a refusal definitely was not.
      unanswered = err?.code === 'server/unavailable' ? { text, commandId } : null;
      throw new Error(sendErrorSentence(err));
    }
  }

  function markSeen(): void {
    seenKey.value = latestKey(messages.value);
  }

  return {
    stageName: readonly(stageName),
    messages: computed(() => messages.value),
    status: readonly(status),
    error: readonly(error),
    myMemberId: readonly(myMemberId),
    unread,
    open,
    close,
    send,
    markSeen,
    reload: loadHistory,
  };
});

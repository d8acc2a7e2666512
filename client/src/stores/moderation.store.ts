import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import type { ChatMessage, ChatSanction, ModerationAuditEntry, ModerationChannel, ModerationStage } from '@streamcat/protocol';
import { ModerationCommands } from '@streamcat/protocol/moderation';
import { ChatCommands } from '@streamcat/protocol/chat';
import { WatchCommands } from '@streamcat/protocol/watch';
import { ApiError, api } from '../services/api';
import type { RealtimeClient } from '../services/realtime';
import { applyChannelUpdate, applyStageUpdate, boardRows, mergeAudit, sortChannels, sortStages } from '../moderation/moderation.board';
import { useRealtimeStore } from './realtime.store';

/** Recent chat kept for the channel being inspected. */
export const RECENT_CHAT_KEEP = 100;
const AUDIT_PAGE = 50;

export type PanelState = 'idle' | 'loading' | 'ready' | 'forbidden' | 'failed';

/** The channel a moderator drilled into: its recent chat, live. */
export interface InspectedChat {
  channel: string;
  state: 'loading' | 'ready' | 'failed';
  error: string | null;
  messages: ChatMessage[];
  slowModeSeconds: number;
}

type Client = Pick<RealtimeClient, 'send' | 'on' | 'onReconnect'>;

/**
 * The moderators' live control panel: every live channel and open stage from the
 * `moderation:subscribe` snapshot kept current by the pushed updates, the audit log, the
 * chat of the channel being inspected, and the actions (each with a reason, each audited
 * by the server). After any reconnection the snapshot is fetched again: updates missed
 * while offline are never replayed.
 */
export const useModerationStore = defineStore('moderation', () => {
  const realtime = useRealtimeStore();

  const state = ref<PanelState>('idle');
  const error = ref<string | null>(null);
  const channels = ref<ModerationChannel[]>([]);
  const stages = ref<ModerationStage[]>([]);
  const snapshotAt = ref<string | null>(null);
  const rows = computed(() => boardRows(channels.value, stages.value));

  const audit = ref<ModerationAuditEntry[]>([]);
  const auditCursor = ref<string | null>(null);
  const auditState = ref<'idle' | 'loading' | 'ready' | 'failed'>('idle');
  const auditError = ref<string | null>(null);
  /** No more pages: the oldest entry is on screen. */
  const auditComplete = ref(false);

  const inspected = ref<InspectedChat | null>(null);

  let client: Client | null = null;
  let unlisten: Array<() => void> = [];

  function listen(c: Client): void {
    unlisten = [
      c.on('moderation:channel', (update) => {
        channels.value = applyChannelUpdate(channels.value, update);
      }),
      c.on('moderation:stage', (update) => {
        stages.value = applyStageUpdate(stages.value, update);
      }),
      c.on('moderation:audit', (entry) => {
        audit.value = mergeAudit(audit.value, [entry]);
      }),
      c.on('chat:message', (message) => {
        const chat = inspected.value;
        if (chat?.state !== 'ready' || chat.channel !== message.channel) return;
        if (chat.messages.some((m) => m.id === message.id)) return;
        chat.messages = [...chat.messages, message].slice(-RECENT_CHAT_KEEP);
      }),
      c.on('chat:deleted', ({ channel, messageId }) => {
        const chat = inspected.value;
        if (chat?.channel === channel) chat.messages = chat.messages.filter((m) => m.id !== messageId);
      }),
      c.on('chat:slow-mode', ({ channel, seconds }) => {
        const chat = inspected.value;
        if (chat?.channel === channel) chat.slowModeSeconds = seconds;
      }),
      c.onReconnect(() => {
        void resync();
      }),
    ];
  }

  /** True when the snapshot arrived. */
  async function fetchSnapshot(): Promise<boolean> {
    if (!client) return false;
    // An update that raced the snapshot is already in it (the server joins the room before
    // reading), so the snapshot simply replaces whatever arrived meanwhile.
    try {
      const snapshot = await client.send(ModerationCommands.subscribe, {});
      channels.value = sortChannels(snapshot.channels);
      stages.value = sortStages(snapshot.stages);
      snapshotAt.value = snapshot.at;
      state.value = 'ready';
      error.value = null;
      return true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      state.value = e.code === 'auth/forbidden' ? 'forbidden' : 'failed';
      error.value = e.message;
      return false;
    }
  }

  async function resync(): Promise<void> {
    // Entries written while we were away: the newest page merges in without duplicates.
    if (await fetchSnapshot()) void loadAudit({ refresh: true });
    if (inspected.value) void inspectChat(inspected.value.channel);
  }

  /** Opens the panel: subscribes and starts listening. Safe to call again. */
  async function open(c: Client = realtime.client()): Promise<void> {
    if (client !== c) {
      close();
      client = c;
      listen(c);
    }
    state.value = 'loading';
    if (await fetchSnapshot()) await loadAudit({ refresh: true });
  }

  /** Leaves the panel: stops the feed and the inspected chat. */
  function close(): void {
    const c = client;
    for (const off of unlisten) off();
    unlisten = [];
    client = null;
    if (c) {
      c.send(ModerationCommands.unsubscribe, {}).catch(() => undefined);
      if (inspected.value) c.send(WatchCommands.leave, { channel: inspected.value.channel }).catch(() => undefined);
    }
    inspected.value = null;
    state.value = 'idle';
  }

  async function loadAudit(options: { refresh?: boolean } = {}): Promise<void> {
    if (auditState.value === 'loading' && !options.refresh) return;
    auditState.value = 'loading';
    auditError.value = null;
    try {
      const page = await api.moderationAudit({ limit: AUDIT_PAGE, cursor: options.refresh ? undefined : (auditCursor.value ?? undefined) });
      audit.value = mergeAudit(audit.value, page.items);
      // A refresh only brings the newest page in; the cursor for older pages stays where it was.
      if (!options.refresh || auditCursor.value === null) {
        auditCursor.value = page.nextCursor;
        auditComplete.value = page.nextCursor === null;
      }
      auditState.value = 'ready';
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      auditState.value = 'failed';
      auditError.value = e.message;
    }
  }

  /** Shows a channel's recent chat, live (`null` stops). The panel counts as one watcher meanwhile. */
  async function inspectChat(channel: string | null): Promise<void> {
    const c = client;
    if (!c) return;
    const previous = inspected.value?.channel;
    if (previous && previous !== channel) c.send(WatchCommands.leave, { channel: previous }).catch(() => undefined);
    if (!channel) {
      inspected.value = null;
      return;
    }
    inspected.value = {
      channel,
      state: 'loading',
      error: null,
      messages: inspected.value?.channel === channel ? inspected.value.messages : [],
      slowModeSeconds: 0,
    };
    try {
      const watch = await c.send(WatchCommands.join, { channel });
      if (inspected.value?.channel !== channel) return;
      inspected.value = {
        channel,
        state: 'ready',
        error: null,
        messages: watch.chat.history.slice(-RECENT_CHAT_KEEP),
        slowModeSeconds: watch.chat.slowModeSeconds,
      };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (inspected.value?.channel === channel) inspected.value = { ...inspected.value, state: 'failed', error: e.message };
    }
  }

  function requireClient(): Client {
    if (!client) throw new ApiError(0, 'server/unavailable', 'The moderation panel is not connected.');
    return client;
  }

  // --- Actions: each throws an ApiError the dialog shows beside the reason -------------
  async function stopStream(channel: string, reason: string, rotateKey: boolean): Promise<{ keyRotated: boolean }> {
    return requireClient().send(ModerationCommands.stopStream, { channel, reason, rotateKey });
  }
  async function removeMember(stage: string, memberId: string, reason: string): Promise<void> {
    await requireClient().send(ModerationCommands.removeMember, { stage, memberId, reason });
  }
  async function closeRealtime(stage: string, reason: string): Promise<void> {
    await requireClient().send(ModerationCommands.closeRealtime, { stage, reason });
  }
  async function deleteMessage(channel: string, messageId: string, reason: string): Promise<void> {
    await requireClient().send(ChatCommands.delete, { channel, messageId, reason: reason || undefined });
    // The server also pushes `chat:deleted`; removing it now keeps the list honest if that push is slow.
    const chat = inspected.value;
    if (chat?.channel === channel) chat.messages = chat.messages.filter((m) => m.id !== messageId);
  }
  function timeOut(channel: string, username: string, seconds: number, reason: string): Promise<ChatSanction> {
    return requireClient().send(ChatCommands.timeout, { channel, username, seconds, reason });
  }
  function ban(channel: string, username: string, reason: string): Promise<ChatSanction> {
    return requireClient().send(ChatCommands.ban, { channel, username, reason });
  }
  function banSite(username: string, reason: string, seconds?: number): Promise<ChatSanction> {
    return requireClient().send(ModerationCommands.banSite, { username, reason, ...(seconds ? { seconds } : {}) });
  }
  async function unbanSite(username: string, reason: string): Promise<number> {
    return (await requireClient().send(ModerationCommands.unbanSite, { username, reason: reason || undefined })).lifted;
  }
  async function setSlowMode(channel: string, seconds: number, reason: string): Promise<void> {
    const result = await requireClient().send(ChatCommands.slowMode, { channel, seconds, reason: reason || undefined });
    if (inspected.value?.channel === channel) inspected.value.slowModeSeconds = result.seconds;
  }

  return {
    state: readonly(state),
    error: readonly(error),
    channels: readonly(channels),
    stages: readonly(stages),
    snapshotAt: readonly(snapshotAt),
    rows,
    audit: readonly(audit),
    auditState: readonly(auditState),
    auditError: readonly(auditError),
    auditComplete: readonly(auditComplete),
    inspected: readonly(inspected),
    open,
    close,
    loadAudit,
    inspectChat,
    stopStream,
    removeMember,
    closeRealtime,
    deleteMessage,
    timeOut,
    ban,
    banSite,
    unbanSite,
    setSlowMode,
  };
});

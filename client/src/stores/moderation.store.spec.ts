import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import type { ModerationAuditEntry, ModerationAuditPage, ModerationChannel, ModerationSnapshot } from '@streamcat/protocol';
import { ApiError, api } from '../services/api';
import { useModerationStore } from './moderation.store';

// --- a fake realtime connection: commands answered by the test, events pushed by the test ---
type Handler = (payload: never) => void;
class FakeClient {
  readonly sent: Array<{ name: string; payload: unknown }> = [];
  readonly handlers = new Map<string, Set<Handler>>();
  readonly reconnectHooks = new Set<() => void>();
  answers = new Map<string, (payload: unknown) => Promise<unknown>>();

  send = (def: { name: string }, payload: unknown): Promise<never> => {
    this.sent.push({ name: def.name, payload });
    const answer = this.answers.get(def.name);
    return (answer ? answer(payload) : Promise.resolve({})) as Promise<never>;
  };
  on = (event: string, handler: Handler): (() => void) => {
    const set = this.handlers.get(event) ?? new Set();
    set.add(handler);
    this.handlers.set(event, set);
    return () => set.delete(handler);
  };
  onReconnect = (hook: () => void): (() => void) => {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  };
  push(event: string, payload: unknown): void {
    for (const h of this.handlers.get(event) ?? []) (h as (p: unknown) => void)(payload);
  }
  reconnect(): void {
    for (const hook of this.reconnectHooks) hook();
  }
}

function channel(name: string, over: Partial<ModerationChannel> = {}): ModerationChannel {
  return {
    channel: name,
    title: 'Show',
    host: name,
    streamId: 's1',
    since: '2025-01-01T10:00:00.000Z',
    health: 'HEALTHY',
    viewerCount: 1,
    limitBreaches: [],
    ...over,
  };
}
function snapshot(channels: ModerationChannel[]): ModerationSnapshot {
  return { channels, stages: [], at: '2025-01-01T10:00:00.000Z' };
}
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
const flush = () => new Promise((r) => setTimeout(r, 0));
const emptyAudit: ModerationAuditPage = { items: [], nextCursor: null };

let client: FakeClient;
beforeEach(() => {
  jest.restoreAllMocks();
  setActivePinia(createPinia());
  client = new FakeClient();
  jest.spyOn(api, 'moderationAudit').mockResolvedValue(emptyAudit);
});

// The store's `open` takes the connection; the cast hides only the fake's looser types.
const open = (store: ReturnType<typeof useModerationStore>) => store.open(client as never);

describe('moderation store', () => {
  it('shows the snapshot, then applies live updates on top of it', async () => {
    client.answers.set('moderation:subscribe', async () => snapshot([channel('alice')]));
    const store = useModerationStore();
    await open(store);
    expect(store.state).toBe('ready');
    expect(store.rows.map((r) => r.host)).toEqual(['alice']);

    client.push('moderation:channel', { channel: 'bob', entry: channel('bob', { since: '2025-01-01T11:00:00.000Z' }) });
    client.push('moderation:channel', { channel: 'alice', entry: channel('alice', { viewerCount: 7 }) });
    expect(store.channels.map((c) => [c.channel, c.viewerCount])).toEqual([
      ['alice', 7],
      ['bob', 1],
    ]);
    client.push('moderation:channel', { channel: 'alice', entry: null });
    expect(store.rows.map((r) => r.host)).toEqual(['bob']);
  });

  it('lets the snapshot win over an update that raced it', async () => {
    const answer = deferred<ModerationSnapshot>();
    client.answers.set('moderation:subscribe', () => answer.promise);
    const store = useModerationStore();
    const opening = open(store);
    client.push('moderation:channel', { channel: 'alice', entry: channel('alice', { viewerCount: 3 }) });
    answer.resolve(snapshot([channel('alice', { viewerCount: 4 })]));
    await opening;
    expect(store.channels.map((c) => c.viewerCount)).toEqual([4]);
  });

  it('fetches a fresh snapshot after a reconnection, so a channel that ended meanwhile disappears', async () => {
    let live = [channel('alice'), channel('bob')];
    client.answers.set('moderation:subscribe', async () => snapshot(live));
    const store = useModerationStore();
    await open(store);
    expect(store.channels).toHaveLength(2);

    live = [channel('bob')];
    client.reconnect();
    await flush();
    expect(store.channels.map((c) => c.channel)).toEqual(['bob']);
    expect(client.sent.filter((s) => s.name === 'moderation:subscribe')).toHaveLength(2);
  });

  it('tells a non-moderator the panel is for moderators', async () => {
    client.answers.set('moderation:subscribe', async () => {
      throw new ApiError(0, 'auth/forbidden', 'You are not allowed to do that.');
    });
    const store = useModerationStore();
    await open(store);
    expect(store.state).toBe('forbidden');
    expect(api.moderationAudit).not.toHaveBeenCalled();
  });

  it('adds pushed audit entries to the loaded log once each, newest first', async () => {
    const entry = (id: string, at: string): ModerationAuditEntry => ({
      id,
      actor: { id: 'm', username: 'mod' },
      action: 'delete-message',
      target: { kind: 'message', id: 'x', name: 'hello' },
      channel: 'alice',
      reason: 'rude',
      details: {},
      at,
    });
    jest.spyOn(api, 'moderationAudit').mockResolvedValue({ items: [entry('a1', '2025-01-01T10:00:00.000Z')], nextCursor: 'next' });
    client.answers.set('moderation:subscribe', async () => snapshot([]));
    const store = useModerationStore();
    await open(store);
    client.push('moderation:audit', entry('a2', '2025-01-01T10:01:00.000Z'));
    client.push('moderation:audit', entry('a2', '2025-01-01T10:01:00.000Z'));
    expect(store.audit.map((e) => e.id)).toEqual(['a2', 'a1']);
    expect(store.auditComplete).toBe(false);

    jest.spyOn(api, 'moderationAudit').mockResolvedValue({ items: [entry('a0', '2025-01-01T09:00:00.000Z')], nextCursor: null });
    await store.loadAudit();
    expect(api.moderationAudit).toHaveBeenLastCalledWith({ limit: 50, cursor: 'next' });
    expect(store.audit.map((e) => e.id)).toEqual(['a2', 'a1', 'a0']);
    expect(store.auditComplete).toBe(true);
  });

  it('keeps the inspected channel’s chat live and forgets other channels’ messages', async () => {
    client.answers.set('moderation:subscribe', async () => snapshot([channel('alice')]));
    const message = (id: string, ch = 'alice') => ({
      id,
      channel: ch,
      streamId: 's1',
      user: { id: 'v', username: 'viewer' },
      text: id,
      sentAt: '2025-01-01T10:00:00.000Z',
    });
    client.answers.set('watch:join', async () => ({ chat: { history: [message('m1')], slowModeSeconds: 0 } }));
    const store = useModerationStore();
    await open(store);
    await store.inspectChat('alice');
    client.push('chat:message', message('m2'));
    client.push('chat:message', message('x1', 'bob'));
    client.push('chat:slow-mode', { channel: 'alice', seconds: 30 });
    expect(store.inspected?.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(store.inspected?.slowModeSeconds).toBe(30);

    client.push('chat:deleted', { channel: 'alice', messageId: 'm1' });
    expect(store.inspected?.messages.map((m) => m.id)).toEqual(['m2']);

    await store.inspectChat(null);
    expect(client.sent.at(-1)).toEqual({ name: 'watch:leave', payload: { channel: 'alice' } });
  });

  it('stops listening when the panel closes', async () => {
    client.answers.set('moderation:subscribe', async () => snapshot([]));
    const store = useModerationStore();
    await open(store);
    store.close();
    client.push('moderation:channel', { channel: 'alice', entry: channel('alice') });
    expect(store.channels).toEqual([]);
    expect(client.sent.some((s) => s.name === 'moderation:unsubscribe')).toBe(true);
  });
});

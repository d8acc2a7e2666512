import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import type { ChatMessage } from '@streamcat/protocol/chat';
import type { WatchState } from '@streamcat/protocol/watch';
import type { PublicChannel } from '@streamcat/protocol';
import { api, ApiError } from '../services/api';
import { useChatStore } from './chat.store';
import { useWatchStore } from './watch.store';

// --- a fake realtime connection: records commands, answers them, delivers pushed events -------
type Handler = (payload: never) => void;
class FakeRealtime {
  readonly handlers = new Map<string, Set<Handler>>();
  readonly reconnectHooks = new Set<() => void>();
  readonly sent: Array<{ name: string; payload: Record<string, unknown> }> = [];
  replies: Record<string, (payload: Record<string, unknown>) => unknown> = {};

  on(event: string, handler: Handler): () => void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(handler);
    return () => this.handlers.get(event)!.delete(handler);
  }
  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.add(hook);
    return () => this.reconnectHooks.delete(hook);
  }
  async send(def: { name: string }, payload: Record<string, unknown>): Promise<unknown> {
    this.sent.push({ name: def.name, payload });
    const reply = this.replies[def.name];
    if (!reply) throw new ApiError(0, 'request/unknown-event', 'no reply');
    return reply(payload);
  }
  push(event: string, payload: unknown): void {
    for (const h of this.handlers.get(event) ?? []) h(payload as never);
  }
  reconnected(): void {
    for (const hook of this.reconnectHooks) hook();
  }
}

let mockRealtime: FakeRealtime;
jest.mock('./realtime.store', () => ({
  useRealtimeStore: () => ({ client: () => mockRealtime, state: 'connected' }),
}));

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function message(id: string, text: string, sentAt: string, username = 'vic'): ChatMessage {
  return { id, channel: 'alice', streamId: null, user: { id: `u-${username}`, username }, text, sentAt };
}

function state(over: { isLive?: boolean; history?: ChatMessage[]; me?: Partial<WatchState['me']>; viewerCount?: number } = {}): WatchState {
  return {
    channel: {
      name: 'alice',
      title: 'Knitting',
      category: null,
      isLive: over.isLive ?? false,
      since: null,
      health: 'UNKNOWN',
      viewerCount: over.viewerCount ?? 1,
    },
    chat: { history: over.history ?? [], slowModeSeconds: 0 },
    me: { canChat: true, canModerate: false, sanction: null, ...over.me },
  };
}

const publicAlice: PublicChannel = {
  name: 'alice',
  title: 'Knitting',
  category: null,
  isLive: false,
  playbackUrl: 'http://localhost/_ivs/hls/abc/live.m3u8',
  owner: { username: 'alice' },
};

beforeEach(() => {
  setActivePinia(createPinia());
  mockRealtime = new FakeRealtime();
  jest.spyOn(api, 'channel').mockResolvedValue(publicAlice);
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe('watch store', () => {
  test('switches to LIVE when the server pushes it, without another request', async () => {
    mockRealtime.replies['watch:join'] = () => state();
    const watch = useWatchStore();
    await watch.watchChannel('Alice');
    expect(watch.status).toBe('ready');
    expect(watch.channel?.isLive).toBe(false);
    expect(watch.channel?.playbackUrl).toBe(publicAlice.playbackUrl);

    const sentBefore = mockRealtime.sent.length;
    mockRealtime.push('watch:live', { channel: 'alice', isLive: true, since: '2026-01-01T10:00:00Z' });
    expect(watch.channel?.isLive).toBe(true);
    expect(watch.channel?.since).toBe('2026-01-01T10:00:00Z');
    expect(mockRealtime.sent.length).toBe(sentBefore);

    mockRealtime.push('watch:live', { channel: 'alice', isLive: false, since: '2026-01-01T11:00:00Z' });
    expect(watch.channel?.isLive).toBe(false);
  });

  test('applies title, category, health and viewer count pushes, and ignores other channels', async () => {
    mockRealtime.replies['watch:join'] = () => state();
    const watch = useWatchStore();
    await watch.watchChannel('alice');
    mockRealtime.push('watch:info', { channel: 'alice', title: 'Socks', category: { id: 2, name: 'Crafts', slug: 'crafts' } });
    mockRealtime.push('watch:viewers', { channel: 'alice', viewerCount: 7 });
    mockRealtime.push('watch:health', { channel: 'alice', health: 'STARVING' });
    mockRealtime.push('watch:live', { channel: 'bob', isLive: true, since: '2026-01-01T10:00:00Z' });
    mockRealtime.push('watch:viewers', { channel: 'bob', viewerCount: 99 });
    expect(watch.channel).toMatchObject({
      title: 'Socks',
      category: { slug: 'crafts' },
      viewerCount: 7,
      health: 'STARVING',
      isLive: false,
    });
  });

  test('keeps the last comment a moderator took off screen, counting each withdrawal, for this channel only', async () => {
    mockRealtime.replies['watch:join'] = () => state({ isLive: true });
    mockRealtime.replies['watch:leave'] = () => ({ left: true });
    const watch = useWatchStore();
    await watch.watchChannel('alice');
    expect(watch.commentWithdrawn).toBeNull();
    const pushed = { channel: 'alice', messageId: 'm1', withdrawnAt: '2026-01-01T10:00:00Z' };
    mockRealtime.push('watch:comment-withdrawn', pushed);
    mockRealtime.push('watch:comment-withdrawn', { ...pushed, channel: 'bob', messageId: 'm9' });
    expect(watch.commentWithdrawn).toEqual({ ...pushed, seq: 1 });
    mockRealtime.push('watch:comment-withdrawn', pushed);
    expect(watch.commentWithdrawn?.seq).toBe(2);
    await watch.stopWatching();
    expect(watch.commentWithdrawn).toBeNull();
  });

  test('after a reconnect it joins again and shows what changed while it was away', async () => {
    const hello = message('m1', 'hello', '2026-01-01T10:00:01Z');
    const spam = message('m2', 'spam', '2026-01-01T10:00:02Z');
    mockRealtime.replies['watch:join'] = () => state({ history: [hello, spam] });
    const watch = useWatchStore();
    const chat = useChatStore();
    await watch.watchChannel('alice');
    expect(chat.messages.map((m) => m.text)).toEqual(['hello', 'spam']);

    // While disconnected the channel went live and a moderator deleted "spam".
    mockRealtime.replies['watch:join'] = () => state({ isLive: true, history: [hello], viewerCount: 3 });
    mockRealtime.reconnected();
    await flush();
    expect(watch.channel).toMatchObject({ isLive: true, viewerCount: 3 });
    expect(chat.messages.map((m) => m.text)).toEqual(['hello']);
    expect(mockRealtime.sent.filter((s) => s.name === 'watch:join')).toHaveLength(2);
  });

  test('a slow answer for the previous channel never replaces the one now open', async () => {
    let answerAlice: (s: WatchState) => void = () => undefined;
    mockRealtime.replies['watch:join'] = (p) =>
      p.channel === 'alice'
        ? new Promise<WatchState>((r) => (answerAlice = r))
        : { ...state(), channel: { ...state().channel, name: 'bob' } };
    jest.spyOn(api, 'channel').mockImplementation(async (name) => ({ ...publicAlice, name, owner: { username: name } }));
    const watch = useWatchStore();
    const first = watch.watchChannel('alice');
    await flush();
    await watch.watchChannel('bob');
    answerAlice(state());
    await first;
    expect(watch.channel?.name).toBe('bob');
    expect(mockRealtime.sent.some((s) => s.name === 'watch:leave' && s.payload.channel === 'alice')).toBe(true);
  });

  test('an unknown channel is "not found", not a generic failure', async () => {
    jest.spyOn(api, 'channel').mockRejectedValue(new ApiError(404, 'channel/not-found', 'There is no channel with that name.'));
    mockRealtime.replies['watch:join'] = () => {
      throw new ApiError(0, 'channel/not-found', 'There is no channel with that name.');
    };
    const watch = useWatchStore();
    await watch.watchChannel('nobody');
    expect(watch.status).toBe('not-found');
  });

  test('a join refused at a viewer cap shows the server’s sentence, and trying again joins', async () => {
    const sentence = 'There are already 20 anonymous viewers of this channel from your network. Log in to watch, or try again later.';
    mockRealtime.replies['watch:join'] = () => {
      throw new ApiError(0, 'watch/network-full', sentence);
    };
    const watch = useWatchStore();
    await watch.watchChannel('alice');
    expect([watch.status, watch.error, watch.channel]).toEqual(['failed', sentence, null]);
    mockRealtime.replies['watch:join'] = () => state({ isLive: true, viewerCount: 20 });
    await watch.watchChannel('alice');
    expect([watch.status, watch.channel?.viewerCount]).toEqual(['ready', 20]);
  });
});

describe('chat store', () => {
  async function open(over: Parameters<typeof state>[0] = {}) {
    mockRealtime.replies['watch:join'] = () => state(over);
    await useWatchStore().watchChannel('alice');
    return useChatStore();
  }

  test('live messages appear once, deletions disappear, other channels stay out', async () => {
    const chat = await open();
    const hi = message('m1', 'hi', '2026-01-01T10:00:01Z');
    mockRealtime.push('chat:message', hi);
    mockRealtime.push('chat:message', hi);
    mockRealtime.push('chat:message', { ...message('m9', 'elsewhere', '2026-01-01T10:00:02Z'), channel: 'bob' });
    expect(chat.messages.map((m) => m.id)).toEqual(['m1']);
    mockRealtime.push('chat:deleted', { channel: 'alice', messageId: 'm1' });
    expect(chat.messages).toEqual([]);
  });

  test('a ban pushed to the viewer stops the send box with the reason', async () => {
    const chat = await open();
    expect(chat.canChat).toBe(true);
    mockRealtime.push('chat:sanction', {
      channel: 'alice',
      sanction: { kind: 'ban', scope: 'channel', reason: 'spam links', until: null },
    });
    expect(chat.canChat).toBe(false);
    expect(chat.sanction).toMatchObject({ kind: 'ban', reason: 'spam links' });
  });

  test('lifting a sanction asks the server again (another one may still apply)', async () => {
    const ban = { kind: 'ban' as const, scope: 'channel' as const, reason: 'spam', until: null };
    const chat = await open({ me: { canChat: false, sanction: ban } });
    mockRealtime.replies['watch:join'] = () => state();
    mockRealtime.push('chat:sanction', { channel: null, sanction: null });
    await flush();
    expect(chat.sanction).toBeNull();
    expect(chat.canChat).toBe(true);
  });

  test('a refused send records why: banned (with reason) or slow mode (with the wait)', async () => {
    const chat = await open();
    mockRealtime.replies['chat:send'] = () => {
      throw new ApiError(0, 'chat/slow-mode', 'Slow mode is on.', [{ path: 'retryAfterSeconds', message: '12' }]);
    };
    const before = Date.now();
    await expect(chat.send('again')).rejects.toMatchObject({ code: 'chat/slow-mode' });
    expect(chat.waitUntil).toBeGreaterThanOrEqual(before + 12_000);

    mockRealtime.replies['chat:send'] = () => {
      throw new ApiError(0, 'chat/banned', 'You are banned from this chat. Reason: rude', [
        { path: 'reason', message: 'rude' },
        { path: 'scope', message: 'channel' },
      ]);
    };
    await expect(chat.send('hello')).rejects.toMatchObject({ code: 'chat/banned' });
    expect(chat.sanction).toEqual({ kind: 'ban', scope: 'channel', reason: 'rude', until: null });
    expect(chat.canChat).toBe(false);
  });

  test('a sent message shows at once and starts the slow-mode wait', async () => {
    const chat = await open();
    mockRealtime.push('chat:slow-mode', { channel: 'alice', seconds: 30 });
    expect(chat.slowModeSeconds).toBe(30);
    mockRealtime.replies['chat:send'] = (p) => message('m5', String(p.text), new Date().toISOString());
    await chat.send('first');
    expect(chat.messages.map((m) => m.text)).toEqual(['first']);
    expect(chat.waitUntil - Date.now()).toBeGreaterThan(28_000);
    // The same message arriving as an event is not shown twice.
    mockRealtime.push('chat:message', chat.messages[0]);
    expect(chat.messages).toHaveLength(1);
  });

  test('moderators delete a message for everyone through the server', async () => {
    const chat = await open({ me: { canModerate: true }, history: [message('m1', 'bad', '2026-01-01T10:00:01Z')] });
    mockRealtime.replies['chat:delete'] = () => ({ deleted: true });
    await chat.deleteMessage('m1');
    expect(mockRealtime.sent.at(-1)).toEqual({ name: 'chat:delete', payload: { channel: 'alice', messageId: 'm1' } });
    expect(chat.messages).toEqual([]);
  });
});

import { beforeEach, describe, expect, test } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import type { BackstageMessage, CommandDef } from '@streamcat/protocol';
import { ApiError } from '../services/api';
import { useBackstageChatStore, type BackstageTransport } from './backstage-chat.store';

function msg(id: string, second: number, memberId = 'bob', stageId = 'st'): BackstageMessage {
  return {
    id,
    stageId,
    memberId,
    displayName: memberId,
    role: 'guest',
    text: `message ${id}`,
    sentAt: new Date(Date.UTC(2026, 10, 20, 18, 0, second)).toISOString(),
  };
}

/** A server in miniature: history from a list, sends answered by a script, pushes on demand. */
class FakeTransport implements BackstageTransport {
  readonly sent: { name: string; payload: Record<string, unknown> }[] = [];
  history: BackstageMessage[] = [];
  answerSend: (payload: Record<string, unknown>) => Promise<BackstageMessage> = async (p) => ({
    ...msg(`sent-${this.sent.length}`, 30, 'me'),
    text: String(p.text),
  });
  private handlers = new Map<string, ((p: never) => void)[]>();
  private reconnectHooks: (() => void)[] = [];

  send<C extends CommandDef>(def: C, payload: unknown): Promise<never> {
    const p = payload as Record<string, unknown>;
    this.sent.push({ name: def.name, payload: p });
    if (def.name === 'studio:backstage-history') return Promise.resolve({ messages: structuredClone(this.history) } as never);
    return this.answerSend(p) as Promise<never>;
  }
  on(event: string, handler: (p: never) => void): () => void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return () =>
      this.handlers.set(
        event,
        (this.handlers.get(event) ?? []).filter((h) => h !== handler),
      );
  }
  onReconnect(hook: () => void): () => void {
    this.reconnectHooks.push(hook);
    return () => (this.reconnectHooks = this.reconnectHooks.filter((h) => h !== hook));
  }
  push(m: BackstageMessage): void {
    for (const h of this.handlers.get('studio:backstage-message') ?? []) h(m as never);
  }
  reconnect(): void {
    for (const h of this.reconnectHooks) h();
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const opening = { stageName: 'alice', stageId: 'st', memberId: 'me' };

describe('backstage chat store', () => {
  let t: FakeTransport;
  beforeEach(() => {
    setActivePinia(createPinia());
    t = new FakeTransport();
  });

  test('opens with the history, then adds pushes of this studio only', async () => {
    t.history = [msg('a', 1), msg('b', 2)];
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    expect(chat.status).toBe('ready');
    expect(t.sent).toEqual([{ name: 'studio:backstage-history', payload: { stage: 'alice' } }]);
    t.push(msg('c', 3));
    t.push(msg('elsewhere', 4, 'bob', 'another-stage'));
    expect(chat.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  test('my own message shows once, whether its push or its ack comes first', async () => {
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    const mine = msg('m1', 5, 'me');
    t.answerSend = async () => {
      t.push(mine);
      return mine;
    };
    await chat.send('hello');
    expect(chat.messages.map((m) => m.id)).toEqual(['m1']);
    expect(t.sent[1]).toMatchObject({ name: 'studio:backstage-send', payload: { stage: 'alice', text: 'hello' } });
  });

  test('after a reconnect it reads the history again and fills in what it missed', async () => {
    t.history = [msg('a', 1)];
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    t.history = [msg('a', 1), msg('b', 2), msg('c', 3)];
    t.reconnect();
    await flush();
    expect(chat.messages.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  test('a send that got no answer is retried with the same command id; a new text gets a new one', async () => {
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    t.answerSend = () => Promise.reject(new ApiError(0, 'server/unavailable', 'The server did not answer in time.'));
    await expect(chat.send('are we live?')).rejects.toThrow(/may not have been sent/);
    t.answerSend = async (p) => ({ ...msg('m', 9, 'me'), text: String(p.text) });
    await chat.send('are we live?');
    await chat.send('something else');
    const ids = t.sent.filter((s) => s.name === 'studio:backstage-send').map((s) => s.payload.commandId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[1]);
  });

  test('a refusal is a sentence and does not pin the command id', async () => {
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    t.answerSend = () => Promise.reject(new ApiError(403, 'studio/removed', 'You were removed from this show.'));
    await expect(chat.send('hi')).rejects.toThrow('You were removed from this show.');
    await expect(chat.send('hi')).rejects.toThrow();
    const ids = t.sent.filter((s) => s.name === 'studio:backstage-send').map((s) => s.payload.commandId);
    expect(ids[0]).not.toBe(ids[1]);
  });

  test('counts unread messages from others until marked seen', async () => {
    t.history = [msg('a', 1)];
    const chat = useBackstageChatStore();
    await chat.open(opening, t);
    chat.markSeen();
    t.push(msg('b', 2, 'bob'));
    t.push(msg('c', 3, 'me'));
    t.push(msg('d', 4, 'gail'));
    expect(chat.unread).toBe(2);
    chat.markSeen();
    expect(chat.unread).toBe(0);
  });

  test('an unreadable history is a sentence, and a late answer for a closed studio is dropped', async () => {
    const chat = useBackstageChatStore();
    t.send = (() => Promise.reject(new ApiError(403, 'auth/forbidden', 'Only people in this studio can use its backstage chat.'))) as never;
    await chat.open(opening, t);
    expect(chat.status).toBe('error');
    expect(chat.error).toBe('Only people in this studio can use its backstage chat.');

    let answer: (v: unknown) => void = () => undefined;
    const slow = new FakeTransport();
    slow.send = (() => new Promise((r) => (answer = r))) as never;
    const opened = chat.open(opening, slow);
    chat.close();
    answer({ messages: [msg('late', 1)] });
    await opened;
    expect(chat.messages).toEqual([]);
    expect(chat.status).toBe('idle');
  });
});

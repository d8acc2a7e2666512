import { beforeEach, describe, expect, test } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import { initialStudioDocument, type CommandDef, type ServerEvents, type StudioDocument, type StudioSnapshot } from '@streamcat/protocol';
import { ApiError } from '../services/api';
import { useStudioStore, type StudioTransport } from './studio.store';

/** Ann's studio as the server first stores it, with `overrides`. */
function doc(overrides: Partial<StudioDocument> = {}): StudioDocument {
  const initial = initialStudioDocument({
    stageId: 's1',
    stageName: 'ann',
    ownerId: 'ann-id',
    ownerName: 'ann',
    now: new Date('2025-01-01T00:00:00.000Z'),
  });
  return { ...initial, ...overrides };
}

/** A server in miniature: answers commands from a script and pushes events on demand. */
class FakeTransport implements StudioTransport {
  readonly sent: { name: string; payload: Record<string, unknown> }[] = [];
  server: StudioSnapshot = { stageId: 's1', version: 3, document: doc() };
  refuseNext: ApiError | null = null;
  /** Apply the next change but lose its answer, like an ack that never arrived. */
  loseNextAnswer = false;
  private answered = new Map<string, unknown>();
  private handlers = new Map<string, ((p: never) => void)[]>();
  private reconnectHooks: (() => void)[] = [];

  send<C extends CommandDef>(def: C, payload: unknown): Promise<never> {
    this.sent.push({ name: def.name, payload: payload as Record<string, unknown> });
    if (def.name === 'studio:join' || def.name === 'studio:snapshot') return Promise.resolve(structuredClone(this.server) as never);
    if (this.refuseNext) {
      const e = this.refuseNext;
      this.refuseNext = null;
      return Promise.reject(e);
    }
    // Like the server: a command id seen before is answered from the record, not applied again.
    const id = (payload as { commandId?: string }).commandId;
    if (id && this.answered.has(id)) return Promise.resolve(this.answered.get(id) as never);
    // The change is applied; its push (studio:changed) arrives later, when the test says.
    this.server = { ...this.server, version: this.server.version + 1 };
    const result = { version: this.server.version };
    if (id) this.answered.set(id, result);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      return Promise.reject(new ApiError(0, 'server/unavailable', 'The server did not answer in time. Please try again.'));
    }
    return Promise.resolve(result as never);
  }
  on<E extends keyof ServerEvents>(event: E, handler: (p: ServerEvents[E]) => void): () => void {
    const list = this.handlers.get(event) ?? [];
    list.push(handler as (p: never) => void);
    this.handlers.set(event, list);
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
  push<E extends keyof ServerEvents>(event: E, payload: ServerEvents[E]): void {
    for (const h of this.handlers.get(event) ?? []) (h as (p: ServerEvents[E]) => void)(payload);
  }
  reconnect(): void {
    for (const h of this.reconnectHooks) h();
  }
  joins(): number {
    return this.sent.filter((s) => s.name === 'studio:join').length;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 0));
const change = (version: number, document: StudioDocument) => ({
  stageId: 's1',
  version,
  change: { type: 'x', by: 'system', at: '' },
  document,
});

describe('studio store', () => {
  let t: FakeTransport;
  beforeEach(() => {
    setActivePinia(createPinia());
    t = new FakeTransport();
  });

  test('joining shows the server snapshot and who I am in it', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    expect(store.status).toBe('ready');
    expect(store.version).toBe(3);
    expect(store.myRole).toBe('host');
    expect(store.isDirector).toBe(true);
    expect(store.isOwner).toBe(true);
  });

  test('applies the next version, ignores stale ones, and resyncs on a gap', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    const renamed = doc({ layout: { ...doc().layout, name: 'spotlight' } });
    t.push('studio:changed', change(4, renamed));
    expect(store.version).toBe(4);
    expect(store.document?.layout.name).toBe('spotlight');

    t.push('studio:changed', change(3, doc()));
    expect(store.document?.layout.name).toBe('spotlight');
    expect(t.joins()).toBe(1);

    // Version 5 was lost: the store must not jump to 6 on its own but read the truth.
    t.server = { stageId: 's1', version: 6, document: doc({ layout: { ...doc().layout, name: 'pip' } }) };
    t.push('studio:changed', change(6, doc({ layout: { ...doc().layout, name: 'solo' } })));
    await settle();
    expect(t.joins()).toBe(2);
    expect(store.version).toBe(6);
    expect(store.document?.layout.name).toBe('pip');
  });

  test('ignores changes of another stage', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    t.push('studio:changed', { ...change(4, doc({ layout: { ...doc().layout, name: 'pip' } })), stageId: 'other' });
    expect(store.version).toBe(3);
  });

  test('takes a fresh snapshot after every reconnect', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    t.server = { ...t.server, version: 9 };
    t.reconnect();
    await settle();
    expect(store.version).toBe(9);
  });

  test('commands carry a fresh command id and the version they were based on', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    await store.putOnAir('ann-id');
    await store.putOnAir('ann-id');
    const [a, b] = t.sent.filter((s) => s.name === 'studio:set-status');
    expect(a?.payload).toMatchObject({ stage: 'ann', memberId: 'ann-id', status: 'on-air', expectedVersion: 3 });
    expect(a?.payload.commandId).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/));
    expect(a?.payload.commandId).not.toBe(b?.payload.commandId);
  });

  test('my quick clicks go in order, each based on the version the previous one produced', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    // Both start before either ack or push arrives: put myself on air, then go live.
    const [onAir, live] = await Promise.all([store.putOnAir('ann-id'), store.startBroadcast()]);
    expect(onAir).toEqual({ version: 4 });
    expect(live).toEqual({ version: 5 });
    const sent = t.sent.filter((s) => s.name !== 'studio:join');
    expect(sent.map((s) => [s.name, s.payload.expectedVersion])).toEqual([
      ['studio:set-status', 3],
      ['studio:broadcast', 4],
    ]);
    expect(store.notice).toBeNull();
  });

  test('a version conflict adopts the server state and tells the person, without resending', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    t.server = { stageId: 's1', version: 7, document: doc({ layout: { ...doc().layout, name: 'side-by-side' } }) };
    t.refuseNext = new ApiError(0, 'studio/version-conflict', 'Someone else changed the studio first.');
    const result = await store.changeLayout({ name: 'pip' });
    expect(result).toBeNull();
    expect(store.version).toBe(7);
    expect(store.document?.layout.name).toBe('side-by-side');
    expect(store.notice).toMatch(/someone else changed the studio/i);
    expect(t.sent.filter((s) => s.name === 'studio:layout')).toHaveLength(1);
  });

  test('the conflict notice names who got there first, when their change was pushed to us', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    const bob = { ...doc().members[0]!, id: 'bob-id', userId: 'bob-id', displayName: 'bob', role: 'cohost' as const };
    const next = doc({ members: [...doc().members, bob], layout: { ...doc().layout, name: 'pip' } });
    // Bob's change reaches the server first; its push arrives while mine is refused.
    t.server = { stageId: 's1', version: 4, document: next };
    t.push('studio:changed', {
      stageId: 's1',
      version: 4,
      change: { type: 'layout', by: 'bob-id', at: '2025-01-01T00:00:01.000Z' },
      document: next,
    });
    t.refuseNext = new ApiError(0, 'studio/version-conflict', 'Someone else changed the studio first.');
    expect(await store.changeLayout({ name: 'grid' })).toBeNull();
    expect(store.notice).toMatch(/^bob changed the studio at the same moment/);
  });

  test('an unanswered change is sent again with the same command id, applied once, and the next builds on it', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    t.loseNextAnswer = true;
    const [onAir, layout] = await Promise.all([store.putOnAir('ann-id'), store.changeLayout({ name: 'pip' })]);
    expect(onAir).toEqual({ version: 4 });
    expect(layout).toEqual({ version: 5 });
    const sent = t.sent.filter((s) => s.name !== 'studio:join');
    expect(sent.map((s) => s.name)).toEqual(['studio:set-status', 'studio:set-status', 'studio:layout']);
    expect(sent[0]!.payload.commandId).toBe(sent[1]!.payload.commandId);
    expect(sent[2]!.payload.expectedVersion).toBe(4);
    expect(t.server.version).toBe(5);
    expect(store.notice).toBeNull();
  });

  test('other refusals show the server sentence and change nothing', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    t.refuseNext = new ApiError(0, 'user/not-found', 'There is no user with that name.');
    expect(await store.inviteUser('nobody')).toBeNull();
    expect(store.notice).toBe('There is no user with that name.');
    expect(store.version).toBe(3);
  });

  test('being removed ends the studio for me, with the reason', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'bob-id', t);
    t.push('studio:removed', { stageId: 's1', reason: 'Removed by a host.' });
    expect(store.status).toBe('removed');
    expect(store.removedReason).toBe('Removed by a host.');
  });

  test('a pushed show token is taken once, only for this studio and while it has time left', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'bob-id', t);
    const now = Date.parse('2026-12-03T12:00:00Z');
    const token = (expiresAt: string) => ({
      participantId: 'p1',
      token: 'jwt',
      capabilities: ['PUBLISH' as const],
      expiresAt,
      stageArn: 'arn:show',
    });
    expect(store.takeShowToken(now)).toBeNull();
    t.push('studio:show-token', { stageId: 'other-stage', token: token('2026-12-03T13:00:00Z') });
    expect(store.takeShowToken(now)).toBeNull();
    t.push('studio:show-token', { stageId: 's1', token: token('2026-12-03T13:00:00Z') });
    expect(store.takeShowToken(now)?.participantId).toBe('p1');
    expect(store.takeShowToken(now)).toBeNull();
    t.push('studio:show-token', { stageId: 's1', token: token('2026-12-03T12:00:30Z') });
    expect(store.takeShowToken(now)).toBeNull();
  });

  test('a guest who is not a member yet is not a director', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'guest-1', t);
    expect(store.me).toBeNull();
    expect(store.isDirector).toBe(false);
  });

  test('shows a chat message on screen by its id alone, hides it with null, and a refusal is the server’s sentence', async () => {
    const store = useStudioStore();
    await store.enter('ann', 'ann-id', t);
    expect(await store.showComment('0b7c3c1e-5c1a-4b53-9a51-0d6f3c2a1b00')).toEqual({ version: 4 });
    const shown = doc({
      layout: {
        ...doc().layout,
        comment: {
          messageId: '0b7c3c1e-5c1a-4b53-9a51-0d6f3c2a1b00',
          author: { id: 'v1', username: 'vera' },
          text: 'Hi!',
          shownBy: 'ann-id',
          shownAt: '2025-01-01T00:00:01.000Z',
        },
      },
    });
    t.push('studio:changed', change(4, shown));
    expect(store.document?.layout.comment?.author.username).toBe('vera');
    expect(await store.showComment(null)).toEqual({ version: 5 });
    const sent = t.sent.filter((s) => s.name === 'studio:comment').map((s) => s.payload);
    expect(sent.map((p) => [p.messageId, p.expectedVersion, 'text' in p])).toEqual([
      ['0b7c3c1e-5c1a-4b53-9a51-0d6f3c2a1b00', 3, false],
      [null, 4, false],
    ]);
    t.refuseNext = new ApiError(0, 'studio/comment-unavailable', 'That message was deleted by a moderator, so it cannot go on screen.');
    expect(await store.showComment('0b7c3c1e-5c1a-4b53-9a51-0d6f3c2a1b00')).toBeNull();
    expect(store.notice).toMatch(/deleted by a moderator/);
  });
});

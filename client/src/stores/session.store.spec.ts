import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { createPinia, setActivePinia } from 'pinia';
import { nextTick } from 'vue';
import { ApiError } from '../services/api';
import type { MeResponse } from '@streamcat/protocol';
import { useMyChannelStore } from './my-channel.store';
import { useSessionStore } from './session.store';
import { SESSION_KEY } from './session.storage';

// --- fakes at the edges: the browser's storage and the network -----------------------
class MemoryStorage {
  private readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

type Route = (init: RequestInit) => { status: number; body?: unknown };
let routes: Record<string, Route>;
let calls: Array<{ key: string; auth: string | undefined; body: unknown }>;

function fakeFetch(input: string, init: RequestInit = {}): Promise<Response> {
  const key = `${init.method ?? 'GET'} ${input}`;
  const headers = (init.headers ?? {}) as Record<string, string>;
  calls.push({ key, auth: headers.Authorization, body: init.body ? JSON.parse(init.body as string) : undefined });
  const route = routes[key];
  const { status, body } = route ? route(init) : { status: 404, body: { error: { code: 'request/not-found', message: 'Nothing here.' } } };
  return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status }));
}

const ann = { id: 'u1', username: 'ann', role: 'user' as const };
const me: MeResponse = {
  user: ann,
  channel: {
    name: 'ann',
    arn: 'arn:aws:ivs:us-west-2:000000000000:channel/abc',
    type: 'STANDARD',
    playbackUrl: 'http://localhost:3000/_ivs/hls/abc.m3u8',
    ingestEndpoint: 'localhost',
    title: '',
    category: null,
    isLive: false,
  },
  stage: { name: 'ann', arn: 'arn:aws:ivs:us-west-2:000000000000:stage/def', isLive: false },
};
const expiredError = {
  status: 401,
  body: { error: { code: 'auth/invalid-token', message: 'Your session has expired or is not valid. Please log in again.' } },
};

function jwt(payload: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'HS256' })}.${b64(payload)}.sig`;
}

let storage: MemoryStorage;

beforeEach(() => {
  storage = new MemoryStorage();
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
  globalThis.fetch = jest.fn(fakeFetch) as unknown as typeof fetch;
  routes = {
    'POST /api/auth/register': () => ({ status: 201, body: { accessToken: 'tok-1', user: ann } }),
    'POST /api/auth/login': (init) =>
      JSON.parse(init.body as string).password === 'correct-horse'
        ? { status: 200, body: { accessToken: 'tok-2', user: ann } }
        : { status: 401, body: { error: { code: 'auth/invalid-credentials', message: 'That username and password do not match.' } } },
    'GET /api/me': () => ({ status: 200, body: me }),
  };
  calls = [];
  setActivePinia(createPinia());
});

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'localStorage');
});

describe('session store', () => {
  test('registering signs in, remembers the session, and later calls carry the token', async () => {
    const session = useSessionStore();
    await session.register('ann', 'correct-horse');

    expect(session.isAuthenticated).toBe(true);
    expect(session.user?.username).toBe('ann');
    expect(JSON.parse(storage.getItem(SESSION_KEY)!)).toEqual({ accessToken: 'tok-1', user: ann });

    await session.loadMe();
    expect(calls.at(-1)).toMatchObject({ key: 'GET /api/me', auth: 'Bearer tok-1' });
  });

  test('a reload (fresh store) picks the remembered session back up', async () => {
    await useSessionStore().login('ann', 'correct-horse');

    setActivePinia(createPinia());
    const reloaded = useSessionStore();
    expect(reloaded.isAuthenticated).toBe(true);
    expect(reloaded.user).toEqual(ann);
  });

  test('a remembered token that has already expired is not shown as signed in', () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    storage.setItem(SESSION_KEY, JSON.stringify({ accessToken: jwt({ exp: past }), user: ann }));
    expect(useSessionStore().isAuthenticated).toBe(false);
  });

  test('a new role from the server is adopted and remembered with the same login; another user is ignored', async () => {
    const session = useSessionStore();
    await session.login('ann', 'correct-horse');
    session.adopt({ ...ann, role: 'moderator' });
    expect(session.user?.role).toBe('moderator');
    expect(JSON.parse(storage.getItem(SESSION_KEY)!)).toEqual({ accessToken: 'tok-2', user: { ...ann, role: 'moderator' } });
    session.adopt({ id: 'u2', username: 'bob', role: 'admin' });
    expect(session.user).toEqual({ ...ann, role: 'moderator' });
  });

  test('corrupt storage is ignored rather than crashing the app', () => {
    storage.setItem(SESSION_KEY, '{"accessToken": 5');
    expect(useSessionStore().isAuthenticated).toBe(false);
  });

  test('a wrong password leaves the person signed out with the server sentence, and is not a session expiry', async () => {
    const session = useSessionStore();
    const expired = jest.fn();
    session.onExpired(expired);

    await expect(session.login('ann', 'nope-nope')).rejects.toMatchObject({
      code: 'auth/invalid-credentials',
      message: 'That username and password do not match.',
    });
    expect(session.isAuthenticated).toBe(false);
    expect(expired).not.toHaveBeenCalled();
  });

  test('a 401 while loading the profile ends the session and forgets it', async () => {
    const session = useSessionStore();
    await session.login('ann', 'correct-horse');
    const expired = jest.fn();
    session.onExpired(expired);
    routes['GET /api/me'] = () => expiredError;

    await expect(session.loadMe()).rejects.toBeInstanceOf(ApiError);
    expect(session.isAuthenticated).toBe(false);
    expect(session.user).toBeNull();
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(expired).toHaveBeenCalledTimes(1);
  });

  test('logging out clears the session and later calls go without a token', async () => {
    const session = useSessionStore();
    await session.login('ann', 'correct-horse');
    session.logout();

    expect(session.isAuthenticated).toBe(false);
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    routes['GET /api/categories'] = () => ({ status: 200, body: [] });
    await useMyChannelStore()
      .load()
      .catch(() => undefined);
    expect(calls.filter((c) => c.key === 'GET /api/me').at(-1)?.auth).toBeUndefined();
  });

  test('exposes state read-only, so only its actions can change who is signed in', async () => {
    const session = useSessionStore();
    await session.login('ann', 'correct-horse');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    (session as unknown as { token: string | null }).token = 'forged';
    warn.mockRestore();
    expect(session.token).toBe('tok-2');
  });
});

describe('my channel store', () => {
  const credentials = {
    streamKey: 'sk_us-west-2_old',
    ingestEndpoint: 'localhost',
    rtmpsUrl: 'rtmps://localhost:443/app/',
    rtmpUrl: 'rtmp://localhost:1935/app/',
  };

  beforeEach(() => {
    routes['GET /api/categories'] = () => ({ status: 200, body: [{ id: 1, name: 'Music', slug: 'music' }] });
    routes['GET /api/me/channel/credentials'] = () => ({ status: 200, body: credentials });
    routes['POST /api/me/channel/stream-key/rotate'] = () => ({ status: 200, body: { ...credentials, streamKey: 'sk_us-west-2_new' } });
    routes['PATCH /api/me/channel'] = (init) => ({
      status: 200,
      body: { ...me.channel, ...JSON.parse(init.body as string), category: { id: 1, name: 'Music', slug: 'music' } },
    });
  });

  test('loads channel, stage, categories and credentials for the page', async () => {
    await useSessionStore().login('ann', 'correct-horse');
    const store = useMyChannelStore();
    await store.load();

    expect(store.channel?.arn).toMatch(/^arn:aws:ivs:/);
    expect(store.stage?.arn).toMatch(/:stage\//);
    expect(store.categories).toHaveLength(1);
    expect(store.credentials?.streamKey).toBe('sk_us-west-2_old');
  });

  test('rotating the key replaces the one shown', async () => {
    await useSessionStore().login('ann', 'correct-horse');
    const store = useMyChannelStore();
    await store.load();
    await store.rotateStreamKey();
    expect(store.credentials?.streamKey).toBe('sk_us-west-2_new');
  });

  test('saving details sends only the given fields and shows what the server stored', async () => {
    await useSessionStore().login('ann', 'correct-horse');
    const store = useMyChannelStore();
    await store.load();
    await store.saveDetails({ categoryId: 1 });

    expect(calls.at(-1)).toMatchObject({ key: 'PATCH /api/me/channel', body: { categoryId: 1 } });
    expect(store.channel?.category?.name).toBe('Music');
  });

  test('a 401 on any channel call ends the session, and the stream key is no longer held', async () => {
    const session = useSessionStore();
    await session.login('ann', 'correct-horse');
    const store = useMyChannelStore();
    await store.load();
    routes['POST /api/me/channel/stream-key/rotate'] = () => expiredError;

    await expect(store.rotateStreamKey()).rejects.toMatchObject({ status: 401 });
    await nextTick();
    expect(session.isAuthenticated).toBe(false);
    expect(store.credentials).toBeNull();
    expect(store.channel).toBeNull();
  });
});

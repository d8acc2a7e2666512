import { randomUUID } from 'node:crypto';
import { buildStreamHealthEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import { io, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import type { Ack } from '@streamcat/protocol';
import { WebSocket } from 'ws';
import testLimits from '../../test/support/test-limits.json';
import { WatchPresence } from '../src/watch/watch-presence';
import { connected, connectSocket, nextEvent, send } from './support/sockets';
import { call, register, startTestApp, TestApp } from './support/test-app';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Waits for an event whose payload satisfies `match` (earlier ones are skipped). */
function eventWhere<T>(socket: Socket, event: string, match: (p: T) => boolean, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (socket.off(event, on), reject(new Error(`no matching "${event}" within ${timeoutMs} ms`))), timeoutMs);
    const on = (p: T) => {
      if (!match(p)) return;
      clearTimeout(timer);
      socket.off(event, on);
      resolve(p);
    };
    socket.on(event, on);
  });
}

describe('watch rooms across two nodes', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];
  const open = async (base: string, auth: Record<string, string> = {}) => {
    const s = connectSocket(base, auth);
    sockets.push(s);
    await connected(s);
    return s;
  };

  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: redisUrl });
    b = await startTestApp({ REDIS_URL: redisUrl }, { db: a.db, dataDir: a.config.dataDir });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  async function channelArn(username: string): Promise<string> {
    const res = await call<{ channel: { arn: string } }>(a.url, 'GET', '/api/me', undefined, (await tokens.get(username))!);
    return res.body.channel.arn;
  }
  const tokens = new Map<string, string>();
  async function owner() {
    const u = await register(a.url);
    tokens.set(u.user.username, u.accessToken);
    return u;
  }
  const postEvent = (app: TestApp, body: unknown) =>
    call(app.url, 'POST', '/api/ivs/events', body, undefined, { 'x-api-key': app.config.ivsEventsApiKey });

  it('gives a joining viewer the current state, and refuses an unknown channel', async () => {
    const o = await owner();
    await call(a.url, 'PATCH', '/api/me/channel', { title: 'Knitting live' }, o.accessToken);
    const viewer = await open(a.url);
    const joined = await send<any>(viewer, 'watch:join', { channel: o.user.username.toUpperCase() });
    expect(joined).toMatchObject({
      ok: true,
      data: {
        channel: { name: o.user.username, title: 'Knitting live', isLive: false, health: 'UNKNOWN', viewerCount: 1 },
        chat: { history: [], slowModeSeconds: 0 },
        me: { canChat: false, canModerate: false, sanction: null },
      },
    });
    expect(await send(viewer, 'watch:join', { channel: 'nobody-here-xyz' })).toMatchObject({
      ok: false,
      error: { code: 'channel/not-found' },
    });
  });

  it('counts distinct watch sockets across nodes and pushes changes to every viewer', async () => {
    const o = await owner();
    const channel = o.user.username;
    const onA = await open(a.url);
    expect(await send<any>(onA, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 1 } } });

    const onB1 = await open(b.url);
    const onB2 = await open(b.url, { token: o.accessToken });
    const toThree = eventWhere<any>(onA, 'watch:viewers', (p) => p.viewerCount === 3);
    await send(onB1, 'watch:join', { channel });
    const last = await send<any>(onB2, 'watch:join', { channel });
    expect(last.ok && last.data.channel.viewerCount).toBe(3);
    expect(await toThree).toEqual({ channel, viewerCount: 3 });

    // Joining twice from one socket does not count twice.
    await send(onB1, 'watch:join', { channel });
    // A tab on node B closes: the viewer on node A sees the count drop.
    const toTwo = eventWhere<any>(onA, 'watch:viewers', (p) => p.viewerCount === 2);
    onB1.close();
    expect(await toTwo).toEqual({ channel, viewerCount: 2 });

    const toOne = eventWhere<any>(onA, 'watch:viewers', (p) => p.viewerCount === 1);
    expect(await send(onB2, 'watch:leave', { channel })).toEqual({ ok: true, data: { left: true } });
    await toOne;
  });

  it('pushes live, health and offline from ingested IVS events, and title changes, to viewers on every node', async () => {
    const o = await owner();
    const channel = o.user.username;
    const arn = await channelArn(channel);
    const onA = await open(a.url);
    const onB = await open(b.url);
    await send(onA, 'watch:join', { channel });
    await send(onB, 'watch:join', { channel });

    const streamId = `st-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const start = new Date();
    const liveOnA = nextEvent<any>(onA, 'watch:live');
    const liveOnB = nextEvent<any>(onB, 'watch:live');
    // Ingested on node B: the viewer on node A must hear it too.
    const res = await postEvent(
      b,
      buildStreamStateEvent({ name: 'Stream Start', channelArn: arn, channelName: channel, streamId, time: start }),
    );
    expect(res.status).toBeLessThan(300);
    expect(await liveOnA).toEqual({ channel, isLive: true, since: start.toISOString() });
    expect(await liveOnB).toMatchObject({ channel, isLive: true });

    const starving = eventWhere<any>(onA, 'watch:health', (p) => p.health === 'STARVING');
    await postEvent(
      a,
      buildStreamHealthEvent({
        name: 'Starvation Start',
        channelArn: arn,
        channelName: channel,
        streamId,
        time: new Date(start.getTime() + 1000),
      }),
    );
    expect(await starving).toEqual({ channel, health: 'STARVING' });

    const info = nextEvent<any>(onA, 'watch:info');
    await call(b.url, 'PATCH', '/api/me/channel', { title: 'Now with cats' }, o.accessToken);
    expect(await info).toEqual({ channel, title: 'Now with cats', category: null });

    // A late viewer joins a live channel.
    const late = await open(a.url);
    expect(await send<any>(late, 'watch:join', { channel })).toMatchObject({
      ok: true,
      data: { channel: { isLive: true, title: 'Now with cats' } },
    });

    const end = new Date(start.getTime() + 5000);
    const offline = nextEvent<any>(onA, 'watch:live');
    await postEvent(b, buildStreamStateEvent({ name: 'Stream End', channelArn: arn, channelName: channel, streamId, time: end }));
    expect(await offline).toEqual({ channel, isLive: false, since: end.toISOString() });

    // A redelivered Stream End changes nothing and pushes nothing.
    const noMore = nextEvent(onA, 'watch:live', 800).then(
      () => 'pushed',
      () => 'quiet',
    );
    await postEvent(a, buildStreamStateEvent({ name: 'Stream End', channelArn: arn, channelName: channel, streamId, time: end }));
    expect(await noMore).toBe('quiet');
  });
});

/** Retries `check` until it holds (a leave is applied asynchronously), failing after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a bare websocket handshake and returns the viewer-session cookie the server set on it. */
function handshakeCookie(base: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    ws.once('upgrade', (res) => {
      const set = res.headers['set-cookie'] ?? [];
      ws.close();
      const cookie = set.find((c) => c.startsWith('streamcat-viewer='));
      if (cookie) resolve(cookie);
      else reject(new Error(`no viewer cookie in ${JSON.stringify(set)}`));
    });
    ws.once('error', reject);
  });
}

describe('viewer counts one client cannot inflate', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];
  /** A watch socket as a browser opens it: websocket only, with optional login, cookie and address (X-Forwarded-For). */
  const open = async (base: string, opts: { token?: string; cookie?: string; from?: string } = {}) => {
    const extraHeaders: Record<string, string> = {};
    if (opts.cookie) extraHeaders.cookie = opts.cookie;
    if (opts.from) extraHeaders['x-forwarded-for'] = opts.from;
    const s = io(base, {
      transports: ['websocket'],
      auth: opts.token ? { token: opts.token } : {},
      extraHeaders,
      reconnection: false,
      forceNew: true,
    });
    sockets.push(s);
    await connected(s);
    return s;
  };
  const channelIdOf = async (name: string) =>
    ((await a.app.get(DataSource).query('SELECT id FROM channels WHERE name = $1', [name])) as { id: string }[])[0].id;
  const counts = async (channelId: string) => [
    await a.app.get(WatchPresence).count(channelId),
    await b.app.get(WatchPresence).count(channelId),
  ];

  beforeAll(async () => {
    const env = {
      REDIS_URL: redisUrl,
      TRUST_PROXY: 'loopback',
      RATE_LIMITS: `${testLimits.RATE_LIMITS},watch-sockets-per-session=50,watch-sessions-per-address=4`,
    };
    a = await startTestApp(env);
    b = await startTestApp(env, { db: a.db, dataDir: a.config.dataDir });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('counts 50 sockets of one logged-in viewer, spread over two nodes, as one viewer', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i % 2 ? b.url : a.url, { token: viewer.accessToken })));
    const acks = await Promise.all(all.map((s) => send<any>(s, 'watch:join', { channel })));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const channelId = await channelIdOf(channel);
    expect(await counts(channelId)).toEqual([1, 1]);
    // The cap (50 here) holds across nodes: a 51st tab of the same viewer is refused, on either node.
    for (const base of [a.url, b.url]) {
      const extra = await open(base, { token: viewer.accessToken });
      expect(await send<any>(extra, 'watch:join', { channel })).toMatchObject({ ok: false, error: { code: 'watch/too-many-pages' } });
    }
    // Closing 49 of them leaves the viewer counted; closing the last one does not.
    all.slice(1).forEach((s) => s.close());
    const last = all[0];
    const ownerTab = await open(a.url, { token: owner.accessToken });
    expect(await send<any>(ownerTab, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 2 } } });
    const toOne = eventWhere<any>(ownerTab, 'watch:viewers', (p) => p.viewerCount === 1, 5_000);
    last.close();
    expect(await toOne).toEqual({ channel, viewerCount: 1 });
    expect(await counts(channelId)).toEqual([1, 1]);
  });

  it('counts 50 sockets sharing one anonymous viewer-session cookie (issued in the socket handshake) as one viewer', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const cookie = (await handshakeCookie(a.url)).split(';')[0];
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i % 2 ? b.url : a.url, { cookie, from: '198.51.100.20' })));
    const acks = await Promise.all(all.map((s) => send<any>(s, 'watch:join', { channel })));
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    expect(await counts(await channelIdOf(channel))).toEqual([1, 1]);
  });

  it('stops counting anonymous sessions of one address at the cap; other addresses and logged-in viewers still count', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const channelId = await channelIdOf(channel);
    // Eight cookie-less sockets from one address, over both nodes: each is its own session.
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => open(i % 2 ? b.url : a.url, { from: '203.0.113.50' })));
    const acks: Ack<any>[] = [];
    for (const s of crowd) acks.push(await send<any>(s, 'watch:join', { channel }));
    expect(acks.filter((ack) => ack.ok)).toHaveLength(4);
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused).toHaveLength(4);
    expect(refused[0].error).toEqual({
      code: 'watch/network-full',
      message: 'There are already 4 anonymous viewers of this channel from your network. Log in to watch, or try again later.',
    });
    expect(await counts(channelId)).toEqual([4, 4]);

    const elsewhere = await open(b.url, { from: '203.0.113.51' });
    expect(await send<any>(elsewhere, 'watch:join', { channel })).toMatchObject({ ok: true });
    const member = await register(a.url);
    const loggedIn = await open(a.url, { token: member.accessToken, from: '203.0.113.50' });
    expect(await send<any>(loggedIn, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 6 } } });

    // A seat freed on one node is free for the address on the other.
    const admitted = crowd.filter((_, i) => acks[i].ok);
    admitted[0].close();
    const late = await open(b.url, { from: '203.0.113.50' });
    await until(async () => (await send<any>(late, 'watch:join', { channel })).ok);
    expect(await counts(channelId)).toEqual([6, 6]);
  });
});

describe('a viewer session holds a bounded number of watch sockets (one node, no Redis)', () => {
  let t: TestApp;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMITS: `${testLimits.RATE_LIMITS},watch-sockets-per-session=3,watch-sessions-per-address=2` });
  });
  afterEach(() => sockets.splice(0).forEach((s) => s.close()));
  afterAll(() => t.close());
  const open = async (auth: Record<string, string> = {}) => {
    const s = connectSocket(t.url, auth);
    sockets.push(s);
    await connected(s);
    return s;
  };

  it('refuses the socket past the per-session cap with a sentence, and takes one again once a tab closes', async () => {
    const owner = await register(t.url);
    const viewer = await register(t.url);
    const channel = owner.user.username;
    const tabs = [
      await open({ token: viewer.accessToken }),
      await open({ token: viewer.accessToken }),
      await open({ token: viewer.accessToken }),
    ];
    for (const s of tabs)
      expect(await send<any>(s, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 1 } } });
    const fourth = await open({ token: viewer.accessToken });
    expect(await send<any>(fourth, 'watch:join', { channel })).toEqual({
      ok: false,
      error: { code: 'watch/too-many-pages', message: 'You already have 3 pages of this channel open. Close one to open another.' },
    });
    // A refused socket is not in the room: it hears nothing of the channel.
    const quiet = nextEvent(fourth, 'watch:info', 800).then(
      () => 'pushed',
      () => 'quiet',
    );
    await call(t.url, 'PATCH', '/api/me/channel', { title: 'Only for admitted tabs' }, owner.accessToken);
    expect(await quiet).toBe('quiet');
    // Joining again from an admitted tab is not a new socket.
    expect(await send<any>(tabs[0], 'watch:join', { channel })).toMatchObject({ ok: true });
    tabs[2].close();
    await until(async () => (await send<any>(fourth, 'watch:join', { channel })).ok);
  });

  it('caps anonymous sessions per address in memory too', async () => {
    const owner = await register(t.url);
    const channel = owner.user.username;
    const acks: Ack<any>[] = [];
    for (let i = 0; i < 4; i++) acks.push(await send<any>(await open(), 'watch:join', { channel }));
    expect(acks.map((ack) => ack.ok)).toEqual([true, true, false, false]);
    expect(acks[2]).toMatchObject({ ok: false, error: { code: 'watch/network-full' } });
  });
});

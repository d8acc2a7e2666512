import { randomUUID } from 'node:crypto';
import { buildStreamHealthEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import type { Socket } from 'socket.io-client';
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

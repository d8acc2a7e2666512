import { randomUUID } from 'node:crypto';
import { buildStreamHealthEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import { DataSource } from 'typeorm';
import type { Ack } from '@streamcat/protocol';
import { WebSocket } from 'ws';
import { eventually } from '../../test/support/eventually';
import testLimits from '../../test/support/test-limits.json';
import { WatchPresence } from '../src/watch/watch-presence';
import { WatchService } from '../src/watch/watch.service';
import { nextEvent, roundTrip, send, waitFor } from './support/sockets';
import { call, postIvsEvent, register } from './support/test-app';
import { LiveTestApp, useTestApp, useTwoNodes } from './support/use-test-app';

describe('watch rooms across two nodes', () => {
  const { a, b } = useTwoNodes();

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

  it('gives a joining viewer the current state, and refuses an unknown channel', async () => {
    const o = await owner();
    await call(a.url, 'PATCH', '/api/me/channel', { title: 'Knitting live' }, o.accessToken);
    const viewer = await a.open();
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

  it('joins arriving together share their reads, and each sees the chat as it was when it asked', async () => {
    const o = await owner();
    const chatter = await a.open({ token: o.accessToken });
    expect(await send(chatter, 'watch:join', { channel: o.user.username })).toMatchObject({ ok: true });
    expect(await send(chatter, 'chat:send', { channel: o.user.username, text: 'first' })).toMatchObject({ ok: true });
    const viewers = await Promise.all(Array.from({ length: 100 }, () => a.open()));
    const watch = a.app.get(WatchService);
    const before = watch.joinReads;
    const joins = await Promise.all(viewers.map((v) => send<any>(v, 'watch:join', { channel: o.user.username })));
    // 100 joins (two lookups each): a handful of reads, not 200 (the first reads at once, the
    // rest wait for the next read, so a burst costs a few reads per lookup).
    expect(watch.joinReads - before).toBeLessThanOrEqual(12);
    for (const j of joins) {
      if (!j.ok) throw new Error(`join refused: ${j.error.code}`);
      expect(j.data.channel.name).toBe(o.user.username);
      expect(j.data.chat.history.map((m: { text: string }) => m.text)).toEqual(['first']);
    }
    // A message committed before a join asks is in that join's history.
    expect(await send(chatter, 'chat:send', { channel: o.user.username, text: 'second' })).toMatchObject({ ok: true });
    const late = await send<any>(await a.open(), 'watch:join', { channel: o.user.username });
    if (!late.ok) throw new Error(`join refused: ${late.error.code}`);
    expect(late.data.chat.history.map((m: { text: string }) => m.text)).toEqual(['first', 'second']);
  });

  it('counts distinct watch sockets across nodes and pushes changes to every viewer', async () => {
    const o = await owner();
    const channel = o.user.username;
    const onA = await a.open();
    expect(await send<any>(onA, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 1 } } });

    const onB1 = await b.open();
    const onB2 = await b.open({ token: o.accessToken });
    const toThree = waitFor<any>(onA, 'watch:viewers', (p) => p.viewerCount === 3);
    await send(onB1, 'watch:join', { channel });
    const last = await send<any>(onB2, 'watch:join', { channel });
    expect(last.ok && last.data.channel.viewerCount).toBe(3);
    expect(await toThree).toEqual({ channel, viewerCount: 3 });

    // Joining twice from one socket does not count twice.
    await send(onB1, 'watch:join', { channel });
    // A tab on node B closes: the viewer on node A sees the count drop.
    const toTwo = waitFor<any>(onA, 'watch:viewers', (p) => p.viewerCount === 2);
    onB1.close();
    expect(await toTwo).toEqual({ channel, viewerCount: 2 });

    const toOne = waitFor<any>(onA, 'watch:viewers', (p) => p.viewerCount === 1);
    expect(await send(onB2, 'watch:leave', { channel })).toEqual({ ok: true, data: { left: true } });
    await toOne;
  });

  it('pushes live, health and offline from ingested IVS events, and title changes, to viewers on every node', async () => {
    const o = await owner();
    const channel = o.user.username;
    const arn = await channelArn(channel);
    const onA = await a.open();
    const onB = await b.open();
    await send(onA, 'watch:join', { channel });
    await send(onB, 'watch:join', { channel });

    const streamId = `st-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const start = new Date();
    const liveOnA = nextEvent<any>(onA, 'watch:live');
    const liveOnB = nextEvent<any>(onB, 'watch:live');
    // Ingested on node B: the viewer on node A must hear it too.
    const res = await postIvsEvent(
      b,
      buildStreamStateEvent({ name: 'Stream Start', channelArn: arn, channelName: channel, streamId, time: start }),
    );
    expect(res.status).toBeLessThan(300);
    expect(await liveOnA).toEqual({ channel, isLive: true, since: start.toISOString() });
    expect(await liveOnB).toMatchObject({ channel, isLive: true });

    const starving = waitFor<any>(onA, 'watch:health', (p) => p.health === 'STARVING');
    await postIvsEvent(
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
    const late = await a.open();
    expect(await send<any>(late, 'watch:join', { channel })).toMatchObject({
      ok: true,
      data: { channel: { isLive: true, title: 'Now with cats' } },
    });

    const end = new Date(start.getTime() + 5000);
    const offline = nextEvent<any>(onA, 'watch:live');
    await postIvsEvent(b, buildStreamStateEvent({ name: 'Stream End', channelArn: arn, channelName: channel, streamId, time: end }));
    expect(await offline).toEqual({ channel, isLive: false, since: end.toISOString() });

    // A redelivered Stream End changes nothing and pushes nothing.
    const noMore = nextEvent(onA, 'watch:live', 800).then(
      () => 'pushed',
      () => 'quiet',
    );
    await postIvsEvent(a, buildStreamStateEvent({ name: 'Stream End', channelArn: arn, channelName: channel, streamId, time: end }));
    expect(await noMore).toBe('quiet');
  });
});

/** Retries joining until the seat a closed socket held is free again (a leave is applied asynchronously). */
const joinsOnceFreed = (s: Parameters<typeof send>[0], channel: string) =>
  eventually('a freed seat', async () => (await send<any>(s, 'watch:join', { channel })).ok, 5_000, 50);

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
  const { a, b } = useTwoNodes({
    TRUST_PROXY: 'loopback',
    RATE_LIMITS: `${testLimits.RATE_LIMITS},watch-sockets-per-session=50,watch-sessions-per-address=4`,
  });
  /** A watch socket as a browser opens it, with optional login, cookie and address (X-Forwarded-For). */
  const open = (node: LiveTestApp, opts: { token?: string; cookie?: string; from?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.from) headers['x-forwarded-for'] = opts.from;
    return node.open(opts.token ? { token: opts.token } : {}, headers);
  };
  const channelIdOf = async (name: string) =>
    ((await a.app.get(DataSource).query('SELECT id FROM channels WHERE name = $1', [name])) as { id: string }[])[0].id;
  const counts = async (channelId: string) => [
    await a.app.get(WatchPresence).count(channelId),
    await b.app.get(WatchPresence).count(channelId),
  ];

  it('counts 50 sockets of one logged-in viewer, spread over two nodes, as one viewer', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i % 2 ? b : a, { token: viewer.accessToken })));
    const acks = await Promise.all(all.map((s) => send<any>(s, 'watch:join', { channel })));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const channelId = await channelIdOf(channel);
    expect(await counts(channelId)).toEqual([1, 1]);
    // The cap (50 here) holds across nodes: a 51st tab of the same viewer is refused, on either node.
    for (const node of [a, b]) {
      const extra = await open(node, { token: viewer.accessToken });
      expect(await send<any>(extra, 'watch:join', { channel })).toMatchObject({ ok: false, error: { code: 'watch/too-many-pages' } });
    }
    // Closing 49 of them leaves the viewer counted; closing the last one does not.
    all.slice(1).forEach((s) => s.close());
    const last = all[0];
    const ownerTab = await open(a, { token: owner.accessToken });
    expect(await send<any>(ownerTab, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 2 } } });
    const toOne = waitFor<any>(ownerTab, 'watch:viewers', (p) => p.viewerCount === 1, 5_000);
    last.close();
    expect(await toOne).toEqual({ channel, viewerCount: 1 });
    expect(await counts(channelId)).toEqual([1, 1]);
  });

  it('counts 50 sockets sharing one anonymous viewer-session cookie (issued in the socket handshake) as one viewer', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const cookie = (await handshakeCookie(a.url)).split(';')[0];
    const all = await Promise.all(Array.from({ length: 50 }, (_, i) => open(i % 2 ? b : a, { cookie, from: '198.51.100.20' })));
    const acks = await Promise.all(all.map((s) => send<any>(s, 'watch:join', { channel })));
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    expect(await counts(await channelIdOf(channel))).toEqual([1, 1]);
  });

  it('stops counting anonymous sessions of one address at the cap; other addresses and logged-in viewers still count', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const channelId = await channelIdOf(channel);
    // Eight cookie-less sockets from one address, over both nodes: each is its own session.
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => open(i % 2 ? b : a, { from: '203.0.113.50' })));
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

    const elsewhere = await open(b, { from: '203.0.113.51' });
    expect(await send<any>(elsewhere, 'watch:join', { channel })).toMatchObject({ ok: true });
    const member = await register(a.url);
    const loggedIn = await open(a, { token: member.accessToken, from: '203.0.113.50' });
    expect(await send<any>(loggedIn, 'watch:join', { channel })).toMatchObject({ ok: true, data: { channel: { viewerCount: 6 } } });

    // A seat freed on one node is free for the address on the other.
    const admitted = crowd.filter((_, i) => acks[i].ok);
    admitted[0].close();
    const late = await open(b, { from: '203.0.113.50' });
    await joinsOnceFreed(late, channel);
    expect(await counts(channelId)).toEqual([6, 6]);
  });
});

describe('a viewer session holds a bounded number of watch sockets (one node, no Redis)', () => {
  const t = useTestApp({ RATE_LIMITS: `${testLimits.RATE_LIMITS},watch-sockets-per-session=3,watch-sessions-per-address=2` });
  const open = (auth: Record<string, string> = {}) => t.open(auth);

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
    // A refused socket is not in the room: it hears nothing of the channel. The room gets one push
    // (an admitted tab has it), and the refused socket's own answer comes after anything sent to it.
    const heard: unknown[] = [];
    fourth.on('watch:info', (p) => heard.push(p));
    const admitted = nextEvent(tabs[0], 'watch:info');
    await call(t.url, 'PATCH', '/api/me/channel', { title: 'Only for admitted tabs' }, owner.accessToken);
    await admitted;
    await roundTrip(fourth);
    expect(heard).toEqual([]);
    // Joining again from an admitted tab is not a new socket.
    expect(await send<any>(tabs[0], 'watch:join', { channel })).toMatchObject({ ok: true });
    tabs[2].close();
    await joinsOnceFreed(fourth, channel);
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

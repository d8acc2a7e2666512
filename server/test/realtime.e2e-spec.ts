import { Broadcaster } from '../src/realtime/broadcaster';
import { rooms } from '../src/realtime/socket-actor';
import { connected, connectSocket, nextEvent, send } from './support/sockets';
import { register, startTestApp, TestApp } from './support/test-app';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Socket.IO transport', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ REDIS_URL: redisUrl });
    // A second server node on the same database and Redis.
    b = await startTestApp({ REDIS_URL: redisUrl }, { db: a.db, dataDir: a.config.dataDir });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('authenticates the handshake: anonymous, user, and a bad token refused with a code', async () => {
    const anon = connectSocket(a.url);
    await connected(anon);
    expect(await send(anon, 'session:whoami', {})).toEqual({ ok: true, data: { user: null } });
    anon.close();

    const u = await register(a.url);
    const s = connectSocket(a.url, { token: u.accessToken });
    await connected(s);
    expect(await send(s, 'session:whoami', {})).toEqual({ ok: true, data: { user: u.user } });
    s.close();

    const bad = connectSocket(a.url, { token: 'not-a-token' });
    const err = await connected(bad).catch((e: Error & { data?: { code: string } }) => e);
    expect((err as Error & { data?: { code: string } }).data?.code).toBe('auth/invalid-token');
    bad.close();
  });

  it('answers unknown events, bad payloads and floods with error acks, and stays up', async () => {
    const s = connectSocket(a.url);
    await connected(s);
    const unknown = await send(s, 'studio:self-destruct', { now: true });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'request/unknown-event' } });
    const invalid = await send(s, 'session:whoami', { extra: 1 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'request/invalid' } });
    for (const junk of [null, 42, 'text', [1, 2], { __proto__: { x: 1 } }]) {
      const r = await send(s, 'session:whoami', junk);
      expect(r.ok === true || r.error.code === 'request/invalid').toBe(true);
    }
    const burst = await Promise.all(Array.from({ length: 60 }, () => send(s, 'session:whoami', {})));
    expect(burst.some((r) => !r.ok && r.error.code === 'request/rate-limited')).toBe(true);
    s.close();

    // A frame over 64 KB is cut at the transport; the server carries on.
    const big = connectSocket(a.url);
    await connected(big);
    const closed = new Promise<string>((resolve) => big.once('disconnect', resolve));
    big.emit('session:whoami', { pad: 'x'.repeat(70_000) });
    expect(await closed).toMatch(/transport/);
    const after = connectSocket(a.url);
    await connected(after);
    expect((await send(after, 'session:whoami', {})).ok).toBe(true);
    after.close();
  });

  it("delivers to a user's room across nodes through Redis", async () => {
    const u = await register(a.url);
    const tab1 = connectSocket(a.url, { token: u.accessToken });
    const tab2 = connectSocket(b.url, { token: u.accessToken });
    await Promise.all([connected(tab1), connected(tab2)]);
    // Emitted on node B; the tab on node A must get it too.
    const got = Promise.all([nextEvent(tab1, 'user:notice'), nextEvent(tab2, 'user:notice')]);
    await new Promise((r) => setTimeout(r, 100));
    b.app.get(Broadcaster).toRoom(rooms.user(u.user.id), 'user:notice', { kind: 'test', message: 'hello from B' });
    expect(await got).toEqual([
      { kind: 'test', message: 'hello from B' },
      { kind: 'test', message: 'hello from B' },
    ]);
    expect(await a.app.get(Broadcaster).countRoom(rooms.user(u.user.id))).toBe(2);
    tab1.close();
    tab2.close();
  });
});

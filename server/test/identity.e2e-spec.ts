import jwt from 'jsonwebtoken';
import type { Socket } from 'socket.io-client';
import { eventually } from '../../test/support/eventually';
import { runCli } from '../src/cli/cli';
import { Broadcaster } from '../src/realtime/broadcaster';
import { HandshakeAccounts } from '../src/realtime/handshake-accounts';
import { IdentitySweep } from '../src/realtime/identity-sweep.service';
import { rooms } from '../src/realtime/socket-actor';
import { connected, connectSocket, disconnected, nextEvent, send } from './support/sockets';
import { register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

/** Open sockets follow their account: role changes, expiry, bans and deletion, on every node. */
describe('sockets follow identity changes (two nodes, Redis, real PostgreSQL)', () => {
  const { a, b, pg } = useTwoNodes();
  const saved = { ...process.env };

  beforeAll(() => {
    // The operator's CLI, in this process, writing the shared database directly.
    process.env.DATABASE_URL = a.db.url;
    process.env.DATA_DIR = a.config.dataDir;
  });
  afterAll(() => {
    process.env = saved;
  });

  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runCli(args, (s) => out.push(s));
    if (code !== 0) throw new Error(`cli ${args.join(' ')}: ${out.join('\n')}`);
  };

  const ended = (s: Socket, timeoutMs = 8_000) =>
    Promise.all([
      nextEvent<{ reason: string; message: string; user?: { role: string } }>(s, 'session:ended', timeoutMs),
      disconnected(s, timeoutMs),
    ]);

  it('a moderator demoted by the CLI stops receiving moderator pushes within 5 s, on another node', async () => {
    const m = await register(a.url);
    await cli('role', m.user.username, 'moderator');
    const s = await b.open({ token: m.accessToken });
    expect(await send(s, 'moderation:subscribe', {})).toMatchObject({ ok: true });

    // Node A pushes to the moderation room every 100 ms; the socket sits on node B.
    let seq = 0;
    const received: { seq: number; at: number }[] = [];
    s.on('moderation:stage', (e: { stage: string }) => received.push({ seq: Number(e.stage.slice(6)), at: performance.now() }));
    const probe = setInterval(
      () => a.app.get(Broadcaster).toRoom(rooms.moderation, 'moderation:stage', { stage: `probe-${++seq}`, entry: null }),
      100,
    );
    try {
      await eventually('pushes before the demotion', () => received.length >= 3);
      const end = ended(s);
      const demotedAt = performance.now();
      await cli('role', m.user.username, 'user');
      const [event] = await end;
      const endedAfterMs = performance.now() - demotedAt;
      const lastPushAfterMs = Math.max(0, received[received.length - 1].at - demotedAt);
      const seqAtEnd = seq;
      // Probes keep going for a while: none may arrive any more.
      await eventually('more probes sent', () => seq >= seqAtEnd + 5);
      console.log(
        `demotion → socket ended after ${endedAfterMs.toFixed(0)} ms; last moderator push ${lastPushAfterMs.toFixed(0)} ms after the CLI`,
      );
      expect(event).toMatchObject({ reason: 'role-changed', user: { id: m.user.id, role: 'user' } });
      expect(endedAfterMs).toBeLessThan(5_000);
      expect(received[received.length - 1].seq).toBeLessThanOrEqual(seqAtEnd);
    } finally {
      clearInterval(probe);
      s.close();
    }

    // Reconnecting with the same login: a plain user, and moderator commands are refused.
    const again = await a.open({ token: m.accessToken });
    expect(await send(again, 'session:whoami', {})).toEqual({ ok: true, data: { user: { ...m.user, role: 'user' } } });
    expect(await send(again, 'moderation:subscribe', {})).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
  });

  it('a user promoted by the CLI is told, and their reconnected socket has the new role', async () => {
    const u = await register(a.url);
    const s = await b.open({ token: u.accessToken });
    expect(await send(s, 'moderation:subscribe', {})).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
    const end = ended(s);
    await cli('role', u.user.username, 'moderator');
    expect((await end)[0]).toMatchObject({ reason: 'role-changed', user: { role: 'moderator' } });
    const again = await b.open({ token: u.accessToken });
    expect(await send(again, 'moderation:subscribe', {})).toMatchObject({ ok: true });
  });

  it('closes a socket when its login expires, saying so', async () => {
    const u = await register(a.url);
    // A real login token with a short life, signed as the server signs them (JWT_TTL_SECONDS is at least 60).
    const token = jwt.sign({ username: u.user.username }, a.config.jwtSecret, {
      algorithm: 'HS256',
      subject: u.user.id,
      expiresIn: 2,
      issuer: 'streamcat',
      audience: 'streamcat',
    });
    const s = await b.open({ token });
    const started = performance.now();
    expect(await send(s, 'session:whoami', {})).toMatchObject({ ok: true, data: { user: { id: u.user.id } } });
    const [event, reason] = await ended(s);
    console.log(`expired login → socket ended ${(performance.now() - started).toFixed(0)} ms after connecting (token lifetime 2 s)`);
    expect(event).toEqual({ reason: 'session-expired', message: 'Your session has expired. Please log in again.' });
    expect(reason).toBe('io server disconnect');
    // And it cannot come back with that token.
    await expect(b.open({ token })).rejects.toMatchObject({ data: { code: 'auth/invalid-token' } });
  });

  it('a site-wide ban written by another process reaches the open socket, which can no longer chat', async () => {
    const owner = await register(a.url);
    const u = await register(a.url);
    const s = await b.open({ token: u.accessToken });
    expect(await send(s, 'watch:join', { channel: owner.user.username })).toMatchObject({ ok: true, data: { me: { canChat: true } } });
    expect(await send(s, 'chat:send', { channel: owner.user.username, text: 'before' })).toMatchObject({ ok: true });
    // A pass records the socket's (empty) sanction first, so the ban is a change it reports.
    await b.app.get(IdentitySweep).sweep();
    const told = nextEvent<{ channel: string | null; sanction: { kind: string; scope: string } }>(s, 'chat:sanction', 5_000);
    await pg.query(`INSERT INTO chat_sanctions (user_id, channel_id, kind, reason, created_by) VALUES ($1, NULL, 'ban', 'spam', $2)`, [
      u.user.id,
      owner.user.id,
    ]);
    expect(await told).toEqual({ channel: null, sanction: { kind: 'ban', scope: 'site', reason: 'spam', until: null } });
    expect(s.connected).toBe(true);
    expect(await send(s, 'chat:send', { channel: owner.user.username, text: 'after' })).toMatchObject({
      ok: false,
      error: { code: 'chat/banned' },
    });
  });

  it('closes the sockets of a deleted account', async () => {
    const u = await register(a.url);
    const tabs = await Promise.all([a.open({ token: u.accessToken }), b.open({ token: u.accessToken })]);
    const ends = tabs.map((t) => ended(t));
    await pg.query('DELETE FROM users WHERE id = $1', [u.user.id]);
    for (const [event] of await Promise.all(ends)) expect(event).toMatchObject({ reason: 'account-deleted' });
  });

  it('handshakes in flight share one account read, each answered by a read begun after it asked', async () => {
    const accounts = await Promise.all(Array.from({ length: 8 }, () => register(a.url)));
    await b.setRole(accounts[0], 'moderator');
    await pg.query('DELETE FROM users WHERE id = $1', [accounts[1].user.id]);
    const lookups = b.app.get(HandshakeAccounts);

    // 200 handshakes arriving together, as when a node dies under them: 2 reads, not 200.
    const before = lookups.reads;
    const roles = await Promise.all(Array.from({ length: 200 }, (_, i) => lookups.roleOf(accounts[i % 8].user.id)));
    expect(lookups.reads - before).toBeLessThanOrEqual(2);
    roles.forEach((role, i) => expect(role).toBe(i % 8 === 0 ? 'moderator' : i % 8 === 1 ? null : 'user'));

    // A change committed after a read began is seen by the handshakes that asked after it.
    const inFlight = lookups.roleOf(accounts[2].user.id);
    await b.setRole(accounts[2], 'admin');
    const after = lookups.roleOf(accounts[2].user.id);
    expect(await inFlight).toMatch(/^(user|admin)$/);
    expect(await after).toBe('admin');

    // Over real sockets: never more than one read per socket, the deleted account refused on every tab.
    const sockets = accounts.flatMap((u) => Array.from({ length: 10 }, () => ({ u, s: connectSocket(b.url, { token: u.accessToken }) })));
    const start = lookups.reads;
    try {
      const outcomes = await Promise.all(
        sockets.map(({ s }) =>
          connected(s, 15_000).then(
            () => 'connected',
            (e: { data?: { code?: string } }) => e.data?.code ?? 'error',
          ),
        ),
      );
      console.log(`${sockets.length} socket handshakes of 8 accounts → ${lookups.reads - start} account reads`);
      expect(lookups.reads - start).toBeLessThanOrEqual(sockets.length);
      outcomes.forEach((o, i) => expect(o).toBe(sockets[i].u === accounts[1] ? 'auth/invalid-token' : 'connected'));
      const promoted = sockets.find(({ u }) => u === accounts[0])!.s;
      expect(await send(promoted, 'session:whoami', {})).toMatchObject({ ok: true, data: { user: { role: 'moderator' } } });
      const plain = sockets.find(({ u }) => u === accounts[3])!.s;
      expect(await send(plain, 'session:whoami', {})).toEqual({ ok: true, data: { user: accounts[3].user } });
    } finally {
      for (const { s } of sockets) s.close();
    }
  });

  it('refuses a handshake with an expired login token, or one signed by another key', async () => {
    const u = await register(a.url);
    const sign = (secret: string, expiresIn: number) =>
      jwt.sign({ username: u.user.username }, secret, {
        algorithm: 'HS256',
        subject: u.user.id,
        expiresIn,
        issuer: 'streamcat',
        audience: 'streamcat',
      });
    await expect(b.open({ token: sign(a.config.jwtSecret, -10) })).rejects.toMatchObject({ data: { code: 'auth/invalid-token' } });
    await expect(b.open({ token: sign('not-the-server-secret-but-long-enough', 600) })).rejects.toMatchObject({
      data: { code: 'auth/invalid-token' },
    });
    expect(await send(await b.open({ token: sign(a.config.jwtSecret, 600) }), 'session:whoami', {})).toMatchObject({ ok: true });
  });

  it('leaves anonymous sockets and unchanged users alone', async () => {
    const u = await register(a.url);
    const [anon, user] = await Promise.all([b.open(), b.open({ token: u.accessToken })]);
    let endedCount = 0;
    for (const s of [anon, user]) s.on('session:ended', () => endedCount++);
    // Two complete passes later, both are still there and answer.
    await b.app.get(IdentitySweep).sweep();
    await b.app.get(IdentitySweep).sweep();
    expect(endedCount).toBe(0);
    expect((await send(user, 'session:whoami', {})).ok).toBe(true);
    expect((await send(anon, 'session:whoami', {})).ok).toBe(true);
  });
});

import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { MultistreamDestination, MultistreamStatus } from '@streamcat/protocol';
import { eventually } from '../../test/support/eventually';
import { createTestDatabase } from '../../test/support/database';
import { loadConfig } from '../src/config/config';
import { MultistreamRelays } from '../src/multistream/multistream-relays.service';
import { Account, call, register, startTestApp } from './support/test-app';
import { useTestApp, useTwoNodes } from './support/use-test-app';

type Status = MultistreamStatus['state'];

/** A port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** ffprobe's distinct stream types of a URL (what a player would find there; HLS lists them per program too). */
function probe(url: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', url],
      { timeout: 20_000 },
      (err, out) => (err ? reject(err) : resolve([...new Set(out.split('\n').filter(Boolean))].sort())),
    ),
  );
}

/**
 * Multistream in local mode with real ffmpeg all the way: a test pattern is pushed into one
 * channel's RTMP ingest; its relays copy the programme to two other channels' RTMP ingest on
 * loopback and to a dead port. What a host would notice: the two other channels go live and
 * play, the dead one says why it fails and keeps retrying without disturbing the rest, a relay
 * that dies is started again, and ending the show ends every relay.
 */
describe('multistream: a local show relayed to two channels and a dead destination', () => {
  // The destination channels end at once when their relay drops, so a restart is a new broadcast there.
  const t = useTestApp({ INGEST_RECONNECT_GRACE_SECONDS: '0' });
  let source: ChildProcess | undefined;

  afterAll(() => {
    if (source && source.exitCode === null) source.kill('SIGKILL');
  });

  const channel = async (name: string) =>
    (await t.pg.query('SELECT is_live, current_stream_id, playback_url FROM channels WHERE name = $1', [name])).rows[0] as {
      is_live: boolean;
      current_stream_id: string | null;
      playback_url: string;
    };
  const until = <T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 60_000) =>
    eventually(what, fn, ms, 250);

  async function credentials(a: Account) {
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, a.accessToken);
    return creds.body as { streamKey: string; rtmpUrl: string };
  }

  it('relays to both live destinations, fails and retries the dead one alone, restarts a killed relay, stops with the show', async () => {
    const relays = t.app.get(MultistreamRelays);
    relays.start(500);
    const host = await register(t.url);
    const a = await register(t.url);
    const b = await register(t.url);
    const [hostCreds, aCreds, bCreds] = await Promise.all([credentials(host), credentials(a), credentials(b)]);
    const ingest = new URL(hostCreds.rtmpUrl);
    const loopback = `rtmp://127.0.0.1:${ingest.port}/app`;
    const deadPort = await closedPort();

    const add = async (name: string, url: string, key: string) => {
      const res = await call<MultistreamDestination>(
        t.url,
        'POST',
        '/api/me/multistream/destinations',
        { kind: 'custom', name, url, key },
        host.accessToken,
      );
      expect(res.status).toBe(201);
      return res.body;
    };
    const toA = await add('Channel A', loopback, aCreds.streamKey);
    const toB = await add('Channel B', loopback, bCreds.streamKey);
    const dead = await add('Dead', `rtmp://127.0.0.1:${deadPort}/app`, 'dead-stream-key-0001');
    const keys = [aCreds.streamKey, bCreds.streamKey, 'dead-stream-key-0001'];

    const hostSocket = await t.open({ token: host.accessToken });
    const pushed: { destinationId: string; status: MultistreamStatus }[] = [];
    hostSocket.on('multistream:status', (p: { destinationId: string; status: MultistreamStatus }) => pushed.push(p));

    // The show: a real encoder (test pattern + tone, H.264 + AAC) into the host's RTMP ingest.
    // prettier-ignore
    source = spawn('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=15',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '15', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', `${loopback}/${hostCreds.streamKey}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    await until('the host channel to be live', async () => (await channel(host.user.username)).is_live);

    const statuses = async () => {
      const res = await call<{ items: MultistreamDestination[] }>(
        t.url,
        'GET',
        '/api/me/multistream/destinations',
        undefined,
        host.accessToken,
      );
      for (const key of keys) expect(JSON.stringify(res.body)).not.toContain(key);
      return new Map(res.body.items.map((d) => [d.id, d.status]));
    };
    const stateOf = async (id: string): Promise<Status | undefined> => (await statuses()).get(id)?.state;

    const started = Date.now();
    await until(
      'both destination channels to be live',
      async () => (await channel(a.user.username)).is_live && (await channel(b.user.username)).is_live,
    );
    await until('both relays to say live', async () => (await stateOf(toA.id)) === 'live' && (await stateOf(toB.id)) === 'live');
    const wentLiveMs = Date.now() - started;

    // They play: each destination channel's own HLS has video and audio (read by ffprobe, as a player would).
    for (const who of [a, b]) {
      const playback = new URL(new URL((await channel(who.user.username)).playback_url).pathname, t.url).toString();
      expect(await until(`${who.user.username}'s playback`, () => probe(playback).catch(() => null), 30_000)).toEqual([
        'aac,audio',
        'h264,video',
      ]);
    }

    const liveStreams = [(await channel(a.user.username)).current_stream_id, (await channel(b.user.username)).current_stream_id];
    const deadStatus = await until('the dead destination to be retrying with a reason', async () => {
      const s = (await statuses()).get(dead.id);
      return s?.state === 'retrying' && s.failures >= 2 ? s : null;
    });
    expect(deadStatus.reason).toMatch(/refused/i);
    // Its failures touched neither live destination: same broadcasts as before.
    expect([(await channel(a.user.username)).current_stream_id, (await channel(b.user.username)).current_stream_id]).toEqual(liveStreams);
    expect(deadStatus.reason).not.toContain('dead-stream-key-0001');
    expect(Date.parse(deadStatus.retryAt!)).toBeGreaterThan(Date.parse(deadStatus.since));
    // The host's studio heard the same over the socket: connecting, then live / retrying.
    expect(pushed.filter((p) => p.destinationId === toA.id).map((p) => p.status.state)).toEqual(
      expect.arrayContaining(['connecting', 'live']),
    );
    expect(pushed.some((p) => p.destinationId === dead.id && p.status.state === 'retrying' && /refused/i.test(p.status.reason ?? ''))).toBe(
      true,
    );

    // One relay killed mid-show: it is started again; the other and the show are untouched.
    const before = relays.list();
    const pidA = before.find((r) => r.destinationId === toA.id)!.pid!;
    const pidB = before.find((r) => r.destinationId === toB.id)!.pid!;
    const streamB = (await channel(b.user.username)).current_stream_id;
    const streamHost = (await channel(host.user.username)).current_stream_id;
    process.kill(pidA, 'SIGKILL');
    await until('relay A to fail', async () => (await stateOf(toA.id)) !== 'live', 10_000);
    const killedAt = Date.now();
    const restarted = await until('relay A to run again', () => {
      const r = relays.list().find((x) => x.destinationId === toA.id);
      return r?.pid && r.pid !== pidA && r.status.state === 'live' ? r : null;
    });
    const restartMs = Date.now() - killedAt;
    await until('channel A to be live again', async () => (await channel(a.user.username)).is_live);
    expect(alive(pidB)).toBe(true);
    expect(relays.list().find((r) => r.destinationId === toB.id)!.pid).toBe(pidB);
    expect(await channel(b.user.username)).toMatchObject({ is_live: true, current_stream_id: streamB });
    expect(await channel(host.user.username)).toMatchObject({ is_live: true, current_stream_id: streamHost });

    // Mid-show the host switches the dead one off: its relay stops, it says idle, the others go on.
    const deadPid = relays.list().find((r) => r.destinationId === dead.id)?.pid;
    const off = await call(t.url, 'PATCH', `/api/me/multistream/destinations/${dead.id}`, { enabled: false }, host.accessToken);
    expect(off.status).toBe(200);
    await until('the switched-off relay to stop', () => !relays.list().some((r) => r.destinationId === dead.id), 10_000);
    await until('it to say idle', async () => (await stateOf(dead.id)) === 'idle', 10_000);
    if (deadPid) await until('its ffmpeg to be gone', () => !alive(deadPid), 10_000);
    expect(relays.list().find((r) => r.destinationId === toB.id)!.pid).toBe(pidB);

    // A new key for B while live: its relay starts over with it (a new ffmpeg), and goes live again.
    const rekey = await call(t.url, 'PATCH', `/api/me/multistream/destinations/${toB.id}`, { key: bCreds.streamKey }, host.accessToken);
    expect(rekey.status).toBe(200);
    await until('relay B to run a new ffmpeg, live', () => {
      const r = relays.list().find((x) => x.destinationId === toB.id);
      return r?.pid && r.pid !== pidB && r.status.state === 'live';
    });
    expect(alive(pidB)).toBe(false);

    // The show ends: every relay stops and no ffmpeg of theirs is left.
    const pids = relays.list().map((r) => r.pid!);
    expect(pids).toHaveLength(2);
    source.kill('SIGTERM');
    const endedAt = Date.now();
    await until('the host channel to be offline', async () => !(await channel(host.user.username)).is_live);
    await until('no relay left', () => relays.list().length === 0, 20_000);
    const stoppedMs = Date.now() - endedAt;
    expect(pids.filter(alive)).toEqual([]);
    await until('every destination idle', async () => [...(await statuses()).values()].every((s) => s.state === 'idle'), 10_000);
    await until(
      'the destination channels offline',
      async () => !(await channel(a.user.username)).is_live && !(await channel(b.user.username)).is_live,
    );
    const leases = await t.pg.query('SELECT count(*)::int AS n FROM multistream_destinations WHERE lease_node IS NOT NULL');
    expect(leases.rows[0].n).toBe(0);
    console.log(
      `multistream e2e: destinations live after ${wentLiveMs} ms; killed relay live again after ${restartMs} ms (pid ${restarted.pid}); relays gone ${stoppedMs} ms after the encoder stopped`,
    );
  }, 180_000);
});

describe('multistream on two replicas: one relay per destination', () => {
  const { a, b, pg } = useTwoNodes();

  it('each destination is relayed by exactly one node; a node that stops hands its relays over; status reaches the owner on any node', async () => {
    const [ra, rb] = [a.app.get(MultistreamRelays), b.app.get(MultistreamRelays)];
    ra.start(300);
    rb.start(300);
    const host = await register(a.url);
    const port = await closedPort();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await call(
        b.url,
        'POST',
        '/api/me/multistream/destinations',
        { kind: 'custom', url: `rtmp://127.0.0.1:${port}/app${i}`, key: `key${i}abcd` },
        host.accessToken,
      );
      ids.push(res.body.id);
    }
    const socketOnB = await b.open({ token: host.accessToken });
    const heard = new Set<string>();
    socketOnB.on('multistream:status', (p: { destinationId: string }) => heard.add(p.destinationId));
    // The channel is live as far as the database says (the media plane is per node in this embedded setup).
    await pg.query('UPDATE channels SET is_live = true WHERE user_id = $1', [host.user.id]);

    const owners = () => {
      const on = [
        ...ra.list().map((r) => ({ id: r.destinationId, node: 'a' })),
        ...rb.list().map((r) => ({ id: r.destinationId, node: 'b' })),
      ];
      for (const id of ids) expect(on.filter((r) => r.id === id).length).toBeLessThanOrEqual(1);
      return on;
    };
    await eventually('every destination to have a relay', () => owners().length === 4, 20_000, 50);
    // Watched for a while, as passes on both nodes keep running: never two relays for one destination.
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      expect(owners()).toHaveLength(4);
      await new Promise((r) => setTimeout(r, 50));
    }
    const leases = await pg.query('SELECT lease_node FROM multistream_destinations WHERE id = ANY($1::uuid[])', [ids]);
    expect(leases.rows.every((r) => r.lease_node === ra.nodeId || r.lease_node === rb.nodeId)).toBe(true);
    await eventually('the owner’s socket on node b to hear every destination', () => heard.size === 4, 10_000, 50);

    // The node holding most of them shuts down: it gives its leases back and the other takes them all.
    const [leaving, staying] = ra.list().length >= rb.list().length ? [ra, rb] : [rb, ra];
    await leaving.onApplicationShutdown();
    expect(leaving.list()).toEqual([]);
    await eventually('the other node to relay all four', () => staying.list().length === 4, 20_000, 50);

    await pg.query('UPDATE channels SET is_live = false WHERE user_id = $1', [host.user.id]);
    await eventually('no relay left when the channel is offline', () => staying.list().length === 0, 20_000, 50);
  }, 90_000);
});

describe('multistream destinations: keys stay secret, input is checked', () => {
  const t = useTestApp();

  it('a saved key is never returned, by create, list or update, and is not stored in clear', async () => {
    const host = await register(t.url);
    const key = `live_${randomBytes(12).toString('hex')}`;
    const created = await call(t.url, 'POST', '/api/me/multistream/destinations', { kind: 'youtube', key }, host.accessToken);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'youtube',
      name: 'YouTube',
      url: 'rtmps://a.rtmps.youtube.com:443/live2',
      keyHint: `…${key.slice(-4)}`,
      enabled: true,
    });
    expect(created.body.status.state).toBe('idle');
    const newKey = `live_${randomBytes(12).toString('hex')}`;
    const updated = await call(
      t.url,
      'PATCH',
      `/api/me/multistream/destinations/${created.body.id}`,
      { key: newKey, enabled: false },
      host.accessToken,
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ keyHint: `…${newKey.slice(-4)}`, enabled: false });
    const listed = await call(t.url, 'GET', '/api/me/multistream/destinations', undefined, host.accessToken);
    for (const body of [created.body, updated.body, listed.body]) {
      expect(JSON.stringify(body)).not.toContain(key);
      expect(JSON.stringify(body)).not.toContain(newKey);
    }
    const stored = await t.pg.query('SELECT * FROM multistream_destinations');
    expect(JSON.stringify(stored.rows)).not.toContain(newKey.slice(5));
    expect(JSON.stringify(stored.rows)).not.toContain(key.slice(5));
  });

  it('refuses bad input with a sentence and changes nothing; nobody reaches another channel’s destinations', async () => {
    const host = await register(t.url);
    const other = await register(t.url);
    const post = (body: unknown, who = host) => call(t.url, 'POST', '/api/me/multistream/destinations', body, who.accessToken);
    const bad = [
      { kind: 'custom', url: 'http://example.com/app', key: 'abcd1234' },
      { kind: 'custom', url: 'rtmp://user:pw@example.com/app', key: 'abcd1234' },
      { kind: 'custom', key: 'abcd1234' },
      { kind: 'twitch', url: 'rtmp://example.com/app', key: 'abcd1234' },
      { kind: 'twitch', key: 'has space' },
      { kind: 'twitch', key: 'a/b' },
      { kind: 'twitch', key: 'x'.repeat(257) },
      { kind: 'twitch', key: 'abcd1234', extra: 1 },
    ];
    for (const body of bad) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('request/invalid');
    }
    const count = async () =>
      (
        await t.pg.query(
          'SELECT count(*)::int AS n FROM multistream_destinations d JOIN channels c ON c.id = d.channel_id WHERE c.user_id = $1',
          [host.user.id],
        )
      ).rows[0].n;
    expect(await count()).toBe(0);

    const mine = await post({ kind: 'twitch', key: 'abcd1234' });
    expect(mine.status).toBe(201);
    expect(
      (await call(t.url, 'PATCH', `/api/me/multistream/destinations/${mine.body.id}`, { url: 'rtmp://example.com/x' }, host.accessToken))
        .body.error.code,
    ).toBe('multistream/preset-url');
    // Another user: the id is not theirs, so it does not exist for them.
    expect(
      (await call(t.url, 'PATCH', `/api/me/multistream/destinations/${mine.body.id}`, { enabled: false }, other.accessToken)).status,
    ).toBe(404);
    expect((await call(t.url, 'DELETE', `/api/me/multistream/destinations/${mine.body.id}`, undefined, other.accessToken)).status).toBe(
      404,
    );
    expect((await call(t.url, 'GET', '/api/me/multistream/destinations', undefined, other.accessToken)).body.items).toEqual([]);
    expect((await call(t.url, 'GET', '/api/me/multistream/destinations')).status).toBe(401);

    for (let i = 1; i < 5; i++)
      expect((await post({ kind: 'custom', url: `rtmp://127.0.0.1/app${i}`, key: `key${i}abcd` })).status).toBe(201);
    const sixth = await post({ kind: 'facebook', key: 'abcd1234' });
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.code).toBe('multistream/too-many');
    expect(await count()).toBe(5);

    expect((await call(t.url, 'DELETE', `/api/me/multistream/destinations/${mine.body.id}`, undefined, host.accessToken)).status).toBe(204);
    expect(await count()).toBe(4);
  });
});

describe('MULTISTREAM_KEY at start', () => {
  it('a malformed key stops the start naming the variable, without printing it', () => {
    expect(() => loadConfig({ MULTISTREAM_KEY: 'not-a-key-at-all' })).toThrow(/MULTISTREAM_KEY: must be 32 bytes in base64/);
    expect(() => loadConfig({ MULTISTREAM_KEY: 'not-a-key-at-all' })).not.toThrow(/not-a-key-at-all/);
  });

  it('a key other than the one the stored keys were sealed with is a clear start error, not garbage', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp({ MULTISTREAM_KEY: randomBytes(32).toString('base64') }, { db });
      try {
        const host = await register(first.url);
        expect(
          (await call(first.url, 'POST', '/api/me/multistream/destinations', { kind: 'twitch', key: 'live_secret_1234' }, host.accessToken))
            .status,
        ).toBe(201);
      } finally {
        await first.close();
      }
      await expect(startTestApp({ MULTISTREAM_KEY: randomBytes(32).toString('base64') }, { db })).rejects.toThrow(
        /MULTISTREAM_KEY does not decrypt the multistream stream keys stored in the database/,
      );
    } finally {
      await db.drop();
    }
  }, 90_000);
});

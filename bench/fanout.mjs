#!/usr/bin/env node
// `npm run bench:fanout` (docs/benchmarks.md): a studio layout change from the host → all 12
// studio members, and a go-live (IVS Stream Start event) → every watch socket, across two
// StreamCat processes on one Redis; vs. a bare Socket.IO pair on the same Redis adapter
// broadcasting the same payloads to the same number of sockets. Rounds alternate ours /
// baseline; loopback only; the last line printed is one JSON object.
import testLimits from '../test/support/test-limits.json' with { type: 'json' };
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { io } = require('socket.io-client');

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MEMBERS = 12;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 2000);
const STUDIO_ROUNDS = Number(process.env.BENCH_STUDIO_ROUNDS ?? 100);
const LIVE_ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 10);
const API_KEY = 'bench-fanout-events-key';
const log = (s) => process.stderr.write(`${s}\n`);
const children = [];

function start(args, env) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, RATE_LIMITS: testLimits.RATE_LIMITS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      const m = /LISTENING (\S+)/.exec(String(d));
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`${args[0]} exited ${code}: ${err.slice(-2000)}`)));
  });
}

const connect = (url, auth) =>
  new Promise((ok, fail) => {
    const s = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
    s.once('connect', () => ok(s));
    s.once('connect_error', fail);
  });
const ack = (s, ev, p) => s.timeout(20_000).emitWithAck(ev, p);
const okData = (a) => {
  if (!a.ok) throw new Error(JSON.stringify(a.error));
  return a.data;
};
async function api(base, method, path, body, token, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}
async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => fn(i + j)))));
  return out;
}
/** Resolves with per-socket latencies (ms) once every socket got an event matching `pred`. */
function arrivals(sockets, event, pred, t0ref) {
  return new Promise((ok, fail) => {
    const lat = [];
    const timer = setTimeout(() => fail(new Error(`${event}: ${lat.length}/${sockets.length} arrived`)), 30_000);
    for (const s of sockets) {
      const on = (p) => {
        if (!pred(p)) return;
        s.off(event, on);
        lat.push(performance.now() - t0ref.t0);
        if (lat.length === sockets.length) {
          clearTimeout(timer);
          ok(lat);
        }
      };
      s.on(event, on);
    }
  });
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2);
};

const dbName = `streamcat_bench_${Date.now().toString(36)}`;
const admin = new Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-bench-'));
const sockets = [];
try {
  const env = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    SERVE_CLIENT: 'false',
    LOG_LEVEL: 'error',
    MEDIA_PROVIDER: 'local',
    IVS_EVENTS_API_KEY: API_KEY,
  };
  const proc = join(root, 'server/test/support/server-process.cjs');
  const a = await start([proc], env); // first: runs the migrations
  const b = await start([proc], env);
  const [ba, bb] = await Promise.all([
    start([join(root, 'bench/fanout-baseline.cjs')], { REDIS_URL }),
    start([join(root, 'bench/fanout-baseline.cjs')], { REDIS_URL }),
  ]);
  const node = (i) => (i % 2 === 0 ? a : b);
  const bnode = (i) => (i % 2 === 0 ? ba : bb);
  log(`ours ${a} ${b}; baseline ${ba} ${bb}`);

  // Ours: a host and 11 invited members (alternating nodes), all in the studio room.
  const users = await inBatches(
    MEMBERS,
    4,
    async (i) =>
      (await api(node(i), 'POST', '/api/auth/register', { username: `fan${Date.now().toString(36)}${i}`, password: 'correct-horse-1' }))
        .body,
  );
  const host = users[0];
  const stage = host.user.username;
  const members = await Promise.all(users.map((u, i) => connect(node(i), { token: u.accessToken })));
  sockets.push(...members);
  members.forEach((m, i) => m.on('disconnect', (why) => why !== 'io client disconnect' && log(`member ${i} disconnected: ${why}`)));
  okData(await ack(members[0], 'studio:join', { stage }));
  let n = 0;
  const cid = () => `bench_${Date.now().toString(36)}_${n++}`;
  for (let i = 1; i < MEMBERS; i++) {
    const inv = okData(
      await ack(members[0], 'studio:invite', { stage, commandId: cid(), username: users[i].user.username, role: 'guest' }),
    );
    okData(await ack(members[i], 'studio:invite-respond', { stage, commandId: cid(), inviteId: inv.inviteId, accept: true }));
    okData(await ack(members[i], 'studio:join', { stage }));
  }
  const me = (await api(a, 'GET', '/api/me', undefined, host.accessToken)).body;
  const channel = me.channel;

  // Watchers: anonymous sockets in the channel's watch room (ours) / a plain room (baseline).
  log(`connecting ${WATCHERS} watchers on each side`);
  const watchers = await inBatches(WATCHERS, 100, async (i) => {
    const s = await connect(node(i), {});
    okData(await ack(s, 'watch:join', { channel: channel.name }));
    return s;
  });
  const bWatchers = await inBatches(WATCHERS, 100, (i) => connect(bnode(i), { room: 'watch' }));
  const bMembers = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => connect(bnode(i), { room: 'studio' })));
  const driver = await connect(ba, {});
  sockets.push(...watchers, ...bWatchers, ...bMembers, driver);

  const studioOurs = [],
    studioBase = [],
    liveOurs = [],
    liveBase = [];
  // The baseline broadcasts the very document our members receive (same bytes on the wire).
  const doc = okData(await ack(members[0], 'studio:snapshot', { stage })).document;
  const arn = channel.arn;
  const [, , , region, account] = arn.split(':');
  const streamEvent = (name, streamId) => ({
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'IVS Stream State Change',
    source: 'aws.ivs',
    account,
    region,
    time: new Date().toISOString(),
    resources: [arn],
    detail: { event_name: name, channel_name: channel.name, stream_id: streamId },
  });
  const post = (e) => api(a, 'POST', '/api/ivs/events', e, undefined, { 'x-api-key': API_KEY });

  for (let r = 0; r < STUDIO_ROUNDS; r++) {
    // A host sends at most 20 commands/s per socket (the server's rate limit): pace the rounds.
    await new Promise((ok) => setTimeout(ok, 60));
    const text = `round ${r}`;
    const t = { t0: 0 };
    const got = arrivals(members, 'studio:changed', (p) => p.document.layout.banner.text === text, t);
    t.t0 = performance.now();
    members[0].emit(
      'studio:layout',
      { stage, commandId: cid(), patch: { banner: { text, visible: true } } },
      (res) => res.ok || log(`layout refused: ${JSON.stringify(res.error)}`),
    );
    studioOurs.push(...(await got));
    const bt = { t0: 0 };
    const bgot = arrivals(bMembers, 'studio:changed', (p) => p.document.layout.banner.text === text, bt);
    bt.t0 = performance.now();
    driver.emit('emit', 'studio', 'studio:changed', {
      stageId: doc.stageId,
      version: r,
      change: { type: 'layout', by: 'x', at: new Date().toISOString() },
      document: { ...doc, layout: { ...doc.layout, banner: { text, visible: true } } },
    });
    studioBase.push(...(await bgot));
  }
  for (let r = 0; r < LIVE_ROUNDS; r++) {
    const streamId = `st-${Date.now().toString(36)}-${r}`;
    const t = { t0: 0 };
    const got = arrivals(watchers, 'watch:live', (p) => p.isLive === true, t);
    t.t0 = performance.now();
    const res = await post(streamEvent('Stream Start', streamId));
    if (res.status >= 300) throw new Error(`event post ${res.status} ${JSON.stringify(res.body)}`);
    liveOurs.push(...(await got));
    const off = arrivals(watchers, 'watch:live', (p) => p.isLive === false, { t0: 0 });
    await post(streamEvent('Stream End', streamId));
    await off;
    const bt = { t0: 0 };
    const bgot = arrivals(bWatchers, 'watch:live', (p) => p.isLive === true, bt);
    bt.t0 = performance.now();
    driver.emit('emit', 'watch', 'watch:live', { channel: channel.name, isLive: true, since: new Date().toISOString() });
    liveBase.push(...(await bgot));
  }
  const out = {
    bench: 'fanout',
    machine: `${cpus().length} cpu ${cpus()[0]?.model ?? ''}`.trim(),
    members: MEMBERS,
    watchers: WATCHERS,
    studio_rounds: STUDIO_ROUNDS,
    live_rounds: LIVE_ROUNDS,
    studio_p50_ms: pct(studioOurs, 50),
    studio_p99_ms: pct(studioOurs, 99),
    studio_baseline_p50_ms: pct(studioBase, 50),
    studio_baseline_p99_ms: pct(studioBase, 99),
    live_p50_ms: pct(liveOurs, 50),
    live_p99_ms: pct(liveOurs, 99),
    live_baseline_p50_ms: pct(liveBase, 50),
    live_baseline_p99_ms: pct(liveBase, 99),
    studio_ratio: +(pct(studioOurs, 99) / pct(studioBase, 99)).toFixed(2),
    live_ratio: +(pct(liveOurs, 99) / pct(liveBase, 99)).toFixed(2),
  };
  out.ratio = Math.max(out.studio_ratio, out.live_ratio);
  for (const s of sockets) s.close();
  console.log(JSON.stringify(out));
} finally {
  for (const c of children) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 300));
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

#!/usr/bin/env node
// `npm run bench:fanout` (docs/benchmarks.md): a studio layout change from the host → all 12
// studio members, and a go-live (IVS Stream Start event) → every watch socket, across two
// StreamCat processes on one Redis; vs. a bare Socket.IO pair on the same Redis adapter
// broadcasting the same payloads to the same number of sockets. Rounds alternate ours /
// baseline; loopback only; the last line printed is one JSON object.
import { cpus } from 'node:os';
import {
  ack,
  api,
  benchDatabase,
  BASELINE_PROCESS,
  connect,
  inBatches,
  log,
  okData,
  pct,
  REDIS_URL,
  SERVER_PROCESS,
  start as startChild,
  streamEvent as ivsStreamEvent,
  serverEnv,
} from './realtime-bench.mjs';

const MEMBERS = 12;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 2000);
const STUDIO_ROUNDS = Number(process.env.BENCH_STUDIO_ROUNDS ?? 100);
const LIVE_ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 10);
const API_KEY = 'bench-fanout-events-key';
const children = [];
const start = (args, env) => startChild(children, args, env);

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

const db = await benchDatabase();
const sockets = [];
try {
  const env = serverEnv(db, API_KEY, REDIS_URL);
  const proc = SERVER_PROCESS;
  const a = await start([proc], env); // first: runs the migrations
  const b = await start([proc], env);
  const [ba, bb] = await Promise.all([start([BASELINE_PROCESS], { REDIS_URL }), start([BASELINE_PROCESS], { REDIS_URL })]);
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
  const streamEvent = (name, streamId) => ivsStreamEvent(channel, name, streamId);
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
  await db.drop();
}

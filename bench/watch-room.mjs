#!/usr/bin/env node
// `npm run bench:watch-room` (docs/benchmarks.md): 10,000 viewer sockets in one channel's watch
// room — resident memory per viewer, go-live push latency (IVS Stream Start event posted → each
// viewer's `watch:live`) and chat fan-out latency at 10 messages/s (`chat:send` → each viewer's
// `chat:message`) — on one StreamCat node, then on two behind Redis; each against a bare
// Socket.IO baseline (bench/fanout-baseline.cjs) holding as many sockets in one room and
// broadcasting the same payloads, in the same run. The viewers live in several client
// processes (bench/watch-room-viewers.mjs). Loopback only; the last line printed is one JSON object.
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  ack,
  api,
  BASELINE_PROCESS,
  benchDatabase,
  clock,
  connect,
  inBatches,
  log,
  okData,
  REDIS_URL,
  root,
  rssOf,
  SERVER_PROCESS,
  sleep,
  startNode,
  streamEvent,
  serverEnv,
} from './realtime-bench.mjs';

const VIEWERS = Number(process.env.BENCH_VIEWERS ?? 10_000);
const CLIENT_PROCS = Number(process.env.BENCH_CLIENT_PROCS ?? 4);
const LIVE_ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 3);
const CHAT_PER_SEC = 10;
const CHAT_SECONDS = Number(process.env.BENCH_CHAT_SECONDS ?? 10);
// Which node counts to measure (`1,2` by default; `2` alone when one-node figures are in hand).
const NODE_COUNTS = (process.env.BENCH_NODES ?? '1,2').split(',').map(Number);
/** Extra node flags for our servers only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where their time goes. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** A sender may post 5 messages per 10 s (chat.rules.ts): 25 senders take turns at 10/s. */
const CHATTERS = 25;
const SETTLE_MS = 4000;
const API_KEY = 'bench-watch-room-events-key';
const children = [];

// Viewer processes, each holding VIEWERS / CLIENT_PROCS sockets.
const workers = Array.from({ length: CLIENT_PROCS }, () => {
  const w = fork(join(root, 'bench/watch-room-viewers.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(w);
  return w;
});
const ask = (w, msg, reply) =>
  new Promise((ok, fail) => {
    const on = (m) => {
      if (m.type === 'error') fail(new Error(`viewer process: ${m.message}`));
      else if (m.type === reply) ok(m);
      else return;
      w.off('message', on);
    };
    w.on('message', on);
    w.send(msg);
  });
const all = (msg, reply) => Promise.all(workers.map((w) => ask(w, msg, reply)));
const share = (i) => Math.floor(VIEWERS / CLIENT_PROCS) + (i < VIEWERS % CLIENT_PROCS ? 1 : 0);

/** Percentile over merged 0.5 ms buckets ([bucket, count] lists). */
function bucketPct(lists, p) {
  const merged = new Map();
  for (const list of lists) for (const [b, c] of list) merged.set(b, (merged.get(b) ?? 0) + c);
  const sorted = [...merged].sort((x, y) => x[0] - y[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  let seen = 0;
  for (const [b, c] of sorted) if ((seen += c) >= Math.ceil((p / 100) * total)) return b / 2;
  return NaN;
}
const sortedPct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(1);
};

const db = await benchDatabase();
const ourEnv = (redis) => serverEnv(db, API_KEY, redis ? REDIS_URL : undefined);
const startNodes = async (kind, n) => {
  const nodes = [];
  // One at a time: the first StreamCat node runs the migrations.
  for (let i = 0; i < n; i++)
    nodes.push(
      kind === 'ours'
        ? await startNode(children, [...serverNodeArgs, SERVER_PROCESS], ourEnv(n > 1))
        : await startNode(children, [BASELINE_PROCESS], n > 1 ? { REDIS_URL } : { REDIS_URL: undefined }),
    );
  return nodes;
};
const stopNodes = async (nodes) => {
  for (const { child } of nodes) {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
  }
};

/** One measurement: `kind` ours/baseline on `n` nodes. */
async function run(kind, n, setup) {
  const nodes = await startNodes(kind, n);
  const urls = nodes.map((x) => x.url);
  const rss = () => nodes.reduce((sum, x) => sum + rssOf(x.child.pid), 0);
  // The baseline's broadcasts are asked for by a driver socket on each node.
  const drivers = kind === 'baseline' ? new Map(await Promise.all(urls.map(async (u) => [u, await connect(u, {})]))) : new Map();
  const driver = (url) => drivers.get(url);
  try {
    // Warm the paths a viewer takes (handshake, watch:join) before the empty reading.
    const warm = await inBatches(20, 20, async (i) => {
      const s = await connect(urls[i % n], kind === 'ours' ? {} : { room: 'warm' });
      if (kind === 'ours') okData(await ack(s, 'watch:join', { channel: setup.channel.name }));
      return s;
    });
    warm.forEach((s) => s.close());
    await sleep(SETTLE_MS);
    const before = rss();
    const t0 = Date.now();
    let offset = 0;
    await Promise.all(
      workers.map((w, i) => {
        const msg = { type: 'connect', urls, count: share(i), offset, channel: kind === 'ours' ? setup.channel.name : null };
        offset += share(i);
        return ask(w, msg, 'connected');
      }),
    );
    const connectMs = Date.now() - t0;
    await sleep(SETTLE_MS);
    const after = rss();
    log(
      `${kind} × ${n}: ${VIEWERS} viewers in ${connectMs} ms; RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MiB`,
    );

    // Go-live: each round, every viewer's arrival time minus the moment the event was posted.
    const live = [];
    for (let r = 0; r < LIVE_ROUNDS; r++) {
      await all({ type: 'live-reset' }, 'live-reset');
      const streamId = `st-${Date.now().toString(36)}-${r}`;
      const sent = clock();
      if (kind === 'ours') {
        const res = await api(urls[0], 'POST', '/api/ivs/events', streamEvent(setup.channel, 'Stream Start', streamId), undefined, {
          'x-api-key': API_KEY,
        });
        if (res.status >= 300) throw new Error(`event post ${res.status} ${JSON.stringify(res.body)}`);
      } else {
        driver(urls[0]).emit('emit', 'watch', 'watch:live', { channel: setup.channel.name, isLive: true, since: new Date().toISOString() });
      }
      const reports = await all({ type: 'live-report', timeoutMs: 60_000 }, 'live-report');
      const times = reports.flatMap((x) => x.times);
      if (times.length < VIEWERS) log(`${kind} × ${n} go-live round ${r}: only ${times.length}/${VIEWERS} arrived`);
      live.push(...times.map((t) => t - sent));
      if (kind === 'ours')
        await api(urls[0], 'POST', '/api/ivs/events', streamEvent(setup.channel, 'Stream End', streamId), undefined, {
          'x-api-key': API_KEY,
        });
      await sleep(1000);
    }

    // Chat at 10 messages/s for CHAT_SECONDS; each message carries its send time.
    await all({ type: 'chat-reset' }, 'chat-reset');
    const chatters = kind === 'ours' ? await Promise.all(setup.chatters.map((c, i) => connect(urls[i % n], { token: c.accessToken }))) : [];
    let refused = 0;
    const total = CHAT_PER_SEC * CHAT_SECONDS;
    const startAt = clock() + 200;
    for (let i = 0; i < total; i++) {
      const wait = startAt + (i * 1000) / CHAT_PER_SEC - clock();
      if (wait > 0) await sleep(wait);
      const text = `wr ${i} ${clock().toFixed(3)}`;
      if (kind === 'ours')
        chatters[i % CHATTERS].emit('chat:send', { channel: setup.channel.name, text }, (a) => {
          if (a.ok) return;
          if (++refused <= 3) log(`chat refused: ${JSON.stringify(a.error)}`);
        });
      else
        driver(urls[i % n]).emit('emit', 'watch', 'chat:message', {
          ...setup.chatSample,
          id: crypto.randomUUID(),
          text,
          sentAt: new Date().toISOString(),
        });
    }
    const chat = await all({ type: 'chat-report', expected: total, timeoutMs: 120_000 }, 'chat-report');
    chatters.forEach((s) => s.close());
    const delivered = chat.reduce((x, c) => x + c.count, 0);
    await all({ type: 'close' }, 'closed');
    const out = {
      connect_ms: connectMs,
      kib_per_viewer: +((after - before) / VIEWERS / 1024).toFixed(2),
      live_p50_ms: sortedPct(live, 50),
      live_p99_ms: sortedPct(live, 99),
      chat_p50_ms: bucketPct(
        chat.map((c) => c.buckets),
        50,
      ),
      chat_p99_ms: bucketPct(
        chat.map((c) => c.buckets),
        99,
      ),
      chat_delivered: +(delivered / (total * VIEWERS)).toFixed(4),
      ...(kind === 'ours' ? { chat_refused: refused } : {}),
    };
    log(`${kind} × ${n}: ${JSON.stringify(out)}`);
    return out;
  } finally {
    for (const d of drivers.values()) d.close();
    await stopNodes(nodes);
  }
}

let result;
try {
  // Accounts and the channel, made once on a first StreamCat node (the database outlives it).
  const [first] = await startNodes('ours', 1);
  const register = async (name) =>
    okRes(await api(first.url, 'POST', '/api/auth/register', { username: name, password: 'correct-horse-bench-1' }));
  const okRes = (r) => {
    if (r.status >= 300) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const tag = Date.now().toString(36);
  const owner = await register(`wr${tag}`);
  const chatters = await inBatches(CHATTERS, 5, (i) => register(`wr${tag}c${i}`));
  const channel = okRes(await api(first.url, 'GET', '/api/me', undefined, owner.accessToken)).channel;
  await stopNodes([first]);
  const setup = {
    channel,
    chatters,
    // A chat push of the shape and size ours sends, for the baseline to broadcast.
    chatSample: {
      id: '',
      channel: channel.name,
      streamId: null,
      user: { id: chatters[0].user.id, username: chatters[0].user.username },
      text: '',
      sentAt: '',
    },
  };
  const results = {};
  for (const n of NODE_COUNTS) {
    // The baseline first, then ours, with the same viewer processes.
    results[`baseline_${n}`] = await run('baseline', n, setup);
    results[`ours_${n}`] = await run('ours', n, setup);
  }
  result = {
    bench: 'watch-room',
    machine: `${cpus().length} cpu ${cpus()[0]?.model ?? ''}`.trim(),
    viewers: VIEWERS,
    client_processes: CLIENT_PROCS,
    live_rounds: LIVE_ROUNDS,
    chat_messages: CHAT_PER_SEC * CHAT_SECONDS,
    ...Object.fromEntries(Object.entries(results).flatMap(([k, v]) => Object.entries(v).map(([f, x]) => [`${k}_${f}`, x]))),
  };
} finally {
  for (const c of children) c.kill('SIGKILL');
  await sleep(300);
  await db.drop();
}
console.log(JSON.stringify(result));
process.exit(0);

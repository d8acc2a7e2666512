#!/usr/bin/env node
// `npm run bench:events` (docs/benchmarks.md): IVS events POSTed to a running StreamCat server
// (which groups concurrent deliveries into one transaction) vs. the naive writer: a bare `pg`
// pool in this process running the very same SQL (server/src/ivs-events/ivs-events.applier.ts)
// with one durable transaction per event. Rounds alternate ours / baseline on one database;
// loopback only; the last line printed is one JSON object.
import testLimits from '../test/support/test-limits.json' with { type: 'json' };
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Extra node flags for our server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const require = createRequire(import.meta.url);
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHANNELS = 20;
const EVENTS_PER_ROUND = Number(process.env.BENCH_EVENTS ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const API_KEY = 'bench-events-key';
const DEADLINE = Date.now() + 4 * 60_000;
const log = (s) => process.stderr.write(`${s}\n`);

if (spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) {
  log('build failed');
  process.exit(1);
}
const { Client, Pool } = require('pg');
const { parseIvsEvent } = require(join(root, 'dist/libs/ivs-events/src'));
const { applyIvsEvent } = require(join(root, 'dist/server/src/ivs-events/ivs-events.applier.js'));

const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

const dbName = `streamcat_bench_${Date.now().toString(36)}`;
const admin = new Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [...serverNodeArgs, join(root, 'dist/server/src/main.js')], {
  cwd: root,
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: dbUrl,
    MEDIA_PROVIDER: 'local',
    IVS_EVENTS_API_KEY: API_KEY,
    RATE_LIMITS: testLimits.RATE_LIMITS,
    SERVE_CLIENT: 'false',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'error',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

async function cleanup() {
  server.kill('SIGTERM');
  await new Promise((ok) => (server.exitCode !== null ? ok() : server.once('exit', ok)));
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

try {
  for (let i = 0; ; i++) {
    if (i > 300) throw new Error('server did not start');
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const targets = [];
  for (let i = 0; i < CHANNELS; i++) {
    const res = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench${i}`, password: 'correct-horse-1' }),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    // The studio's IVS stage is made on first need (the owner's token), so stage events name a stage we know.
    const { accessToken } = await res.json();
    const token = await fetch(`${base}/api/stages/bench${i}/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (token.status !== 200) throw new Error(`stage token: ${token.status} ${await token.text()}`);
  }
  const pg = new Client({ connectionString: dbUrl });
  await pg.connect();
  for (const r of (
    await pg.query(
      `SELECT c.arn, c.name, i.arn AS stage_arn FROM channels c JOIN stages s ON s.user_id = c.user_id JOIN ivs_stages i ON i.stage_id = s.id`,
    )
  ).rows)
    targets.push(r);
  await pg.end();

  // Deterministic workload: broadcasts of 6 events (stream start/end, recording start/end, a
  // participant published/unpublished), then 10 % duplicates and 10 % adjacent swaps.
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  function workload(round) {
    const events = [];
    let n = 0;
    const t0 = Date.UTC(2026, 0, 1) + round * 86_400_000;
    while (events.length < EVENTS_PER_ROUND * 0.9) {
      const ch = targets[n % targets.length];
      const streamId = `st-b${round}x${n}`;
      const at = (s) => new Date(t0 + n * 60_000 + s * 1000).toISOString().replace('.000Z', 'Z');
      const env = (id, type, time, resource, detail) => ({
        version: '0',
        id: `b${round}-${n}-${id}`,
        'detail-type': type,
        source: 'aws.ivs',
        account: '123456789012',
        time,
        region: 'us-east-1',
        resources: [resource],
        detail,
      });
      const s = { channel_name: ch.name, stream_id: streamId };
      const rec = {
        ...s,
        recording_status_reason: '',
        recording_s3_bucket_name: 'vod',
        recording_s3_key_prefix: `ivs/v1/${streamId}`,
        recording_session_id: `rs${n}`,
      };
      const stage = { session_id: `ses${n}`, user_id: '1', participant_id: `p${n % 7}` };
      events.push(
        env('ss', 'IVS Stream State Change', at(0), ch.arn, { event_name: 'Stream Start', ...s }),
        env('rs', 'IVS Recording State Change', at(1), ch.arn, { recording_status: 'Recording Start', ...rec }),
        env('pp', 'IVS Stage Update', at(2), ch.stage_arn, { event_name: 'Participant Published', ...stage }),
        env('pu', 'IVS Stage Update', at(40), ch.stage_arn, { event_name: 'Participant Unpublished', ...stage }),
        env('se', 'IVS Stream State Change', at(50), ch.arn, { event_name: 'Stream End', ...s }),
        env('re', 'IVS Recording State Change', at(51), ch.arn, {
          recording_status: 'Recording End',
          recording_duration_ms: 50000,
          ...rec,
        }),
      );
      n++;
    }
    for (let i = 0; i + 1 < events.length; i++) if (random() < 0.1) [events[i], events[i + 1]] = [events[i + 1], events[i]];
    const dups = Math.round(events.length / 9);
    for (let i = 0; i < dups; i++) {
      const at = Math.floor(random() * events.length);
      events.splice(Math.min(events.length, at + 1 + Math.floor(random() * 20)), 0, events[at]);
    }
    return events;
  }

  async function drive(events, send) {
    const lat = new Array(events.length);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < events.length) {
          const i = next++;
          const t = performance.now();
          await send(events[i]);
          lat[i] = performance.now() - t;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    lat.sort((a, b) => a - b);
    const q = (p) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 100) / 100;
    return { events: events.length, eps: Math.round(events.length / seconds), p50: q(0.5), p99: q(0.99) };
  }

  // node:http with a keep-alive agent: the load generator should cost as little CPU as it can (fetch costs more).
  // A fresh agent per round: the server closes sockets idle for 5 s (during the baseline round).
  let agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const runOurs = (events) => {
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    return drive(events, ours);
  };
  const ours = (e) =>
    new Promise((ok, fail) => {
      const body = JSON.stringify(e);
      const req = http.request(
        `${base}/api/ivs/events`,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-api-key': API_KEY },
        },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? ok() : fail(new Error(`POST: ${res.statusCode}`))));
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  const pool = new Pool({ connectionString: dbUrl, max: 20 });
  const ctx = { playlistUrl: (p) => `http://127.0.0.1/_ivs/recordings/${p}/media/hls/master.m3u8` };
  const raw = async (e) => {
    const parsed = parseIvsEvent(e);
    if (!parsed.ok) throw new Error('bad event');
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      await applyIvsEvent(c, parsed.event, ctx);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  };

  // Warm-up (JIT, connection pools, plans) on both paths, not measured.
  await runOurs(workload(900).slice(0, 600));
  await drive(workload(901).slice(0, 600), raw);
  const results = { ours: [], raw: [] };
  // Events per transaction on our side, from the ledger: rows one transaction wrote share its xmin.
  const ledger = new Client({ connectionString: dbUrl });
  await ledger.connect();
  const eventsPerCommit = async (round) => {
    const { rows } = await ledger.query(
      `SELECT count(*)::int AS n, count(DISTINCT xmin::text)::int AS tx FROM ivs_events WHERE id LIKE $1`,
      [`b${round}-%`],
    );
    return Math.round((rows[0].n / rows[0].tx) * 10) / 10;
  };
  for (let r = 0; r < ROUNDS && Date.now() < DEADLINE; r++) {
    const a = await runOurs(workload(2 * r));
    a.eventsPerCommit = await eventsPerCommit(2 * r);
    const b = await drive(workload(2 * r + 1), raw);
    results.ours.push(a);
    results.raw.push(b);
    log(
      `round ${r + 1}: ours ${a.eps} ev/s p50 ${a.p50} ms p99 ${a.p99} ms (${a.eventsPerCommit} events/commit) | raw pg ${b.eps} ev/s p50 ${b.p50} ms p99 ${b.p99} ms`,
    );
  }
  await pool.end();
  await ledger.end();
  agent.destroy();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = (rs) => ({ eps: median(rs.map((x) => x.eps)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)) });
  const o = { ...summary(results.ours), eventsPerCommit: median(results.ours.map((x) => x.eventsPerCommit)) };
  const b = summary(results.raw);
  const ratio = Math.round((o.eps / b.eps) * 100) / 100;
  const out = {
    bench: 'events',
    machine: `${cpus().length} cores, ${cpus()[0]?.model ?? 'cpu'}`,
    rounds: results.ours.length,
    eventsPerRound: results.ours[0]?.events,
    concurrency: CONCURRENCY,
    channels: CHANNELS,
    ours: o,
    raw: b,
    bar: { eps: 2000, p99: 25, ratio: 1.0 },
    pass: o.eps >= 2000 && o.p99 <= 25 && ratio >= 1.0,
    ratio,
  };
  await cleanup();
  console.log(JSON.stringify(out));
} catch (e) {
  log(e instanceof Error ? e.stack : String(e));
  await cleanup();
  process.exit(1);
}

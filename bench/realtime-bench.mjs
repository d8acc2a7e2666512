// Shared by the realtime benches (`bench:fanout`, `bench:watch-room`): StreamCat and baseline
// processes, a throw-away database, sockets, REST calls, IVS events and percentiles.
import testLimits from '../test/support/test-limits.json' with { type: 'json' };
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Client } = require('pg');
export const { io } = require('socket.io-client');

export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** A StreamCat node as the integration tests run it (sources transpiled on load); prints LISTENING <url>. */
export const SERVER_PROCESS = join(root, 'server/test/support/server-process.cjs');
/** The bare Socket.IO node (same Redis adapter when REDIS_URL is set, nothing else). */
export const BASELINE_PROCESS = join(root, 'bench/fanout-baseline.cjs');
export const log = (s) => process.stderr.write(`${s}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts `node <args>` and resolves with the URL it prints as `LISTENING <url>`; kept in `children`. */
export function start(children, args, env) {
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

/** Resolves with a child's pid-bound URL holder: { url, child }. */
export async function startNode(children, args, env) {
  const url = await start(children, args, env);
  return { url, child: children[children.length - 1] };
}

export const connect = (url, auth, timeoutMs = 20_000) =>
  new Promise((ok, fail) => {
    const s = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true, timeout: timeoutMs });
    s.once('connect', () => ok(s));
    s.once('connect_error', fail);
  });
export const ack = (s, ev, p, timeoutMs = 20_000) => s.timeout(timeoutMs).emitWithAck(ev, p);
export const okData = (a) => {
  if (!a.ok) throw new Error(JSON.stringify(a.error));
  return a.data;
};

export async function api(base, method, path, body, token, headers = {}) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => fn(i + j)))));
  return out;
}

export const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))].toFixed(2);
};

/** An IVS Stream State Change event as EventBridge delivers it, for a channel of `GET /api/me`. */
export function streamEvent(channel, name, streamId) {
  const [, , , region, account] = channel.arn.split(':');
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'IVS Stream State Change',
    source: 'aws.ivs',
    account,
    region,
    time: new Date().toISOString(),
    resources: [channel.arn],
    detail: { event_name: name, channel_name: channel.name, stream_id: streamId },
  };
}

/** A fresh database and data dir for one run; `drop()` removes both. */
export async function benchDatabase() {
  const dbName = `streamcat_bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
  const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-bench-'));
  return {
    url,
    dataDir,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
/** The environment of one StreamCat node for a bench: local media, no client, quiet logs; Redis only when given. */
export const serverEnv = (db, apiKey, redisUrl) => ({
  DATABASE_URL: db.url,
  REDIS_URL: redisUrl,
  DATA_DIR: db.dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  SERVE_CLIENT: 'false',
  LOG_LEVEL: 'error',
  MEDIA_PROVIDER: 'local',
  IVS_EVENTS_API_KEY: apiKey,
});

export const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

/** Milliseconds on a clock every process of the machine shares (sub-millisecond resolution). */
export const clock = () => performance.timeOrigin + performance.now();

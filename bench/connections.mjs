#!/usr/bin/env node
// `npm run bench:connections` (docs/benchmarks.md): resident memory per idle authenticated
// socket of a StreamCat server holding N sockets, vs. a bare Socket.IO server (same engine
// options, no auth) holding N unauthenticated sockets, measured in the same run, alternating.
// Loopback only; progress on stderr; the last line printed is one JSON object.
import testLimits from '../test/support/test-limits.json' with { type: 'json' };
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Extra node flags for our server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where its time goes. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const require = createRequire(import.meta.url);
const { io } = require('socket.io-client');
const { Client } = require('pg');
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECT_CONCURRENCY = 100;
const SETTLE_MS = 4000;
const DEADLINE = Date.now() + 5 * 60_000;
const log = (s) => process.stderr.write(`${s}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The built server when it builds; otherwise the same sources transpiled on load (the runner
// the failover tests use), so a type error elsewhere in the tree does not block the measurement.
const built = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] }).status === 0;
const serverEntry = built ? join(root, 'dist/server/src/main.js') : join(root, 'server/test/support/server-process.cjs');
if (!built) log('build:server failed; running the server from its TypeScript sources instead');

const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

/** Resident set size of a process, in bytes (Linux). */
const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;

// The baseline: a bare Socket.IO server with the engine options StreamCat uses (server/src/realtime/realtime.adapter.ts).
const baselineFile = join(mkdtempSync(join(tmpdir(), 'streamcat-bench-')), 'baseline.cjs');
writeFileSync(
  baselineFile,
  `const http = require(${JSON.stringify(require.resolve('node:http'))});
const { Server } = require(${JSON.stringify(require.resolve('socket.io'))});
const server = http.createServer();
new Server(server, { transports: ['websocket'], maxHttpBufferSize: 64 * 1024, pingInterval: 10000, pingTimeout: 8000, serveClient: false, cors: { origin: false } });
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('LISTENING'));`,
);

const dbName = `streamcat_bench_${Date.now().toString(36)}`;
const admin = new Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${dbName}` }).toString();
const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-bench-'));

async function startOurs() {
  const port = await freePort();
  const child = spawn(process.execPath, [...serverNodeArgs, serverEntry], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: dbUrl,
      MEDIA_PROVIDER: 'local',
      RATE_LIMITS: testLimits.RATE_LIMITS,
      SERVE_CLIENT: 'false',
      LOG_LEVEL: 'error',
      REDIS_URL: undefined,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  // server-process.cjs listens on PORT too (loadConfig reads the environment).
  for (;;) {
    if (Date.now() > DEADLINE) throw new Error('server did not start');
    const ok = await fetch(`${base}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(200);
  }
  return { child, base };
}

async function startBaseline() {
  const port = await freePort();
  const child = spawn(process.execPath, [baselineFile], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((ok) => child.stdout.once('data', ok));
  return { child, base: `http://127.0.0.1:${port}` };
}

async function connectAll(base, auth, count = SOCKETS) {
  const sockets = [];
  for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, () => {
      const s = io(base, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
      sockets.push(s);
      return new Promise((ok, fail) => {
        s.once('connect', ok);
        s.once('connect_error', fail);
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

/** RSS growth of the server process per connected socket. */
async function measure(kind, token) {
  const { child, base } = kind === 'ours' ? await startOurs() : await startBaseline();
  // Warm up code paths (handshake, auth) with a few sockets before the "empty" reading.
  const warm = await connectAll(base, kind === 'ours' ? { token } : {}, 50).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  warm.forEach((s) => s.close());
  await sleep(SETTLE_MS);
  const before = rssOf(child.pid);
  const t0 = Date.now();
  const sockets = await connectAll(base, kind === 'ours' ? { token } : {});
  const connectMs = Date.now() - t0;
  await sleep(SETTLE_MS);
  const after = rssOf(child.pid);
  sockets.forEach((s) => s.close());
  child.kill('SIGTERM');
  await new Promise((ok) => child.once('exit', ok));
  const perSocket = (after - before) / SOCKETS;
  log(
    `${kind}: ${SOCKETS} sockets in ${connectMs} ms, RSS ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB, ${(perSocket / 1024).toFixed(1)} KiB/socket`,
  );
  return { perSocket, before, after, connectMs };
}

let result;
try {
  // One account; every socket authenticates with its login token at the handshake.
  const { child, base } = await startOurs();
  const reg = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: `bench${Date.now().toString(36)}`, password: 'correct-horse-bench-1' }),
  }).then((r) => r.json());
  child.kill('SIGTERM');
  await new Promise((ok) => child.once('exit', ok));
  const token = reg.accessToken;
  if (!token) throw new Error(`register failed: ${JSON.stringify(reg)}`);

  const ours = [];
  const baseline = [];
  for (let r = 0; r < ROUNDS && Date.now() < DEADLINE; r++) {
    baseline.push(await measure('baseline'));
    ours.push(await measure('ours', token));
  }
  const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
  const oursKb = median(ours.map((m) => m.perSocket)) / 1024;
  const baseKb = median(baseline.map((m) => m.perSocket)) / 1024;
  result = {
    bench: 'connections',
    sockets: SOCKETS,
    rounds: ours.length,
    cpus: cpus().length,
    node: process.version,
    server: built ? 'dist' : 'transpiled',
    oursKiBPerSocket: Number(oursKb.toFixed(2)),
    baselineKiBPerSocket: Number(baseKb.toFixed(2)),
    oursConnectMs: median(ours.map((m) => m.connectMs)),
    baselineConnectMs: median(baseline.map((m) => m.connectMs)),
    ratio: Number((oursKb / baseKb).toFixed(3)),
  };
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dirname(baselineFile), { recursive: true, force: true });
}
console.log(JSON.stringify(result));
process.exit(0);

// Shared by bench/join.mjs and bench/glass.mjs: a real StreamCat server in local mode (own
// process, fresh database, fresh DATA_DIR, fixed loopback port so the stage tokens' URLs are
// right), the browser page bundle served from a second loopback port, and headless Chromium
// with fake camera / microphone. Everything is torn down by `close()` (or on exit).
import testLimits from '../test/support/test-limits.json' with { type: 'json' };
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { io } = require('socket.io-client');
const { chromium } = require('playwright-core');

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const log = (s) => process.stderr.write(`${s}\n`);

function freePort() {
  return new Promise((ok, fail) => {
    const s = createTcpServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return null;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export async function api(base, method, path, body, token) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export const connectSocket = (url, token) =>
  new Promise((ok, fail) => {
    const s = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    s.once('connect', () => ok(s));
    s.once('connect_error', fail);
  });

let seq = 0;
export const commandId = () => `bench-${Date.now().toString(36)}-${++seq}`;
/** Emits a command and returns its `data` (throws on `{ok:false}`). */
export async function command(socket, event, payload) {
  const a = await socket.timeout(20_000).emitWithAck(event, payload);
  if (!a.ok) throw new Error(`${event}: ${JSON.stringify(a.error)}`);
  return a.data;
}

export async function registerUser(base, prefix) {
  const username = `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`.slice(0, 30);
  return api(base, 'POST', '/api/auth/register', { username, password: 'correct-horse-1' });
}

/** Starts everything; `close()` stops everything. */
export async function startMediaBench() {
  const cleanups = [];
  const close = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    cleanups.length = 0;
  };
  process.once('SIGINT', () => void close().then(() => process.exit(130)));
  try {
    // Database
    const dbName = `bench_media_${Date.now().toString(36)}`;
    const admin = new Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    cleanups.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    });
    const dbUrl = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);

    // Page bundle
    const dir = mkdtempSync(join(tmpdir(), 'streamcat-media-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { build } = await import('rolldown');
    await build({
      input: join(root, 'bench/media-bench-page.mjs'),
      platform: 'browser',
      logLevel: 'warn',
      output: { file: join(dir, 'page/bench.js'), format: 'iife' },
    });
    writeFileSync(join(dir, 'page/index.html'), '<!doctype html><meta charset="utf-8"><body><script src="bench.js"></script></body>');
    const files = new Map([
      ['/index.html', ['text/html', readFileSync(join(dir, 'page/index.html'))]],
      ['/bench.js', ['text/javascript', readFileSync(join(dir, 'page/bench.js'))]],
    ]);
    const pageServer = createServer((req, res) => {
      const f = files.get((req.url ?? '').split('?')[0]);
      if (!f) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': f[0] }).end(f[1]);
    });
    await new Promise((ok) => pageServer.listen(0, '127.0.0.1', ok));
    cleanups.push(() => new Promise((ok) => pageServer.close(ok)));
    const pageUrl = `http://localhost:${pageServer.address().port}/index.html`;

    // Server (local mode)
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...process.env };
    delete env.REDIS_URL; // one process, in-memory adapter
    const server = spawn(process.execPath, [join(root, 'server/test/support/server-process.cjs')], {
      cwd: root,
      env: {
        ...env,
        DATABASE_URL: dbUrl,
        DATA_DIR: join(dir, 'data'),
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://localhost:${port}`,
        RTMP_PORT: '0',
        SERVE_CLIENT: 'false',
        LOG_LEVEL: 'error',
        MEDIA_PROVIDER: 'local',
        RATE_LIMITS: testLimits.RATE_LIMITS,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(
      () =>
        new Promise((ok) => {
          if (server.exitCode !== null) return ok();
          server.once('exit', ok);
          server.kill('SIGTERM');
          setTimeout(() => server.kill('SIGKILL'), 5_000).unref();
        }),
    );
    let serverErr = '';
    server.stderr.on('data', (d) => (serverErr = (serverErr + d).slice(-4000)));
    await new Promise((ok, fail) => {
      server.stdout.on('data', (d) => /LISTENING/.test(String(d)) && ok());
      server.once('exit', (code) => fail(new Error(`server exited ${code}: ${serverErr}`)));
    });

    // Browser
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    cleanups.push(() => browser.close());
    const openPage = async () => {
      const page = await browser.newPage();
      page.on('pageerror', (e) => log(`page error: ${e.message}`));
      await page.goto(pageUrl);
      await page.waitForFunction('"bench" in window');
      return page;
    };
    return { base, wsBase: `ws://localhost:${port}`, openPage, close, serverErrors: () => serverErr };
  } catch (err) {
    await close();
    throw err;
  }
}

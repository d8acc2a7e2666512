#!/usr/bin/env node
// `npm test`: every test, on a fresh machine too. Installs what is missing (Debian's
// chromium and ffmpeg, npm packages), starts PostgreSQL and Redis if they are down,
// then runs unit, integration and browser tests and prints one summary line.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ensureDependencies, root, run } from './project.mjs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const ok = (cmd) => spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
const isRoot = process.getuid?.() === 0;

function ensureSystemPackages() {
  const missing = [];
  if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!has('ffmpeg')) missing.push('ffmpeg');
  if (!has('pg_isready') && !has('psql')) missing.push('postgresql');
  if (!has('redis-server')) missing.push('redis-server');
  if (!missing.length) return;
  if (!isRoot) {
    console.error(`✖ Missing system packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(1);
  }
  console.log(`▶ Installing ${missing.join(' ')} from Debian…`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function ensureServices() {
  if (!process.env.TEST_DATABASE_URL && !ok('pg_isready -q -h 127.0.0.1 -p 5432')) {
    console.log('▶ Starting PostgreSQL…');
    ok('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start');
    for (let i = 0; i < 30 && !ok('pg_isready -q -h 127.0.0.1 -p 5432'); i++) spawnSync('sleep', ['1']);
    if (!ok('pg_isready -q -h 127.0.0.1 -p 5432')) {
      console.error('✖ PostgreSQL is not reachable on 127.0.0.1:5432 (set TEST_DATABASE_URL to use another server).');
      process.exit(1);
    }
  }
  if (!process.env.TEST_REDIS_URL && !ok('redis-cli -h 127.0.0.1 -p 6379 ping')) {
    console.log('▶ Starting Redis…');
    ok('mkdir -p /var/lib/redis /var/log/redis');
    ok(
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
    );
    for (let i = 0; i < 20 && !ok('redis-cli -h 127.0.0.1 -p 6379 ping'); i++) spawnSync('sleep', ['0.5']);
    if (!ok('redis-cli -h 127.0.0.1 -p 6379 ping')) {
      console.error('✖ Redis is not reachable on 127.0.0.1:6379 (set TEST_REDIS_URL to use another server).');
      process.exit(1);
    }
  }
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedStage = false;

function jest(project, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'streamcat-jest-'));
  const out = join(dir, 'results.json');
  const r = spawnSync('npx', ['jest', '--selectProjects', project, '--json', `--outputFile=${out}`, ...extra], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' },
  });
  if (existsSync(out)) {
    const res = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += res.numPassedTests;
    totals.failed += res.numFailedTests + res.numRuntimeErrorTestSuites;
    totals.skipped += res.numPendingTests + res.numTodoTests;
    if (res.numTotalTests === 0) {
      console.error(`✖ jest project ${project} ran no test`);
      failedStage = true;
    }
  }
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) failedStage = true;
}

function browser() {
  const r = spawnSync(process.execPath, [join(root, 'scripts/e2e.mjs'), '--summary-json'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const lines = (r.stdout ?? '').trimEnd().split('\n');
  const last = lines.pop() ?? '';
  process.stdout.write(lines.join('\n') + '\n');
  try {
    const s = JSON.parse(last);
    totals.passed += s.passed;
    totals.failed += s.failed;
    totals.skipped += s.skipped ?? 0;
  } catch {
    console.error(`✖ e2e runner gave no summary: ${last}`);
    totals.failed += 1;
  }
  if (r.status !== 0) failedStage = true;
}

ensureSystemPackages();
ensureServices();
ensureDependencies();
ensureBuilt();

const only = process.argv[2];
if (!only || only === 'unit') jest('unit');
if (!only || only === 'integration') jest('integration', ['--maxWorkers=2']);
if (!only || only === 'e2e') browser();

console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(failedStage || totals.failed > 0 ? 1 : 0);

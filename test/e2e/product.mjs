// Starts the built server as `npm start` would (embedded PostgreSQL, no Redis, local media)
// on free ports, and stops it with SIGTERM like Ctrl-C. `startEmulator` starts the IVS emulator
// as its own service (`npm run emulator`) for scripts that run server replicas against it.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import testLimits from '../support/test-limits.json' with { type: 'json' };

const root = join(fileURLToPath(import.meta.url), '../../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a built entry point and waits until `healthUrl` answers 200 (at most 120 s). */
async function startProcess(entry, env, healthUrl, what) {
  const child = spawn(process.execPath, [join(root, entry)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited during start (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(healthUrl);
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} not healthy after 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    pid: child.pid,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** The environment of a child: this one's, the test settings, `env` over them, and only the given ones of `unlessGiven`. */
function childEnv(base, env, unlessGiven) {
  const out = { ...process.env, RATE_LIMITS: testLimits.RATE_LIMITS, ...base, ...env };
  for (const k of unlessGiven) if (!(k in env)) delete out[k];
  return out;
}

export async function startProduct({ dataDir, port, pgPort, env = {} }) {
  port ??= await freePort();
  pgPort ??= await freePort();
  const baseUrl = `http://localhost:${port}`;
  const proc = await startProcess(
    'dist/server/src/main.js',
    childEnv({ PORT: String(port), DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(pgPort) }, env, [
      'DATABASE_URL',
      'REDIS_URL',
      'MEDIA_PROVIDER',
      'PUBLIC_URL',
      'IVS_EMULATOR_URL',
      'IVS_EMULATOR_PUBLIC_URL',
      'MULTISTREAM_KEY',
    ]),
    `${baseUrl}/api/health`,
    'server',
  );
  return { baseUrl, port, pgPort, dataDir, ...proc };
}

/**
 * The standalone IVS emulator on `port` (written into tokens and playback URLs, so fixed), with
 * its events going to `eventsUrl`. `env` must carry the shared keys (IVS_EVENTS_API_KEY and the
 * emulator's access key pair) and may carry DATABASE_URL (else embedded PostgreSQL on `pgPort`).
 */
export async function startEmulator({ dataDir, port, pgPort, eventsUrl, env = {} }) {
  port ??= await freePort();
  pgPort ??= await freePort();
  const baseUrl = `http://localhost:${port}`;
  const proc = await startProcess(
    'dist/server/src/emulator/emulator.main.js',
    childEnv(
      {
        PORT: String(port),
        PUBLIC_URL: baseUrl,
        DATA_DIR: dataDir,
        EMBEDDED_POSTGRES_PORT: String(pgPort),
        IVS_EVENTS_URL: eventsUrl,
        RTMP_PORT: '0',
      },
      env,
      ['DATABASE_URL'],
    ),
    `${baseUrl}/_ivs/local/status`,
    'IVS emulator',
  );
  return { baseUrl, port, pgPort, dataDir, ...proc };
}

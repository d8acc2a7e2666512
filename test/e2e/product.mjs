// Starts the built server as `npm start` would (embedded PostgreSQL, no Redis, local media)
// on free ports, and stops it with SIGTERM like Ctrl-C.
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

export async function startProduct({ dataDir, port, pgPort, env = {} }) {
  port ??= await freePort();
  pgPort ??= await freePort();
  const childEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(pgPort),
    RATE_LIMITS: testLimits.RATE_LIMITS,
    ...env,
  };
  for (const k of ['DATABASE_URL', 'REDIS_URL', 'MEDIA_PROVIDER', 'PUBLIC_URL']) if (!(k in env)) delete childEnv[k];
  const child = spawn(process.execPath, [join(root, 'dist/server/src/main.js')], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = `http://localhost:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited during start (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(`${baseUrl}/api/health`);
      if (res.status === 200) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not healthy after 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    baseUrl,
    port,
    pgPort,
    dataDir,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

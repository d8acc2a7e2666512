#!/usr/bin/env node
// Browser and whole-product tests against the built server, started exactly as
// `npm start` starts it: embedded PostgreSQL in a fresh DATA_DIR, local media.
// Each file in test/e2e/ and client/e2e/ named *.e2e.mjs is a node script run with BASE_URL set
// to that shared server; it exits non-zero on failure. Prints a JSON summary last with --summary-json.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { root } from './project.mjs';
import { startProduct } from '../test/e2e/product.mjs';

const summaryJson = process.argv.includes('--summary-json');
const filter = process.argv.slice(2).find((a) => !a.startsWith('--'));
// `--include-pending`: also run scripts marked "not in CI yet" (to see whether they pass now).
const includePending = process.argv.includes('--include-pending');
const files = ['test/e2e', 'client/e2e']
  .flatMap((d) =>
    existsSync(join(root, d))
      ? readdirSync(join(root, d))
          .filter((f) => f.endsWith('.e2e.mjs'))
          .map((f) => join(d, f))
      : [],
  )
  .filter((f) => !filter || f.includes(filter))
  .sort();

let passed = 0;
let failed = 0;
let skipped = 0;
const dataDir = mkdtempSync(join(tmpdir(), 'streamcat-e2e-'));
const SCRIPT_LIMIT_MS = 20 * 60_000;
// The emulator's SigV4 key, known to the scripts too: a script may ask IVS (the emulator) through
// the real SDK what it did, e.g. GetComposition after a failover.
const emulatorKeys = {
  IVS_EMULATOR_ACCESS_KEY_ID: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  IVS_EMULATOR_SECRET_ACCESS_KEY: randomBytes(24).toString('base64url'),
};
let server;
try {
  server = await startProduct({ dataDir, env: emulatorKeys });
  for (const file of files) {
    // A script that is written but not yet passing says so on its first line; it is reported
    // as skipped (never as passed) until it passes: `// e2e: not in CI yet — <why>` in its first lines.
    const marker = readFileSync(join(root, file), 'utf8')
      .split('\n', 3)
      .find((l) => /^\/\/ e2e: not in CI yet/.test(l));
    if (marker && !includePending) {
      skipped++;
      console.error(`- ${file} skipped: ${marker.replace(/^\/\/ e2e: /, '')}`);
      continue;
    }
    const started = Date.now();
    const outputAt = server.output().length;
    const child = spawn(process.execPath, [join(root, file)], {
      cwd: root,
      env: { ...process.env, BASE_URL: server.baseUrl, ...emulatorKeys },
      stdio: ['ignore', process.stderr, 'inherit'],
    });
    // A hung browser must fail the run, not stall CI: the whole journey takes ~5 minutes here.
    const watchdog = setTimeout(() => {
      console.error(`✖ ${file} still running after ${SCRIPT_LIMIT_MS / 60_000} minutes: stopping it`);
      child.kill('SIGKILL');
    }, SCRIPT_LIMIT_MS);
    const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    clearTimeout(watchdog);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (code === 0) {
      passed++;
      console.error(`✔ ${file} (${seconds} s)`);
    } else {
      failed++;
      console.error(`✖ ${file} (exit ${code}, ${seconds} s)`);
      // The server's own account of the failure: its warnings and errors while the script ran.
      const complaints = server
        .output()
        .slice(outputAt)
        .split('\n')
        .filter((l) => /\b(WARN|ERROR)\b/.test(l));
      if (complaints.length) console.error(`server warnings and errors during ${file} (last 30):\n${complaints.slice(-30).join('\n')}`);
    }
  }
} catch (e) {
  failed++;
  console.error(`✖ could not start the product: ${e?.stack ?? e}`);
} finally {
  // `E2E_SERVER_LOG=<file>`: the server's whole output, for a failure the warnings do not explain.
  if (process.env.E2E_SERVER_LOG && server) writeFileSync(process.env.E2E_SERVER_LOG, server.output());
  await server?.stop().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
}
console.error(`e2e: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (summaryJson) console.log(JSON.stringify({ passed, failed, skipped }));
process.exit(failed ? 1 : 0);

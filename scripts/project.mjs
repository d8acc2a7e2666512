// Shared steps of `npm start` and `npm test`: install dependencies and build when needed.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`\n✖ ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

/** npm ci when node_modules is missing or older than the lockfile (never rewrites package-lock.json). */
export function ensureDependencies() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
    console.log('▶ Installing dependencies (npm ci)…');
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  }
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Build server and client unless both builds are newer than every source file. */
export function ensureBuilt() {
  const outputs = ['dist/server/src/main.js', 'client/dist/index.html'].map((p) => join(root, p));
  const sources = Math.max(
    ...['server/src', 'libs', 'client/src', 'client/index.html', 'client/vite.config.ts'].map((p) => {
      const full = join(root, p);
      if (!existsSync(full)) return 0;
      return statSync(full).isDirectory() ? newestMtime(full) : statSync(full).mtimeMs;
    }),
  );
  if (outputs.every((o) => existsSync(o) && statSync(o).mtimeMs > sources)) return;
  console.log('▶ Building server and client (about a minute the first time)…');
  // The bundler's per-file report is noise to someone starting the product: shown only if the build fails.
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    console.error(`\n✖ npm run build failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCli } from '../src/cli/cli';
import { runMigrations } from '../src/database/migrate';
import { register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

describe('npm run cli -- role', () => {
  const t = useTestApp();
  const saved = { ...process.env };
  beforeAll(() => {
    process.env.DATABASE_URL = t.db.url;
    process.env.DATA_DIR = t.config.dataDir;
  });
  afterAll(() => {
    process.env = saved;
  });

  it('sets a role that the next login and /api/me reflect', async () => {
    const u = await register(t.url);
    const out: string[] = [];
    expect(await runCli(['role', u.user.username.toUpperCase(), 'admin'], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toContain(`${u.user.username} is now admin.`);
    const row = await t.pg.query('SELECT role FROM users WHERE id = $1', [u.user.id]);
    expect(row.rows[0].role).toBe('admin');
    const me = await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${u.accessToken}` } });
    expect(((await me.json()) as { user: { role: string } }).user.role).toBe('admin');
  });

  it('refuses unknown roles and users without changing anything', async () => {
    const out: string[] = [];
    expect(await runCli(['role', 'someone', 'superuser'], (s) => out.push(s))).toBe(2);
    expect(out.join('\n')).toContain('Usage');
    expect(await runCli(['role', 'no-such-user', 'moderator'], (s) => out.push(s))).toBe(1);
    expect(out.join('\n')).toContain('No user named "no-such-user"');
  });
});

describe('npm run cli -- role, against the embedded PostgreSQL of a running server', () => {
  const saved = { ...process.env };
  let dataDir: string;
  let pg: { url: string; child: ChildProcess };
  let port: number;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'streamcat-cli-'));
    // Not the default port: the server was started with another EMBEDDED_POSTGRES_PORT than the CLI's shell has.
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    pg = await runEmbeddedPostgres(dataDir, port);
    await runMigrations(pg.url);
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    await c.query(`INSERT INTO users (username, password_hash) VALUES ('pidport', 'x')`);
    await c.end();
    for (const k of ['DATABASE_URL', 'EMBEDDED_POSTGRES_PORT', 'REDIS_URL', 'MEDIA_PROVIDER']) delete process.env[k];
    process.env.DATA_DIR = dataDir;
  }, 120_000);
  afterAll(async () => {
    process.env = saved;
    if (pg) await new Promise((resolve) => (pg.child.once('exit', resolve), pg.child.kill('SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finds the cluster's port in its postmaster.pid and sets the role there", async () => {
    expect(port).not.toBe(54329);
    const out: string[] = [];
    expect(await runCli(['role', 'pidport', 'moderator'], (s) => out.push(s))).toBe(0);
    expect(out).toEqual(['pidport is now moderator.']);
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    const row = await c.query(`SELECT role FROM users WHERE username = 'pidport'`);
    await c.end();
    expect(row.rows[0].role).toBe('moderator');
  });

  it('says in one sentence what is wrong when the running cluster refuses the connection', async () => {
    const secret = join(dataDir, 'secrets', 'postgres-password');
    const real = readFileSync(secret, 'utf8');
    writeFileSync(secret, 'not-the-password');
    try {
      await expect(runCli(['role', 'pidport', 'user'], () => undefined)).rejects.toThrow(
        new RegExp(`embedded PostgreSQL of .* runs \\(pid \\d+, port ${port}\\) but refused this tool's connection`),
      );
    } finally {
      writeFileSync(secret, real);
    }
  });
});

/** The cluster `npm start` would run for DATA_DIR, in its own process (as the server's would be). */
function runEmbeddedPostgres(dataDir: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join(__dirname, 'support/embedded-postgres-process.cjs'), dataDir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const ready = /READY (\S+)/.exec(output);
      if (ready) resolve({ url: ready[1], child });
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}): ${output}`)));
  });
}

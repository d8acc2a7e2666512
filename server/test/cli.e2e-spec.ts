import { Client } from 'pg';
import { runCli } from '../src/cli/cli';
import { register, startTestApp, TestApp } from './support/test-app';

describe('npm run cli -- role', () => {
  let t: TestApp;
  const saved = { ...process.env };
  beforeAll(async () => {
    t = await startTestApp();
    process.env.DATABASE_URL = t.db.url;
    process.env.DATA_DIR = t.config.dataDir;
  });
  afterAll(async () => {
    process.env = saved;
    await t.close();
  });

  it('sets a role that the next login and /api/me reflect', async () => {
    const u = await register(t.url);
    const out: string[] = [];
    expect(await runCli(['role', u.user.username.toUpperCase(), 'admin'], (s) => out.push(s))).toBe(0);
    expect(out.join('\n')).toContain(`${u.user.username} is now admin.`);
    const pg = new Client({ connectionString: t.db.url });
    await pg.connect();
    const row = await pg.query('SELECT role FROM users WHERE id = $1', [u.user.id]);
    await pg.end();
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

import jwt from 'jsonwebtoken';
import { runCli } from '../src/cli/cli';
import testLimits from '../../test/support/test-limits.json';
import { call, register, startTestApp, uniqueName } from './support/test-app';
import { TEST_REDIS_URL, useTestApp } from './support/use-test-app';

describe('accounts and auth (real server, real PostgreSQL, emulator)', () => {
  const t = useTestApp({ TRUST_PROXY: 'loopback' });

  it('registers, logs in and reads /api/me with the bearer token', async () => {
    const name = uniqueName('al');
    const reg = await register(t.url, name);
    expect(reg.user).toEqual({ id: expect.any(String), username: name, role: 'user' });

    const login = await call(t.url, 'POST', '/api/auth/login', { username: name.toUpperCase(), password: reg.password });
    expect(login.status).toBe(200);
    const me = await call(t.url, 'GET', '/api/me', undefined, login.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe(name);
    expect(me.body.channel.arn).toMatch(/^arn:aws:ivs:us-east-1:\d{12}:channel\/[A-Za-z0-9]{12}$/);
    // No IVS stage until the studio is first opened (AWS's stage quota is per region).
    expect(me.body.stage).toEqual({ name, arn: null, isLive: false });
    expect(me.body.channel.playbackUrl).toMatch(/\.m3u8$/);
    expect(me.body.channel.type).toBe('STANDARD');
  });

  it('stores usernames lower-case and refuses a case-insensitive duplicate, creating nothing', async () => {
    const name = uniqueName('dup');
    await register(t.url, name);
    const again = await call(t.url, 'POST', '/api/auth/register', { username: name.toUpperCase(), password: 'another-pass-2' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('auth/username-taken');
    const { Client } = await import('pg');
    const c = new Client({ connectionString: t.db.url });
    await c.connect();
    const rows = await c.query('SELECT count(*)::int AS n FROM users WHERE lower(username) = $1', [name]);
    await c.end();
    expect(rows.rows[0].n).toBe(1);
  });

  it.each([
    [{ username: 'ab', password: 'long-enough-1' }, 'username'],
    [{ username: 'has space', password: 'long-enough-1' }, 'username'],
    [{ username: 'x'.repeat(33), password: 'long-enough-1' }, 'username'],
    [{ username: 'okname', password: 'short' }, 'password'],
    [{ username: 'okname', password: 'p'.repeat(129) }, 'password'],
    [{ username: 'okname', password: 'long-enough-1', admin: true }, '(body)'],
    [{ username: 42, password: 'long-enough-1' }, 'username'],
    [['okname', 'long-enough-1'], '(body)'],
    [{ username: 'studio', password: 'long-enough-1' }, 'username'],
  ])('rejects bad sign-up %j with a 400 naming %s', async (body, field) => {
    const res = await call(t.url, 'POST', '/api/auth/register', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('request/invalid');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
  });

  it('answers malformed JSON with 400 and bodies over 64 KB with 413', async () => {
    const bad = await call(t.url, 'POST', '/api/auth/register', '{"username": "x",');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('request/malformed-json');
    const huge = await call(t.url, 'POST', '/api/auth/register', { username: 'hugeone', password: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('request/too-large');
  });

  // TRUST_PROXY=loopback: the test speaks for different client addresses through X-Forwarded-For.
  const from = (address: string) => ({ 'x-forwarded-for': address });
  const login = (username: string, password: string, address: string) =>
    call(t.url, 'POST', '/api/auth/login', { username, password }, undefined, from(address));

  it('refuses wrong passwords and unknown users alike; the guessing address waits, the owner does not', async () => {
    const reg = await register(t.url);
    const unknown = await login('nobody-here', 'whatever-1', '203.0.113.10');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('auth/invalid-credentials');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await login(reg.user.username, 'wrong-password', '203.0.113.11')).status);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
    // From that address even the right password waits: guessing gains nothing.
    const right = await login(reg.user.username, reg.password, '203.0.113.11');
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('request/rate-limited');
    expect(right.body.error.message).toMatch(/Try again in \d+ minutes?\./);
    // The owner, elsewhere, is not locked out.
    expect((await login(reg.user.username, reg.password, '198.51.100.5')).status).toBe(200);
  });

  it('50 failed log-ins from one address leave the owner able to log in from another', async () => {
    const victim = await register(t.url);
    const others = await Promise.all([register(t.url), register(t.url)]);
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const target = i % 3 === 0 ? victim.user.username : others[i % 2]!.user.username;
      statuses.push((await login(target, `guess-${i}-wrong`, '203.0.113.50')).status);
    }
    // Ten failures from the address, then it is made to wait, whichever account it tries.
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    const refused = await login(others[0]!.user.username, others[0]!.password, '203.0.113.50');
    expect(refused.status).toBe(429);
    const retryAfter = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...from('203.0.113.50') },
      body: JSON.stringify({ username: victim.user.username, password: victim.password }),
    });
    expect(Number(retryAfter.headers.get('retry-after'))).toBeGreaterThan(0);
    // Owners from their own addresses log in at once.
    expect((await login(victim.user.username, victim.password, '198.51.100.6')).status).toBe(200);
    expect((await login(others[0]!.user.username, others[0]!.password, '2001:db8:9::1')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from a proxy the operator trusts', async () => {
    const direct = await startTestApp({ RATE_LIMITS: 'login-failures-per-address=2/15m' });
    try {
      const reg = await register(direct.url);
      // Without TRUST_PROXY the header is ignored: rotating it does not buy new attempts.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(
          direct.url,
          'POST',
          '/api/auth/login',
          { username: reg.user.username, password: 'nope-nope-1' },
          undefined,
          from(`192.0.2.${i + 1}`),
        );
        statuses.push(res.status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await direct.close();
    }
  });

  it('shares one budget across replicas through Redis', async () => {
    const env = {
      TRUST_PROXY: 'loopback',
      REDIS_URL: TEST_REDIS_URL,
      // Keeps the test sign-up budget: Redis counts this machine's loopback sign-ups across runs.
      RATE_LIMITS: `${testLimits.RATE_LIMITS},login-failures-per-address=3/15m`,
    };
    const a = await startTestApp(env);
    const b = await startTestApp(env, { db: a.db });
    try {
      const reg = await register(a.url);
      // A fresh documentation address per run: Redis outlives test runs.
      const address = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}::7`;
      const attempt = (url: string) =>
        call(url, 'POST', '/api/auth/login', { username: reg.user.username, password: 'wrong-one-1' }, undefined, from(address));
      expect([(await attempt(a.url)).status, (await attempt(b.url)).status, (await attempt(a.url)).status]).toEqual([401, 401, 401]);
      expect((await attempt(b.url)).status).toBe(429);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('limits sign-ups per address, creating nothing for a refused one', async () => {
    const limited = await startTestApp({ TRUST_PROXY: 'loopback', RATE_LIMITS: 'signup-per-address=3/1h' });
    try {
      const signUp = (username: string, address: string) =>
        call(limited.url, 'POST', '/api/auth/register', { username, password: 'long-enough-1' }, undefined, from(address));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await signUp(uniqueName('su'), '203.0.113.70')).status);
      expect(statuses).toEqual([201, 201, 201, 429]);
      const refusedName = uniqueName('su');
      const refused = await signUp(refusedName, '203.0.113.70');
      expect(refused.status).toBe(429);
      expect(refused.body.error.message).toMatch(/^Too many sign-ups from your network\. Try again in \d+ minutes?\.$/);
      expect((await call(limited.url, 'POST', '/api/auth/login', { username: refusedName, password: 'long-enough-1' })).status).toBe(401);
      // Another address is not affected.
      expect((await signUp(uniqueName('su'), '198.51.100.70')).status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('rejects missing, forged and expired bearer tokens with 401', async () => {
    const reg = await register(t.url);
    expect((await call(t.url, 'GET', '/api/me')).status).toBe(401);
    const forged = jwt.sign({ username: reg.user.username }, 'not-the-secret-not-the-secret-not-the-secret', {
      subject: reg.user.id,
      issuer: 'streamcat',
      audience: 'streamcat',
    });
    const f = await call(t.url, 'GET', '/api/me', undefined, forged);
    expect(f.status).toBe(401);
    expect(f.body.error.code).toBe('auth/invalid-token');
    const expired = jwt.sign({ username: reg.user.username }, t.config.jwtSecret, {
      subject: reg.user.id,
      issuer: 'streamcat',
      audience: 'streamcat',
      expiresIn: -10,
    });
    expect((await call(t.url, 'GET', '/api/me', undefined, expired)).status).toBe(401);
    const noneAlg = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: reg.user.id, username: reg.user.username, iss: 'streamcat', aud: 'streamcat' }),
    ).toString('base64url')}.`;
    expect((await call(t.url, 'GET', '/api/me', undefined, noneAlg)).status).toBe(401);
  });

  it('gives no role for a name: a server with MODERATOR_USERNAMES refuses to start, and a once-listed name registers as a user', async () => {
    await expect(startTestApp({ MODERATOR_USERNAMES: 'mod_alice' }, { db: t.db, dataDir: t.config.dataDir })).rejects.toThrow(
      /MODERATOR_USERNAMES.*npm run cli -- role/,
    );
    const reg = await register(t.url, 'mod_alice');
    expect(reg.user.role).toBe('user');
    const login = await call(t.url, 'POST', '/api/auth/login', { username: 'mod_alice', password: reg.password });
    expect(login.body.user.role).toBe('user');
    expect((await call(t.url, 'GET', '/api/moderation/audit', undefined, login.body.accessToken)).status).toBe(403);
  });

  it("follows the operator's role changes at the next request, with the same token", async () => {
    const reg = await register(t.url);
    const saved = { ...process.env };
    process.env.DATABASE_URL = t.db.url;
    process.env.DATA_DIR = t.config.dataDir;
    const out: string[] = [];
    try {
      expect(await runCli(['role', reg.user.username, 'moderator'], (s) => out.push(s))).toBe(0);
      expect((await call(t.url, 'GET', '/api/moderation/audit', undefined, reg.accessToken)).status).toBe(200);
      expect(await runCli(['role', reg.user.username, 'user'], (s) => out.push(s))).toBe(0);
    } finally {
      process.env = saved;
    }
    expect((await call(t.url, 'GET', '/api/moderation/audit', undefined, reg.accessToken)).status).toBe(403);
    expect((await call(t.url, 'GET', '/api/me', undefined, reg.accessToken)).body.user.role).toBe('user');
  });

  it('stores passwords as scrypt hashes, never in clear', async () => {
    const reg = await register(t.url);
    const { Client } = await import('pg');
    const c = new Client({ connectionString: t.db.url });
    await c.connect();
    const row = await c.query('SELECT password_hash FROM users WHERE id = $1', [reg.user.id]);
    await c.end();
    expect(row.rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.rows[0].password_hash).not.toContain(reg.password);
  });
});

import jwt from 'jsonwebtoken';
import { call, register, startTestApp, TestApp, uniqueName } from './support/test-app';

describe('accounts and auth (real server, real PostgreSQL, emulator)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ MODERATOR_USERNAMES: 'mod_alice' });
  });
  afterAll(() => t.close());

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
    expect(me.body.stage.arn).toMatch(/^arn:aws:ivs:us-east-1:\d{12}:stage\/[A-Za-z0-9]{12}$/);
    expect(me.body.channel.playbackUrl).toMatch(/\.m3u8$/);
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

  it('refuses wrong passwords and unknown users alike, then throttles the username', async () => {
    const reg = await register(t.url);
    const unknown = await call(t.url, 'POST', '/api/auth/login', { username: 'nobody-here', password: 'whatever-1' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('auth/invalid-credentials');
    const codes: number[] = [];
    for (let i = 0; i < 11; i++) {
      codes.push((await call(t.url, 'POST', '/api/auth/login', { username: reg.user.username, password: 'wrong-password' })).status);
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes[10]).toBe(429);
    // Even the right password waits out the lock: guessing gains nothing.
    const right = await call(t.url, 'POST', '/api/auth/login', { username: reg.user.username, password: reg.password });
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('request/rate-limited');
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

  it('grants the moderator role to MODERATOR_USERNAMES', async () => {
    const reg = await register(t.url, 'mod_alice');
    expect(reg.user.role).toBe('moderator');
    const login = await call(t.url, 'POST', '/api/auth/login', { username: 'mod_alice', password: reg.password });
    expect(login.body.user.role).toBe('moderator');
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

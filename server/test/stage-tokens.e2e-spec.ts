import { Client } from 'pg';
import jwt from 'jsonwebtoken';
import { MediaProvider } from '../src/media/media-provider';
import { call, register, startTestApp, TestApp } from './support/test-app';

describe('POST /api/stages/:name/token (seed lesson 4.3, done right)', () => {
  let t: TestApp;
  let pg: Client;
  beforeAll(async () => {
    t = await startTestApp();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterAll(async () => {
    await pg.end();
    await t.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const tokenFor = (name: string, accessToken?: string) => call(t.url, 'POST', `/api/stages/${name}/token`, undefined, accessToken);
  const tokenRows = async (userId: string) =>
    (await pg.query('SELECT participant_id, expires_at FROM stage_tokens WHERE user_id = $1 ORDER BY created_at', [userId])).rows;

  it('mints a PUBLISH+SUBSCRIBE IVS-shaped token for the owner and reuses it while valid', async () => {
    const host = await register(t.url);
    const first = await tokenFor(host.user.username, host.accessToken);
    expect(first.status).toBe(200);
    expect(first.body.capabilities.sort()).toEqual(['PUBLISH', 'SUBSCRIBE']);
    const claims = jwt.decode(first.body.token, { complete: true }) as jwt.Jwt;
    expect(claims.header.alg).toBe('ES384');
    const payload = claims.payload as Record<string, unknown>;
    expect(payload).toMatchObject({
      jti: first.body.participantId,
      resource: first.body.stageArn,
      user_id: host.user.id,
      capabilities: { allow_publish: true, allow_subscribe: true },
    });

    const second = await tokenFor(host.user.username, host.accessToken);
    expect(second.body.participantId).toBe(first.body.participantId);
    expect(second.body.token).toBe(first.body.token);
    expect(await tokenRows(host.user.id)).toHaveLength(1);
  });

  it('mints a new token when the stored one has under 60 s left', async () => {
    const host = await register(t.url);
    const first = await tokenFor(host.user.username, host.accessToken);
    await pg.query(`UPDATE stage_tokens SET expires_at = now() + interval '59 seconds' WHERE participant_id = $1`, [
      first.body.participantId,
    ]);
    const second = await tokenFor(host.user.username, host.accessToken);
    expect(second.body.participantId).not.toBe(first.body.participantId);
    expect(new Date(second.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 11 * 3600_000);
    // With 61 s left the new one is still the latest valid token and is reused.
    const third = await tokenFor(host.user.username, host.accessToken);
    expect(third.body.participantId).toBe(second.body.participantId);
    expect(await tokenRows(host.user.id)).toHaveLength(2);
  });

  it('twenty concurrent calls mint exactly one token', async () => {
    const host = await register(t.url);
    const mint = jest.spyOn(t.app.get(MediaProvider), 'createParticipantToken');
    const results = await Promise.all(Array.from({ length: 20 }, () => tokenFor(host.user.username, host.accessToken)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.participantId)).size).toBe(1);
    expect(mint).toHaveBeenCalledTimes(1);
    expect(await tokenRows(host.user.id)).toHaveLength(1);
  });

  it("refuses another user's stage (403), unknown stages (404), bad names (400) and no login (401)", async () => {
    const a = await register(t.url);
    const b = await register(t.url);
    const other = await tokenFor(a.user.username, b.accessToken);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('auth/forbidden');
    expect(await tokenRows(b.user.id)).toHaveLength(0);
    expect((await tokenFor('no-such-stage', a.accessToken)).status).toBe(404);
    expect((await tokenFor('bad%20name!', a.accessToken)).status).toBe(400);
    expect((await tokenFor(a.user.username)).status).toBe(401);
  });

  it('reports a provider outage as 503 with a sentence and stores nothing', async () => {
    const host = await register(t.url);
    const { AppError } = await import('../src/http/app-error');
    jest.spyOn(t.app.get(MediaProvider), 'createParticipantToken').mockRejectedValueOnce(new AppError('media/provider-unavailable'));
    const res = await tokenFor(host.user.username, host.accessToken);
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({ code: 'media/provider-unavailable', message: expect.stringMatching(/not reachable/) });
    expect(await tokenRows(host.user.id)).toHaveLength(0);
  });
});

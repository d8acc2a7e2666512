import jwt from 'jsonwebtoken';
import { MediaProvider } from '../src/media/media-provider';
import testLimits from '../../test/support/test-limits.json';
import { expectOk, join, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

describe('POST /api/stages/:name/token (seed lesson 4.3, done right)', () => {
  const t = useTestApp();
  const { pg } = t;
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

describe('POST /api/stages/:name/viewer-token: one token per viewer session', () => {
  // TRUST_PROXY=loopback: the test speaks for several client addresses through X-Forwarded-For.
  const t = useTestApp({ TRUST_PROXY: 'loopback', RATE_LIMITS: `${testLimits.RATE_LIMITS},viewer-token-per-address=5/1m` });
  const { pg } = t;

  /** A host whose show stage is open to real-time viewers (through the studio, as the app does it); `arn` is the show stage's. */
  async function openStage(): Promise<{ name: string; id: string; arn: string }> {
    const host = await register(t.url);
    const s = await t.open({ token: host.accessToken });
    await join(s, host.user.username);
    expectOk(await studio(s, 'studio:realtime', { stage: host.user.username, open: true }));
    const row = (
      await pg.query(`SELECT s.id, i.arn FROM stages s JOIN ivs_stages i ON i.stage_id = s.id AND i.kind = 'show' WHERE s.name = $1`, [
        host.user.username,
      ])
    ).rows[0];
    return { name: host.user.username, ...row };
  }
  const viewerToken = (stage: string, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/api/stages/${stage}/viewer-token`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.10', ...headers } });
  const viewerRows = async (stageId: string) =>
    Number(
      (await pg.query(`SELECT count(*)::int AS n FROM stage_tokens WHERE stage_id = $1 AND holder LIKE 'viewer:%'`, [stageId])).rows[0].n,
    );
  /** Tokens the IVS emulator itself minted for the stage (its own table, as ListParticipants would see them join). */
  const emulatorTokens = async (arn: string) =>
    Number(
      (
        await pg.query(
          `SELECT count(*)::int AS n FROM ivs_emu_participant_tokens p JOIN ivs_emu_stages s ON s.id = p.stage_id WHERE s.arn = $1`,
          [arn],
        )
      ).rows[0].n,
    );

  it('gives an anonymous viewer a signed HttpOnly session cookie and one token for 100 calls', async () => {
    const stage = await openStage();
    const tokensBefore = await emulatorTokens(stage.arn);
    const first = await viewerToken(stage.name);
    expect(first.status).toBe(200);
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^streamcat-viewer=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).not.toMatch(/; Secure/i);
    const cookie = setCookie.split(';')[0];
    const { participantId } = (await first.json()) as { participantId: string };

    // 50 at once, then 49 one after another, all with the cookie: the same token every time.
    const burst = await Promise.all(Array.from({ length: 50 }, () => viewerToken(stage.name, { cookie })));
    const ids = await Promise.all(burst.map(async (r) => ((await r.json()) as { participantId: string }).participantId));
    for (let i = 0; i < 49; i++) {
      const r = await viewerToken(stage.name, { cookie });
      expect(r.headers.get('set-cookie')).toBeNull();
      ids.push(((await r.json()) as { participantId: string }).participantId);
    }
    expect(new Set([participantId, ...ids])).toEqual(new Set([participantId]));
    expect(await viewerRows(stage.id)).toBe(1);
    expect((await emulatorTokens(stage.arn)) - tokensBefore).toBe(1);
  });

  it('reuses only while ≥ 60 s are left, and treats a forged cookie as none', async () => {
    const stage = await openStage();
    const first = await viewerToken(stage.name);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0];
    const a = (await first.json()) as { participantId: string };
    await pg.query(`UPDATE stage_tokens SET expires_at = now() + interval '59 seconds' WHERE participant_id = $1`, [a.participantId]);
    const renewed = (await (await viewerToken(stage.name, { cookie })).json()) as { participantId: string };
    expect(renewed.participantId).not.toBe(a.participantId);

    // Same id, signature of another: not this session, so a new session and a new token.
    const forged = `${cookie.slice(0, cookie.indexOf('.') + 1)}${'A'.repeat(43)}`;
    const res = await viewerToken(stage.name, { cookie: forged });
    expect(res.headers.get('set-cookie')).toMatch(/^streamcat-viewer=/);
    expect(((await res.json()) as { participantId: string }).participantId).not.toBe(renewed.participantId);
    expect(await viewerRows(stage.id)).toBe(3);
  });

  it('gives a logged-in viewer one token for many calls, without a cookie', async () => {
    const stage = await openStage();
    const viewer = await register(t.url);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => viewerToken(stage.name, { authorization: `Bearer ${viewer.accessToken}` })),
    );
    const seen = await Promise.all(all.map(async (r) => [r.status, r.headers.get('set-cookie'), await r.clone().text()]));
    expect(seen.filter(([status, cookie]) => status !== 200 || cookie !== null)).toEqual([]);
    expect(new Set(await Promise.all(all.map(async (r) => ((await r.json()) as { participantId: string }).participantId))).size).toBe(1);
    expect(await viewerRows(stage.id)).toBe(1);
  });

  it('serves 40 new viewers arriving at once (more than the database pool) without starving the provider', async () => {
    const stage = await openStage();
    const all = await Promise.all(
      Array.from({ length: 40 }, (_, i) => viewerToken(stage.name, { 'x-forwarded-for': `198.18.0.${i + 1}` })),
    );
    const seen = await Promise.all(all.map(async (r) => [r.status, await r.text()]));
    expect(seen.filter(([status]) => status !== 200)).toEqual([]);
    expect(await viewerRows(stage.id)).toBe(40);
  });

  it('limits new anonymous tokens per client address, with a sentence and Retry-After; other addresses are unaffected', async () => {
    const stage = await openStage();
    const from = (address: string) => viewerToken(stage.name, { 'x-forwarded-for': address });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await from('198.51.100.7')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await from('198.51.100.7');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toEqual({
      error: {
        code: 'request/rate-limited',
        message: expect.stringMatching(/^Too many viewers from your network joining right now\. Try again in (\d+ seconds?|1 minute)\.$/),
      },
    });
    expect(await viewerRows(stage.id)).toBe(5);
    // Another address, and a viewer of the refused address who kept their cookie, still get theirs.
    expect((await from('198.51.100.8')).status).toBe(200);
    expect(await viewerRows(stage.id)).toBe(6);
  });

  it('lets a viewer who kept their session reuse their token even when their address is over the limit', async () => {
    const stage = await openStage();
    const first = await viewerToken(stage.name, { 'x-forwarded-for': '192.0.2.44' });
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0];
    for (let i = 0; i < 6; i++) await viewerToken(stage.name, { 'x-forwarded-for': '192.0.2.44' });
    expect((await viewerToken(stage.name, { 'x-forwarded-for': '192.0.2.44' })).status).toBe(429);
    const again = await viewerToken(stage.name, { 'x-forwarded-for': '192.0.2.44', cookie });
    expect(again.status).toBe(200);
  });
});

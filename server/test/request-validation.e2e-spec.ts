import { DataSource } from 'typeorm';
import { encodePageCursor } from '@streamcat/protocol';
import { ChannelsService } from '../src/channels/channels.service';
import { ChatService } from '../src/chat/chat.service';
import { ModerationAuditService } from '../src/moderation/moderation-audit.service';
import { Account, call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Every query parameter and path parameter is checked against its protocol schema before a
 * service runs: garbage gets 400 `request/invalid` with a sentence naming the parameter,
 * never a 500, and no SQL is sent for it.
 */
describe('query and path parameters are validated like bodies', () => {
  const t = useTestApp();
  let owner: Account;
  let mod: Account;
  let sql: jest.SpyInstance;

  beforeAll(async () => {
    owner = await register(t.url);
    mod = await register(t.url);
    await t.setRole(mod, 'moderator');
  });
  beforeEach(() => {
    // Counts SQL the app sends from here on (guards and services alike).
    sql = jest.spyOn(t.app.get(DataSource), 'query');
  });
  afterEach(() => jest.restoreAllMocks());

  /**
   * Statements of the app's own timers (studio expiry sweep, multistream leases, real-time
   * disconnects, limit breaches) and of the in-process emulator (AWS's side in production): on a
   * loaded machine a tick lands inside the window. None of them names a table these refused
   * requests could read, so leaving them out hides nothing a request sent.
   */
  const BACKGROUND =
    /ivs_emu_|FROM "?studio_documents"? WHERE next_expiry_at|multistream_destinations|stage_disconnects|channel_limit_breaches/;
  const requestSql = () => sql.mock.calls.map((c) => String(c[0])).filter((q) => !BACKGROUND.test(q));

  const tenKb = 'A'.repeat(10_240);
  const bareUuid = '9b2c3f4e-1111-4222-8333-944455556666';
  const pagedEndpoints = () => [
    { path: `/api/channels/${owner.user.username}/streams`, token: undefined },
    { path: `/api/channels/${owner.user.username}/chat`, token: undefined },
    { path: '/api/moderation/audit', token: mod.accessToken },
  ];

  async function expectRefused(path: string, parameter: string, token?: string) {
    const res = await call(t.url, 'GET', path, undefined, token);
    expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 400, code: 'request/invalid' });
    expect(res.body.error.message.startsWith(`${parameter}: `)).toBe(true);
    return res.body.error.message as string;
  }

  it.each([
    ['SQL in a cursor', 'cursor=%27;--', 'cursor'],
    ['two words for a cursor', 'cursor=aaaa|bbbb', 'cursor'],
    ['a base64 pair that is not time|uuid', `cursor=${Buffer.from('aaaa|bbbb').toString('base64url')}`, 'cursor'],
    ['a cursor whose time is not a date', `cursor=${Buffer.from(`1|${bareUuid}`).toString('base64url')}`, 'cursor'],
    ['a cursor whose id is dashes', `cursor=${Buffer.from(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`).toString('base64url')}`, 'cursor'],
    ['a cursor in the year 9999', `cursor=${Buffer.from(`9999-01-01T00:00:00.000Z|${bareUuid}`).toString('base64url')}`, 'cursor'],
    ['a 10 KB cursor', `cursor=${tenKb}`, 'cursor'],
    ['a negative limit', 'limit=-1', 'limit'],
    ['a limit in exponent form', 'limit=1e1', 'limit'],
    ['a 10 KB limit', `limit=${'9'.repeat(10_240)}`, 'limit'],
    ['a repeated limit', 'limit=1&limit=2', 'limit'],
    ['a repeated cursor', 'cursor=a&cursor=b', 'cursor'],
    ['an unknown parameter', 'sort=asc', 'sort'],
    ['a prototype key', '__proto__=x', '__proto__'],
    ['a bracketed key', 'limit[gt]=1', 'limit[gt]'],
    ['a broken percent-escape in a cursor', 'cursor=%E0%A4%A', 'cursor'],
  ])('refuses %s on every paged list, before any SQL', async (_what, query, parameter) => {
    const services = [
      jest.spyOn(t.app.get(ChannelsService), 'streams'),
      jest.spyOn(t.app.get(ChatService), 'replay'),
      jest.spyOn(t.app.get(ModerationAuditService), 'list'),
    ];
    for (const { path, token } of pagedEndpoints()) await expectRefused(`${path}?${query}`, parameter, token);
    for (const service of services) expect(service).not.toHaveBeenCalled();
    // The public lists need no login: nothing at all was asked of the database for them.
    sql.mockClear();
    for (const { path, token } of pagedEndpoints().filter((e) => !e.token)) await expectRefused(`${path}?${query}`, parameter, token);
    expect(requestSql()).toEqual([]);
  });

  it('refuses a bad chat replay stream id and names it', async () => {
    await expectRefused(`/api/channels/${owner.user.username}/chat?streamId=${encodeURIComponent("st';--")}`, 'streamId');
    await expectRefused(`/api/channels/${owner.user.username}/chat?streamId=${'s'.repeat(129)}`, 'streamId');
    expect(requestSql()).toEqual([]);
  });

  it('refuses non-uuid ids and bad names in paths, naming the parameter', async () => {
    for (const id of ['123', "1' OR '1'='1", tenKb, `${bareUuid}x`]) await expectRefused(`/api/vods/${encodeURIComponent(id)}`, 'id');
    for (const path of [
      `/api/channels/${tenKb}`,
      `/api/channels/${tenKb}/streams`,
      `/api/channels/a%20b/chat`,
      `/api/channels/${tenKb}/follow`,
    ])
      await expectRefused(path, 'name');
    await expectRefused(`/api/categories/${encodeURIComponent('Music;--')}`, 'slug');
    // A path that cannot be percent-decoded is a 400 too, never a 500.
    const undecodable = await call(t.url, 'GET', '/api/channels/%E0%A4%A/streams');
    expect([undecodable.status, undecodable.body.error.code]).toEqual([400, 'request/invalid']);
    expect(requestSql()).toEqual([]);
    expect((await call(t.url, 'POST', `/api/stages/${tenKb}/viewer-token`)).body.error.message).toMatch(/^name: /);
    // A well-formed id of nothing is a 404, as before.
    expect((await call(t.url, 'GET', `/api/vods/${bareUuid}`)).status).toBe(404);
  });

  it('still pages with the cursors the server issues', async () => {
    const channelId = (await t.pg.query('SELECT id FROM channels WHERE name = $1', [owner.user.username])).rows[0].id;
    for (let i = 0; i < 3; i++) {
      await t.pg.query(
        `INSERT INTO streams (channel_id, stream_id, title, created_at) VALUES ($1, $2, $3, now() - make_interval(hours => $4))`,
        [channelId, `st-rv-${owner.user.username}-${i}`, `show ${i}`, 3 - i],
      );
    }
    const first = await call(t.url, 'GET', `/api/channels/${owner.user.username}/streams?limit=2`);
    expect(first.body.items).toHaveLength(2);
    const second = await call(t.url, 'GET', `/api/channels/${owner.user.username}/streams?limit=2&cursor=${first.body.nextCursor}`);
    expect([second.status, second.body.items.map((s: { title: string }) => s.title)]).toEqual([200, ['show 0']]);
    // A well-formed cursor of a row that never existed is simply a position: 200, not an error.
    const made = encodePageCursor(new Date('2030-01-01T00:00:00.000Z'), bareUuid);
    expect((await call(t.url, 'GET', `/api/channels/${owner.user.username}/chat?cursor=${made}`)).status).toBe(200);
    expect((await call(t.url, 'GET', `/api/moderation/audit?cursor=${made}`, undefined, mod.accessToken)).status).toBe(200);
  });

  it('documents the query parameters in the OpenAPI document', async () => {
    const doc = await call(t.url, 'GET', '/api/docs/openapi.json');
    const params = (path: string) =>
      Object.fromEntries(
        (doc.body.paths[path].get.parameters as { name: string; in: string; schema: Record<string, unknown> }[]).map((p) => [
          `${p.in}:${p.name}`,
          p.schema,
        ]),
      );
    expect(params('/api/channels/{name}/streams')).toMatchObject({
      'path:name': { pattern: expect.any(String) },
      'query:limit': { pattern: expect.any(String), default: 20 },
      'query:cursor': { maxLength: 128 },
    });
    expect(Object.keys(params('/api/channels/{name}/chat')).sort()).toEqual(['path:name', 'query:cursor', 'query:limit', 'query:streamId']);
    expect(Object.keys(params('/api/moderation/audit')).sort()).toEqual(['query:cursor', 'query:limit']);
    expect(params('/api/vods/{id}')['path:id']).toMatchObject({ pattern: expect.stringContaining('[0-9a-f]{8}') });
  });
});

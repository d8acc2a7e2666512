import { GetChannelCommand, GetStreamKeyCommand } from '@aws-sdk/client-ivs';
import { connect } from 'node:net';
import { ivsClients } from './support/ivs-clients';
import { call, register, startTestApp } from './support/test-app';
import { TEST_REDIS_URL, useTestApp } from './support/use-test-app';

describe('channels REST surface', () => {
  const t = useTestApp();
  const { pg } = t;

  it('updates title and category, validating both; others cannot touch it', async () => {
    const a = await register(t.url);
    const cats = await call(t.url, 'GET', '/api/categories');
    expect(cats.body.map((c: { name: string }) => c.name)).toEqual([
      'Talk Shows & Podcasts',
      'Just Chatting',
      'Live Shopping',
      'Sports & Gaming',
      'Conferences & Events',
    ]);
    const patched = await call(t.url, 'PATCH', '/api/me/channel', { title: 'Morning show', categoryId: cats.body[1].id }, a.accessToken);
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Morning show', category: { name: 'Just Chatting' } });

    for (const bad of [{ title: 'x'.repeat(141) }, { categoryId: 'two' }, { title: 'ok', owner: 'me' }, {}]) {
      const res = await call(t.url, 'PATCH', '/api/me/channel', bad, a.accessToken);
      expect(res.status).toBe(400);
    }
    const missing = await call(t.url, 'PATCH', '/api/me/channel', { categoryId: 9999 }, a.accessToken);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('category/not-found');
    const after = await call(t.url, 'GET', `/api/channels/${a.user.username}`);
    expect(after.body.title).toBe('Morning show');
    expect((await call(t.url, 'PATCH', '/api/me/channel', { title: 'hijack' })).status).toBe(401);
  });

  it('shows the stream key only to its owner and rotates it at the provider', async () => {
    const a = await register(t.url);
    const creds = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, a.accessToken);
    expect(creds.status).toBe(200);
    expect(creds.body.streamKey).toMatch(/^sk_us-east-1_/);
    expect(creds.body.rtmpsUrl).toBe(`rtmps://${creds.body.ingestEndpoint}:443/app/`);
    // Local mode: the RTMP ingest's real port (the test app binds RTMP_PORT=0), reachable for OBS.
    const rtmp = new RegExp(`^rtmp://${creds.body.ingestEndpoint}:(\\d+)/app/$`).exec(creds.body.rtmpUrl);
    expect(rtmp).not.toBeNull();
    await new Promise<void>((resolve, reject) => {
      const s = connect(Number(rtmp![1]), '127.0.0.1', () => s.end(resolve));
      s.once('error', reject);
    });

    const pub = await call(t.url, 'GET', `/api/channels/${a.user.username}`);
    expect(pub.status).toBe(200);
    expect(JSON.stringify(pub.body)).not.toContain(creds.body.streamKey);
    expect(JSON.stringify(pub.body)).not.toContain('arn:aws');

    const oldKeyArn = (await pg.query('SELECT stream_key_arn FROM channels WHERE name = $1', [a.user.username])).rows[0].stream_key_arn;
    const rotated = await call(t.url, 'POST', '/api/me/channel/stream-key/rotate', undefined, a.accessToken);
    expect(rotated.status).toBe(200);
    expect(rotated.body.streamKey).not.toBe(creds.body.streamKey);
    const again = await call(t.url, 'GET', '/api/me/channel/credentials', undefined, a.accessToken);
    expect(again.body.streamKey).toBe(rotated.body.streamKey);
    // The old key is gone at the provider, not just in our table.
    await expect(ivsClients(t).channels.send(new GetStreamKeyCommand({ arn: oldKeyArn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('lists past broadcasts newest first with a working cursor', async () => {
    const a = await register(t.url);
    const channelId = (await pg.query('SELECT id FROM channels WHERE name = $1', [a.user.username])).rows[0].id;
    for (let i = 0; i < 5; i++) {
      await pg.query(
        `INSERT INTO streams (channel_id, stream_id, title, started_at, ended_at, created_at)
         VALUES ($1, $2, $3, now() - make_interval(hours => $4), now() - make_interval(hours => $4) + interval '30 minutes', now() - make_interval(hours => $4))`,
        [channelId, `st-test-${a.user.username}-${i}`, `show ${i}`, 5 - i],
      );
    }
    const first = await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((s: { title: string }) => s.title)).toEqual(['show 4', 'show 3']);
    const second = await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((s: { title: string }) => s.title)).toEqual(['show 2', 'show 1']);
    const third = await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body.items.map((s: { title: string }) => s.title)).toEqual(['show 0']);
    expect(third.body.nextCursor).toBeNull();

    expect((await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?limit=500`)).status).toBe(400);
    expect((await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?cursor=garbage`)).status).toBe(400);
    expect((await call(t.url, 'GET', `/api/channels/${a.user.username}/streams?sort=asc`)).status).toBe(400);
    expect((await call(t.url, 'GET', '/api/channels/nobody-at-all/streams')).status).toBe(404);
  });

  it('serves an OpenAPI document describing the REST surface', async () => {
    const doc = await call(t.url, 'GET', '/api/docs/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of [
      '/api/auth/register',
      '/api/auth/login',
      '/api/me',
      '/api/me/channel',
      '/api/me/channel/credentials',
      '/api/me/channel/stream-key/rotate',
      '/api/channels/{name}',
      '/api/channels/{name}/streams',
      '/api/categories',
      '/api/health',
      '/api/stages/{name}/token',
    ]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.paths['/api/auth/register'].post.requestBody.content['application/json'].schema.properties.username).toBeDefined();
  });

  it('reports health of each dependency and 503 when one is down', async () => {
    const ok = await call(t.url, 'GET', '/api/health');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      status: 'ok',
      db: 'up',
      redis: 'not-configured',
      media: 'up',
      mediaProvider: 'local',
      ffmpeg: { status: 'available', source: 'path', version: expect.any(String) },
    });

    const withRedis = await startTestApp({ REDIS_URL: TEST_REDIS_URL }, { db: t.db });
    try {
      const up = await call(withRedis.url, 'GET', '/api/health');
      expect(up.body).toMatchObject({ status: 'ok', redis: 'up' });
    } finally {
      await withRedis.close();
    }

    const withDeadRedis = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1' }, { db: t.db });
    try {
      const degraded = await call(withDeadRedis.url, 'GET', '/api/health');
      expect(degraded.status).toBe(503);
      expect(degraded.body).toMatchObject({ status: 'degraded', db: 'up', redis: 'down' });
    } finally {
      await withDeadRedis.close();
    }
  });

  it('answers unknown API routes with the error shape, not HTML', async () => {
    const res = await call(t.url, 'GET', '/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('request/not-found');
  });
});

describe('a server configured for BASIC channels', () => {
  const t = useTestApp({ IVS_CHANNEL_TYPE: 'BASIC' });

  it('creates BASIC channels at IVS and tells the studio, which picks its broadcast preset from it', async () => {
    const a = await register(t.url);
    const me = await call(t.url, 'GET', '/api/me', undefined, a.accessToken);
    expect(me.body.channel.type).toBe('BASIC');
    const { rows } = await t.pg.query(`SELECT arn, type FROM channels WHERE name = $1`, [a.user.username]);
    expect(rows[0].type).toBe('BASIC');
    const atIvs = await ivsClients(t).channels.send(new GetChannelCommand({ arn: rows[0].arn }));
    expect(atIvs.channel?.type).toBe('BASIC');
  });
});

import { buildRecordingEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import { IvsEventsService } from '../src/ivs-events/ivs-events.service';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

describe('discovery: home, categories, follows, VODs', () => {
  const t = useTestApp();
  const { pg } = t;

  async function goLive(name: string, streamId: string, at: Date) {
    const { rows } = await pg.query('SELECT arn FROM channels WHERE name = $1', [name]);
    const channelArn = rows[0].arn as string;
    await t.app
      .get(IvsEventsService)
      .ingest(buildStreamStateEvent({ name: 'Stream Start', channelArn, channelName: name, streamId, time: at }), 'cli');
    return channelArn;
  }

  it('lists live channels (followed first for the viewer), open stages and recent broadcasts', async () => {
    const alice = await register(t.url);
    const bob = await register(t.url);
    const viewer = await register(t.url);
    await call(t.url, 'PATCH', '/api/me/channel', { title: 'Cooking live', categoryId: 3 }, alice.accessToken);
    await goLive(alice.user.username, `st-${alice.user.username}`, new Date(Date.now() - 60_000));
    await goLive(bob.user.username, `st-${bob.user.username}`, new Date(Date.now() - 30_000));
    await pg.query('UPDATE stages SET is_live = true WHERE name = $1', [bob.user.username]);

    const follow = await call(t.url, 'PUT', `/api/channels/${alice.user.username}/follow`, undefined, viewer.accessToken);
    expect(follow.body).toEqual({ channel: alice.user.username, following: true, followers: 1 });

    const mine = await call(t.url, 'GET', '/api/discover', undefined, viewer.accessToken);
    expect(mine.status).toBe(200);
    const names = mine.body.liveChannels.map((c: { name: string }) => c.name);
    expect(names.indexOf(alice.user.username)).toBe(0);
    expect(names).toContain(bob.user.username);
    expect(mine.body.liveChannels[0]).toMatchObject({
      title: 'Cooking live',
      followed: true,
      category: { slug: 'live-shopping' },
      liveSince: expect.any(String),
    });
    expect(mine.body.openStages.map((s: { name: string }) => s.name)).toContain(bob.user.username);

    // Anonymous (or a stale token): same lists, nothing personal, never a 401.
    const anon = await call(t.url, 'GET', '/api/discover', undefined, 'expired.token.value');
    expect(anon.status).toBe(200);
    expect(anon.body.liveChannels.every((c: { followed: boolean }) => !c.followed)).toBe(true);

    const cat = await call(t.url, 'GET', '/api/categories/live-shopping');
    expect(cat.body.category.name).toBe('Live Shopping');
    expect(cat.body.liveChannels.map((c: { name: string }) => c.name)).toEqual([alice.user.username]);
    expect((await call(t.url, 'GET', '/api/categories/no-such-thing')).status).toBe(404);
    expect((await call(t.url, 'GET', '/api/categories/BAD%20SLUG')).status).toBe(400);
  });

  it('shows a finished recording as a VOD with its playlist URL', async () => {
    const host = await register(t.url);
    const streamId = `st-vod-${host.user.username}`;
    const start = new Date(Date.now() - 600_000);
    const channelArn = await goLive(host.user.username, streamId, start);
    const ingest = t.app.get(IvsEventsService);
    const common = {
      channelArn,
      channelName: host.user.username,
      streamId,
      s3BucketName: 'local',
      s3KeyPrefix: `ivs/v1/123456789012/x/2026/11/22/3/0/${streamId}`,
    };
    await ingest.ingest(
      buildStreamStateEvent({
        name: 'Stream End',
        channelArn,
        channelName: host.user.username,
        streamId,
        time: new Date(start.getTime() + 300_000),
      }),
      'cli',
    );
    await ingest.ingest(
      buildRecordingEvent({ ...common, status: 'Recording End', durationMs: 300_000, time: new Date(start.getTime() + 301_000) }),
      'cli',
    );

    const home = await call(t.url, 'GET', '/api/discover');
    const vod = home.body.recentBroadcasts.find((b: { streamId: string }) => b.streamId === streamId);
    expect(vod).toMatchObject({ channel: { name: host.user.username }, recordingDurationMs: 300_000 });
    expect(vod.recordingUrl).toBe(`${t.config.recordingsBaseUrl}/${common.s3KeyPrefix}/media/hls/master.m3u8`);
    expect(home.body.liveChannels.map((c: { name: string }) => c.name)).not.toContain(host.user.username);

    const one = await call(t.url, 'GET', `/api/vods/${vod.id}`);
    expect(one.body).toMatchObject({ id: vod.id, streamId, channel: { name: host.user.username } });
    expect((await call(t.url, 'GET', '/api/vods/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    // Not an id at all: refused as a bad parameter, before the database is asked.
    const bad = await call(t.url, 'GET', '/api/vods/not-a-uuid');
    expect([bad.status, bad.body.error.message]).toEqual([400, 'id: is not a valid id']);
  });

  it('follows and unfollows; following needs a login and a real channel', async () => {
    const host = await register(t.url);
    const fan = await register(t.url);
    expect((await call(t.url, 'PUT', `/api/channels/${host.user.username}/follow`)).status).toBe(401);
    expect((await call(t.url, 'PUT', '/api/channels/nobody-here/follow', undefined, fan.accessToken)).status).toBe(404);
    await call(t.url, 'PUT', `/api/channels/${host.user.username}/follow`, undefined, fan.accessToken);
    await call(t.url, 'PUT', `/api/channels/${host.user.username}/follow`, undefined, fan.accessToken);
    expect((await call(t.url, 'GET', `/api/channels/${host.user.username}/follow`)).body).toMatchObject({ following: false, followers: 1 });
    expect(
      (await call(t.url, 'GET', '/api/me/follows', undefined, fan.accessToken)).body.channels.map((c: { name: string }) => c.name),
    ).toEqual([host.user.username]);
    const off = await call(t.url, 'DELETE', `/api/channels/${host.user.username}/follow`, undefined, fan.accessToken);
    expect(off.body).toMatchObject({ following: false, followers: 0 });
  });
});

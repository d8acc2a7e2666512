import { randomUUID } from 'node:crypto';
import { buildLimitBreachEvent, buildStreamStateEvent } from '@streamcat/ivs-events';
import { send, waitFor } from './support/sockets';
import { expectOk, join as studioJoin, studio } from './support/studio-client';
import { Account, call, postIvsEvent, register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

describe('moderation panel across two nodes', () => {
  const { a, b, pg } = useTwoNodes();
  let mod: Account;
  const arnOf = async (account: Account) =>
    (await call(a.url, 'GET', '/api/me', undefined, account.accessToken)).body.channel.arn as string;
  async function goLive(owner: Account, at = new Date()) {
    const streamId = `st-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    const res = await postIvsEvent(
      b,
      buildStreamStateEvent({ name: 'Stream Start', channelArn: await arnOf(owner), channelName: owner.user.username, streamId, time: at }),
    );
    expect(res.status).toBeLessThan(300);
    return streamId;
  }

  beforeAll(async () => {
    mod = await register(a.url);
    await a.setRole(mod, 'moderator');
  });

  it('gives moderators a snapshot of live channels and pushes viewers, breaches and offline as they happen', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const start = new Date();
    const streamId = await goLive(owner, start);
    const m = await a.open({ token: mod.accessToken });
    const snap = await send<any>(m, 'moderation:subscribe', {});
    expect(snap.ok).toBe(true);
    expect(snap.ok && snap.data.channels.find((c: any) => c.channel === channel)).toEqual({
      channel,
      title: '',
      host: channel,
      streamId,
      since: start.toISOString(),
      health: 'HEALTHY',
      viewerCount: 0,
      limitBreaches: [],
    });

    // A viewer on the other node: the panel on node A sees the count.
    const viewers = waitFor<any>(m, 'moderation:channel', (p) => p.channel === channel && p.entry?.viewerCount === 1);
    const v = await b.open();
    await send(v, 'watch:join', { channel });
    await viewers;

    const breach = waitFor<any>(m, 'moderation:channel', (p) => p.channel === channel && p.entry?.limitBreaches.length === 1);
    await postIvsEvent(
      b,
      buildLimitBreachEvent({
        resourceArn: await arnOf(owner),
        limitName: 'Bitrate',
        limitValue: 8500000,
        exceededBy: 120000,
        limitUnit: 'bps',
        time: new Date(start.getTime() + 1000),
      }),
    );
    expect((await breach).entry.limitBreaches[0]).toMatchObject({ limitName: 'Bitrate', exceededBy: 120000 });

    const gone = waitFor<any>(m, 'moderation:channel', (p) => p.channel === channel && p.entry === null);
    await postIvsEvent(
      b,
      buildStreamStateEvent({
        name: 'Stream End',
        channelArn: await arnOf(owner),
        channelName: channel,
        streamId,
        time: new Date(start.getTime() + 2000),
      }),
    );
    await gone;
  });

  it('refuses the feed and every action to anyone but site staff: auth/forbidden, no change, no audit row', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    await goLive(owner);
    const keyBefore = (await call(a.url, 'GET', '/api/me/channel/credentials', undefined, owner.accessToken)).body.streamKey;
    const auditBefore = await pg.count('moderation_audit');
    const sanctionsBefore = await pg.count('chat_sanctions');
    for (const auth of [{}, { token: viewer.accessToken }, { token: owner.accessToken }] as Record<string, string>[]) {
      const s = await b.open(auth);
      for (const [event, payload] of [
        ['moderation:subscribe', {}],
        ['moderation:unsubscribe', {}],
        ['moderation:stop-stream', { channel, rotateKey: true, reason: 'test' }],
        ['moderation:remove-member', { stage: channel, memberId: owner.user.id, reason: 'test' }],
        ['moderation:close-realtime', { stage: channel, reason: 'test' }],
        ['moderation:ban-site', { username: viewer.user.username, reason: 'test' }],
        ['moderation:unban-site', { username: viewer.user.username }],
      ] as const) {
        expect(await send(s, event, payload)).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
      }
    }
    expect(await pg.count('moderation_audit')).toBe(auditBefore);
    expect(await pg.count('chat_sanctions')).toBe(sanctionsBefore);
    expect((await call(a.url, 'GET', '/api/me/channel/credentials', undefined, owner.accessToken)).body.streamKey).toBe(keyBefore);
    expect((await call(a.url, 'GET', `/api/channels/${channel}`)).body.isLive).toBe(true);

    expect((await call(a.url, 'GET', '/api/moderation/audit', undefined, viewer.accessToken)).status).toBe(403);
    expect((await call(a.url, 'GET', '/api/moderation/audit')).status).toBe(401);
  });

  it('stops a stream and rotates its key, and audits every action, listed newest first with pagination', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    await goLive(owner);
    const keyBefore = (await call(a.url, 'GET', '/api/me/channel/credentials', undefined, owner.accessToken)).body.streamKey;
    const m = await b.open({ token: mod.accessToken });
    await send(m, 'moderation:subscribe', {});
    const o = await a.open({ token: owner.accessToken });
    await send(o, 'watch:join', { channel });
    const msg = await send<any>(o, 'chat:send', { channel, text: 'hello' });

    const stop = await send<any>(m, 'moderation:stop-stream', { channel, rotateKey: true, reason: 'prohibited content' });
    expect(stop).toMatchObject({ ok: true, data: { keyRotated: true } });
    const keyAfter = (await call(a.url, 'GET', '/api/me/channel/credentials', undefined, owner.accessToken)).body.streamKey;
    expect(keyAfter).not.toBe(keyBefore);

    const announced = waitFor<any>(m, 'moderation:audit', (e) => e.action === 'slow-mode');
    const acts: [string, Record<string, unknown>][] = [
      ['chat:delete', { channel, messageId: msg.ok && msg.data.id, reason: 'off topic' }],
      ['chat:timeout', { channel, username: viewer.user.username, seconds: 60, reason: 'cool off' }],
      ['chat:ban', { channel, username: viewer.user.username, reason: 'abuse' }],
      ['chat:unban', { channel, username: viewer.user.username, reason: 'appeal' }],
      ['moderation:ban-site', { username: viewer.user.username, reason: 'bot network', seconds: 600 }],
      ['moderation:unban-site', { username: viewer.user.username, reason: 'false positive' }],
      ['chat:slow-mode', { channel, seconds: 15, reason: 'raid' }],
    ];
    for (const [event, payload] of acts) expect((await send(m, event, payload)).ok).toBe(true);
    expect(await announced).toMatchObject({ actor: { username: mod.user.username }, action: 'slow-mode', details: { seconds: 15 } });

    const page1 = await call(a.url, 'GET', '/api/moderation/audit?limit=4', undefined, mod.accessToken);
    expect(page1.status).toBe(200);
    const page2 = await call(a.url, 'GET', `/api/moderation/audit?limit=4&cursor=${page1.body.nextCursor}`, undefined, mod.accessToken);
    const mine = [...page1.body.items, ...page2.body.items].filter(
      (e: any) => e.channel === channel || e.target.name === viewer.user.username,
    );
    expect(mine.map((e: any) => e.action)).toEqual([
      'slow-mode',
      'unban-site',
      'ban-site',
      'unban',
      'ban',
      'timeout',
      'delete-message',
      'stop-stream',
    ]);
    for (const e of mine) {
      expect(e.actor).toEqual({ id: mod.user.id, username: mod.user.username });
      expect(Date.parse(e.at)).toBeGreaterThan(Date.now() - 60_000);
    }
    expect(mine.find((e: any) => e.action === 'stop-stream')).toMatchObject({
      target: { kind: 'channel', name: channel },
      reason: 'prohibited content',
      details: { keyRotated: true },
    });
    expect(mine.find((e: any) => e.action === 'ban')).toMatchObject({
      target: { kind: 'user', id: viewer.user.id, name: viewer.user.username },
      reason: 'abuse',
    });
    expect(mine.find((e: any) => e.action === 'delete-message')).toMatchObject({ target: { kind: 'message' }, reason: 'off topic' });
    expect((await call(a.url, 'GET', '/api/moderation/audit?limit=0', undefined, mod.accessToken)).status).toBe(400);
  });

  it('shows open stages with their members, and disconnects a participant or closes real-time viewing, audited', async () => {
    const host = await register(a.url);
    const guest = await register(a.url);
    const stage = host.user.username;
    const h = await a.open({ token: host.accessToken });
    await studioJoin(h, stage);
    const g = await b.open({ token: guest.accessToken });
    const invited = waitFor<any>(g, 'studio:invited');
    const inv = expectOk(await studio<any>(h, 'studio:invite', { stage, username: guest.user.username, role: 'guest' }));
    await invited;
    expectOk(await studio(g, 'studio:invite-respond', { stage, inviteId: inv.inviteId, accept: true }));
    expectOk(await studio(h, 'studio:realtime', { stage, open: true }));

    const m = await a.open({ token: mod.accessToken });
    const snap = await send<any>(m, 'moderation:subscribe', {});
    const entry = snap.ok && snap.data.stages.find((s: any) => s.stage === stage);
    expect(entry).toMatchObject({ stage, host: stage, realtime: 'open' });
    expect(entry.members.map((x: any) => x.displayName).sort()).toEqual([guest.user.username, host.user.username].sort());
    const guestMember = entry.members.find((x: any) => x.kind === 'user' && x.displayName === guest.user.username);

    const removedPushed = waitFor<any>(m, 'moderation:stage', (p) => p.stage === stage && p.entry && p.entry.members.length === 1);
    expect(await send(m, 'moderation:remove-member', { stage, memberId: guestMember.memberId, reason: 'harassment' })).toEqual({
      ok: true,
      data: { removed: true },
    });
    await removedPushed;

    const closedPushed = waitFor<any>(
      m,
      'moderation:stage',
      (p) => p.stage === stage && (p.entry === null || p.entry.realtime === 'closed'),
    );
    expect(await send(m, 'moderation:close-realtime', { stage, reason: 'unsafe' })).toEqual({ ok: true, data: { closed: true } });
    await closedPushed;
    expect((await pg.query(`SELECT is_live FROM stages WHERE name = $1`, [stage])).rows[0].is_live).toBe(false);

    const audit = await call(a.url, 'GET', '/api/moderation/audit?limit=10', undefined, mod.accessToken);
    const mine = audit.body.items.filter((e: any) => e.target.name === stage);
    expect(mine.map((e: any) => [e.action, e.reason])).toEqual([
      ['close-realtime', 'unsafe'],
      ['remove-member', 'harassment'],
    ]);
  });
});

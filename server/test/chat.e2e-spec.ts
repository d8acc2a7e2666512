import { randomUUID } from 'node:crypto';
import { buildStreamStateEvent } from '@streamcat/ivs-events';
import { nextEvent, send } from './support/sockets';
import { Account, call, postIvsEvent, register } from './support/test-app';
import { LiveTestApp, useTwoNodes } from './support/use-test-app';

describe('chat across two nodes', () => {
  const { a, b, pg } = useTwoNodes();
  /** A socket of this account that has joined the channel's watch room. */
  const watcher = async (node: LiveTestApp, account: Account | null, channel: string) => {
    const s = await node.open(account ? { token: account.accessToken } : {});
    const joined = await send<any>(s, 'watch:join', { channel });
    if (!joined.ok) throw new Error(JSON.stringify(joined));
    return { socket: s, state: joined.data };
  };
  const login = async (base: string, account: Account) => {
    const res = await call<{ accessToken: string }>(base, 'POST', '/api/auth/login', {
      username: account.user.username,
      password: account.password,
    });
    expect(res.status).toBe(200);
    return res.body.accessToken;
  };

  it('delivers messages both ways between a viewer on node A and the owner on node B, tied to the live broadcast', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const me = await call(a.url, 'GET', '/api/me', undefined, owner.accessToken);
    const streamId = `st-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
    await postIvsEvent(
      a,
      buildStreamStateEvent({ name: 'Stream Start', channelArn: me.body.channel.arn, channelName: channel, streamId, time: new Date() }),
    );

    const v = await watcher(a, viewer, channel);
    const o = await watcher(b, owner, channel);
    expect(v.state.me).toEqual({ canChat: true, canModerate: false, sanction: null });
    expect(o.state.me).toEqual({ canChat: true, canModerate: true, sanction: null });

    const atOwner = nextEvent<any>(o.socket, 'chat:message');
    const sent = await send<any>(v.socket, 'chat:send', { channel, text: '  hello from A  ' });
    expect(sent).toMatchObject({ ok: true, data: { channel, streamId, text: 'hello from A', user: { username: viewer.user.username } } });
    expect(await atOwner).toEqual(sent.ok && sent.data);

    const atViewer = nextEvent<any>(v.socket, 'chat:message');
    const reply = await send<any>(o.socket, 'chat:send', { channel, text: 'hi from B' });
    expect(reply.ok).toBe(true);
    expect(await atViewer).toMatchObject({ text: 'hi from B', user: { username: channel }, streamId });

    // History on join and the public replay of that broadcast, oldest first.
    const late = await watcher(b, null, channel);
    expect(late.state.chat.history.map((m: any) => m.text)).toEqual(['hello from A', 'hi from B']);
    const replay = await call(a.url, 'GET', `/api/channels/${channel}/chat?streamId=${streamId}&limit=1`);
    expect(replay.status).toBe(200);
    expect(replay.body.items.map((m: any) => m.text)).toEqual(['hello from A']);
    const next = await call(a.url, 'GET', `/api/channels/${channel}/chat?streamId=${streamId}&limit=1&cursor=${replay.body.nextCursor}`);
    expect(next.body.items.map((m: any) => m.text)).toEqual(['hi from B']);
    expect((await call(a.url, 'GET', `/api/channels/${channel}/chat?streamId=st-other`)).body.items).toEqual([]);
    expect((await call(a.url, 'GET', `/api/channels/${channel}/chat?limit=5000`)).status).toBe(400);
  });

  it('requires a login and at most 500 characters, and writes nothing otherwise', async () => {
    const owner = await register(a.url);
    const channel = owner.user.username;
    const anon = await watcher(a, null, channel);
    const before = await pg.count('chat_messages');
    expect(await send(anon.socket, 'chat:send', { channel, text: 'hi' })).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
    const v = await watcher(a, await register(a.url), channel);
    expect(await send(v.socket, 'chat:send', { channel, text: 'x'.repeat(501) })).toMatchObject({
      ok: false,
      error: { code: 'request/invalid' },
    });
    expect(await send(v.socket, 'chat:send', { channel, text: '    ' })).toMatchObject({ ok: false, error: { code: 'request/invalid' } });
    expect(await pg.count('chat_messages')).toBe(before);
    expect(await send(v.socket, 'chat:send', { channel, text: 'é'.repeat(500) })).toMatchObject({ ok: true });
  });

  it('limits how fast one account sends, across tabs on different nodes', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const tabA = await watcher(a, viewer, channel);
    const tabB = await watcher(b, viewer, channel);
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await send<any>(i % 2 ? tabB.socket : tabA.socket, 'chat:send', { channel, text: `msg ${i}` }));
    expect(results.slice(0, 5).every((r) => r.ok)).toBe(true);
    expect(results[5]).toMatchObject({ ok: false, error: { code: 'chat/rate-limited' } });
  });

  it('enforces slow mode on the server, on every node, except for the owner', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const o = await watcher(a, owner, channel);
    const v = await watcher(b, viewer, channel);

    expect(await send(v.socket, 'chat:slow-mode', { channel, seconds: 30 })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });
    const pushed = nextEvent<any>(v.socket, 'chat:slow-mode');
    expect(await send(o.socket, 'chat:slow-mode', { channel, seconds: 30 })).toEqual({ ok: true, data: { seconds: 30 } });
    expect(await pushed).toEqual({ channel, seconds: 30 });

    expect((await send(v.socket, 'chat:send', { channel, text: 'first' })).ok).toBe(true);
    const second = await send<any>(v.socket, 'chat:send', { channel, text: 'second' });
    expect(second).toMatchObject({ ok: false, error: { code: 'chat/slow-mode' } });
    expect(Number(!second.ok && second.error.details?.[0].message)).toBeGreaterThan(25);
    // Another tab on the other node is held back the same way.
    const otherTab = await watcher(a, viewer, channel);
    expect(await send(otherTab.socket, 'chat:send', { channel, text: 'sneaky' })).toMatchObject({
      ok: false,
      error: { code: 'chat/slow-mode' },
    });
    expect((await send(o.socket, 'chat:send', { channel, text: 'owner 1' })).ok).toBe(true);
    expect((await send(o.socket, 'chat:send', { channel, text: 'owner 2' })).ok).toBe(true);
    expect((await watcher(a, null, channel)).state.chat.slowModeSeconds).toBe(30);

    await send(o.socket, 'chat:slow-mode', { channel, seconds: 0 });
    expect((await send(v.socket, 'chat:send', { channel, text: 'free again' })).ok).toBe(true);
  });

  it('makes a ban stick to the account: new login token, other node, other tab; unban and time-out expiry restore sending', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const channel = owner.user.username;
    const o = await watcher(a, owner, channel);
    const v = await watcher(a, viewer, channel);
    const msg = await send<any>(v.socket, 'chat:send', { channel, text: 'buy cheap followers' });
    expect(msg.ok).toBe(true);

    // The owner deletes the message (everyone sees it go) and bans the author.
    const gone = nextEvent<any>(v.socket, 'chat:deleted');
    expect(await send(o.socket, 'chat:delete', { channel, messageId: msg.ok && msg.data.id })).toEqual({
      ok: true,
      data: { deleted: true },
    });
    expect(await gone).toEqual({ channel, messageId: msg.ok && msg.data.id });
    const notified = nextEvent<any>(v.socket, 'chat:sanction');
    const ban = await send<any>(o.socket, 'chat:ban', { channel, username: viewer.user.username, reason: 'spam links' });
    expect(ban).toEqual({ ok: true, data: { kind: 'ban', scope: 'channel', reason: 'spam links', until: null } });
    expect(await notified).toEqual({ channel, sanction: ban.ok && ban.data });

    const refused = await send<any>(v.socket, 'chat:send', { channel, text: 'let me back' });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'chat/banned',
        details: [
          { path: 'reason', message: 'spam links' },
          { path: 'scope', message: 'channel' },
        ],
      },
    });
    expect(!refused.ok && refused.error.message).toMatch(/spam links/);

    // Reload with a brand-new login token, on the other node, and in a second tab.
    const fresh = { ...viewer, accessToken: await login(b.url, viewer) };
    const reloaded = await watcher(b, fresh, channel);
    expect(reloaded.state.me).toEqual({
      canChat: false,
      canModerate: false,
      sanction: { kind: 'ban', scope: 'channel', reason: 'spam links', until: null },
    });
    expect(reloaded.state.chat.history.map((m: any) => m.text)).not.toContain('buy cheap followers');
    expect(await send(reloaded.socket, 'chat:send', { channel, text: 'new token' })).toMatchObject({
      ok: false,
      error: { code: 'chat/banned' },
    });
    const tab2 = await watcher(a, fresh, channel);
    expect(await send(tab2.socket, 'chat:send', { channel, text: 'new tab' })).toMatchObject({ ok: false, error: { code: 'chat/banned' } });

    // Another channel is not affected by a channel ban.
    const elsewhere = await register(a.url);
    expect((await send(reloaded.socket, 'watch:join', { channel: elsewhere.user.username })).ok).toBe(true);
    expect((await send(reloaded.socket, 'chat:send', { channel: elsewhere.user.username, text: 'hello there' })).ok).toBe(true);

    // Unban restores sending; the lifted sanction is pushed to the user's tabs.
    const lifted = nextEvent<any>(tab2.socket, 'chat:sanction');
    expect(await send(o.socket, 'chat:unban', { channel, username: viewer.user.username })).toEqual({ ok: true, data: { lifted: 1 } });
    expect(await lifted).toEqual({ channel, sanction: null });
    expect((await send(reloaded.socket, 'chat:send', { channel, text: 'thanks' })).ok).toBe(true);

    // A time-out ends by itself.
    const timeout = await send<any>(o.socket, 'chat:timeout', {
      channel,
      username: viewer.user.username,
      seconds: 60,
      reason: 'cool down',
    });
    expect(timeout).toMatchObject({ ok: true, data: { kind: 'timeout', scope: 'channel', reason: 'cool down' } });
    expect(Date.parse(timeout.ok && timeout.data.until) - Date.now()).toBeGreaterThan(50_000);
    expect(await send(tab2.socket, 'chat:send', { channel, text: 'still here' })).toMatchObject({
      ok: false,
      error: { code: 'chat/timed-out' },
    });
    // Chat reads time from PostgreSQL (one clock for every node): its end moved into the past stands in for a minute's wait.
    await pg.query(
      `UPDATE chat_sanctions SET expires_at = clock_timestamp() - interval '1 second' WHERE user_id = $1 AND kind = 'timeout'`,
      [viewer.user.id],
    );
    expect((await send(tab2.socket, 'chat:send', { channel, text: 'back again' })).ok).toBe(true);
  });

  it('applies a site-wide ban to every channel until a moderator lifts it; owners cannot lift it or sanction staff', async () => {
    const owner1 = await register(a.url);
    const owner2 = await register(a.url);
    const viewer = await register(a.url);
    const mod = await register(a.url);
    await a.setRole(mod, 'moderator');
    const m = await b.open({ token: mod.accessToken });
    expect(await send(m, 'moderation:ban-site', { username: viewer.user.username, reason: 'ban evasion' })).toEqual({
      ok: true,
      data: { kind: 'ban', scope: 'site', reason: 'ban evasion', until: null },
    });

    for (const owner of [owner1, owner2]) {
      const v = await watcher(a, viewer, owner.user.username);
      expect(v.state.me.sanction).toMatchObject({ kind: 'ban', scope: 'site' });
      expect(await send(v.socket, 'chat:send', { channel: owner.user.username, text: 'hi' })).toMatchObject({
        ok: false,
        error: { code: 'chat/banned', message: expect.stringMatching(/ban evasion/) },
      });
    }
    const o1 = await watcher(a, owner1, owner1.user.username);
    expect(await send(o1.socket, 'chat:unban', { channel: owner1.user.username, username: viewer.user.username })).toEqual({
      ok: true,
      data: { lifted: 0 },
    });
    expect(await send(o1.socket, 'chat:ban', { channel: owner1.user.username, username: mod.user.username, reason: 'nope' })).toMatchObject(
      {
        ok: false,
        error: { code: 'chat/cannot-sanction' },
      },
    );
    expect(await send(o1.socket, 'moderation:unban-site', { username: viewer.user.username })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });

    expect(await send(m, 'moderation:unban-site', { username: viewer.user.username, reason: 'appeal accepted' })).toEqual({
      ok: true,
      data: { lifted: 1 },
    });
    const v = await watcher(b, viewer, owner2.user.username);
    expect((await send(v.socket, 'chat:send', { channel: owner2.user.username, text: 'I am back' })).ok).toBe(true);
  });

  it('refuses moderation of a channel to viewers, with no state change', async () => {
    const owner = await register(a.url);
    const viewer = await register(a.url);
    const other = await register(a.url);
    const channel = owner.user.username;
    const o = await watcher(a, owner, channel);
    const msg = await send<any>(o.socket, 'chat:send', { channel, text: 'welcome' });
    const v = await watcher(b, viewer, channel);
    const snapshot = async () => [await pg.count('chat_sanctions'), await pg.count('moderation_audit'), await pg.count('chat_settings')];
    const before = await snapshot();
    for (const [event, payload] of [
      ['chat:delete', { channel, messageId: msg.ok && msg.data.id }],
      ['chat:ban', { channel, username: other.user.username, reason: 'x' }],
      ['chat:timeout', { channel, username: other.user.username, seconds: 60, reason: 'x' }],
      ['chat:unban', { channel, username: other.user.username }],
      ['chat:slow-mode', { channel, seconds: 10 }],
    ] as const) {
      expect(await send(v.socket, event, payload)).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
    }
    expect(await snapshot()).toEqual(before);
    expect((await watcher(a, null, channel)).state.chat.history.map((x: any) => x.text)).toEqual(['welcome']);
  });
});

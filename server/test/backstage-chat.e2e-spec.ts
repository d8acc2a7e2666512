import type { Socket } from 'socket.io-client';
import type { Ack, BackstageMessage, WatchState } from '@streamcat/protocol';
import { disconnected, roundTrip, send, waitFor } from './support/sockets';
import { commandId, expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

/**
 * The studio's private backstage chat, on two server nodes sharing PostgreSQL and Redis:
 * who may write and read it, what is stored, what is pushed to whom, and that studio
 * members can follow the viewers' chat without being counted as viewers.
 */
describe('backstage chat (two nodes, real PostgreSQL and Redis)', () => {
  const { a, b, pg } = useTwoNodes();
  let moderator: Account;

  beforeAll(async () => {
    moderator = await register(a.url);
    await a.setRole(moderator, 'moderator');
  });

  const backstageSend = (s: Socket, stage: string, text: unknown, id = commandId()) =>
    send<BackstageMessage>(s, 'studio:backstage-send', { stage, commandId: id, text });
  const history = (s: Socket, stage: string) => send<{ messages: BackstageMessage[] }>(s, 'studio:backstage-history', { stage });
  const stored = async (stageId: string) =>
    (await pg.query('SELECT count(*)::int AS n FROM studio_backstage_messages WHERE stage_id = $1', [stageId])).rows[0].n as number;

  /** Collects every backstage push a socket receives. */
  function inbox(s: Socket): BackstageMessage[] {
    const got: BackstageMessage[] = [];
    s.on('studio:backstage-message', (m: BackstageMessage) => got.push(m));
    return got;
  }

  function refused(ack: Ack<unknown>): { code: string; message: string } {
    if (ack.ok) throw new Error(`expected a refusal, got ${JSON.stringify(ack.data)}`);
    return ack.error;
  }

  /**
   * A host on node A; on node B a registered co-host (live invite) and an admitted link guest;
   * all three in the studio room. Also a green-room guest still waiting (guest token, node B).
   */
  async function show() {
    const host = await register(a.url);
    const cohost = await register(b.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    const { stageId } = await join(hs, stage);
    const cs = await b.open({ token: cohost.accessToken });
    await seat(hs, cs, stage, cohost.user.username, 'cohost');
    await join(cs, stage);

    const link = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 2, expiresInMinutes: 10 }));
    const guest = (await call(b.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Gail Guest' })).body as {
      guestId: string;
      guestToken: string;
    };
    expectOk(await studio(hs, 'studio:admit', { stage, guestId: guest.guestId, admit: true }));
    const gs = await b.open({ guestToken: guest.guestToken });
    await join(gs, stage);

    const waiting = (await call(b.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Wally Waiting' })).body as {
      guestId: string;
      guestToken: string;
    };
    return { host, cohost, stage, stageId, hs, cs, gs, guest, waiting };
  }

  it('a member’s message is stored once and pushed to every member on both nodes, signed with their name and role', async () => {
    const { host, cohost, stage, stageId, hs, cs, gs, guest } = await show();
    const ms = await b.open({ token: moderator.accessToken });
    await join(ms, stage);

    const onCohost = waitFor<BackstageMessage>(cs, 'studio:backstage-message');
    const onGuest = waitFor<BackstageMessage>(gs, 'studio:backstage-message');
    const onModerator = waitFor<BackstageMessage>(ms, 'studio:backstage-message');
    const sent = expectOk(await backstageSend(hs, stage, '  We go live in two minutes.  '));
    expect(sent).toMatchObject({
      stageId,
      memberId: host.user.id,
      displayName: host.user.username,
      role: 'host',
      text: 'We go live in two minutes.',
    });
    expect(Math.abs(Date.parse(sent.sentAt) - Date.now())).toBeLessThan(10_000);
    for (const got of await Promise.all([onCohost, onGuest, onModerator])) expect(got).toEqual(sent);

    // The link guest and the co-host (node B) write too; the host (node A) reads them.
    const fromGuest = waitFor<BackstageMessage>(hs, 'studio:backstage-message', (m) => m.memberId === guest.guestId);
    expectOk(await backstageSend(gs, stage, 'My camera is on.'));
    expect(await fromGuest).toMatchObject({ displayName: 'Gail Guest', role: 'guest', text: 'My camera is on.' });
    const fromCohost = waitFor<BackstageMessage>(hs, 'studio:backstage-message', (m) => m.memberId === cohost.user.id);
    expectOk(await backstageSend(cs, stage, 'Mic check ✓ — multi-line\nworks'));
    expect(await fromCohost).toMatchObject({ displayName: cohost.user.username, role: 'cohost', text: 'Mic check ✓ — multi-line\nworks' });

    expect(await stored(stageId)).toBe(3);
    // Staff read it (they may look into any studio) but hold no seat to write from.
    const modHistory = expectOk(await history(ms, stage)).messages;
    expect(modHistory.map((m) => m.role)).toEqual(['host', 'guest', 'cohost']);
    const staff = refused(await backstageSend(ms, stage, 'Hello from the moderators'));
    expect(staff.code).toBe('auth/forbidden');
    expect(staff.message).toMatch(/staff can read/i);
    expect(await stored(stageId)).toBe(3);
  });

  it('a retried send (same commandId) is stored and pushed once, and answers with the first message', async () => {
    const { stage, stageId, hs, cs } = await show();
    const seen = inbox(cs);
    const id = commandId('retry');
    const first = expectOk(await backstageSend(hs, stage, 'once', id));
    const again = expectOk(await backstageSend(hs, stage, 'once (retried, even with other text)', id));
    expect(again).toEqual(first);
    // Pushes to one socket arrive in order: once the barrier is in, any second push would be too.
    const barrier = waitFor<BackstageMessage>(cs, 'studio:backstage-message', (m) => m.text === 'barrier');
    expectOk(await backstageSend(hs, stage, 'barrier'));
    await barrier;
    expect(seen.map((m) => m.text)).toEqual(['once', 'barrier']);
    expect(await stored(stageId)).toBe(2);
  });

  it('history: after a reconnect a member gets what they missed, oldest first, and hears new messages without rejoining', async () => {
    const { cohost, stage, hs, cs, gs } = await show();
    const texts = ['one', 'two', 'three'];
    for (const t of texts) expectOk(await backstageSend(hs, stage, t));
    cs.close();
    expectOk(await backstageSend(gs, stage, 'while you were away'));

    const back = await a.open({ token: cohost.accessToken });
    const got = expectOk(await history(back, stage)).messages;
    expect(got.map((m) => m.text)).toEqual([...texts, 'while you were away']);
    expect(got.map((m) => m.sentAt)).toEqual([...got.map((m) => m.sentAt)].sort());

    // History joined the studio room first: the next message is pushed, no studio:join needed.
    const next = waitFor<BackstageMessage>(back, 'studio:backstage-message');
    expectOk(await backstageSend(gs, stage, 'welcome back'));
    expect((await next).text).toBe('welcome back');
  });

  it('history returns the latest 100 messages, oldest first', async () => {
    const { host, stage, stageId, hs } = await show();
    await pg.query(
      `INSERT INTO studio_backstage_messages (stage_id, sender_key, command_id, member_id, display_name, role, text, sent_at)
       SELECT $1, 'user:' || $2, 'seed' || i, $2, 'seeded', 'host', 'message ' || i, now() - make_interval(secs => 200 - i)
       FROM generate_series(1, 120) AS i`,
      [stageId, host.user.id],
    );
    const got = expectOk(await history(hs, stage)).messages;
    expect(got).toHaveLength(100);
    expect(got[0].text).toBe('message 21');
    expect(got[99].text).toBe('message 120');
  });

  it('a viewer, a green-room guest and an anonymous visitor are refused with a sentence; nothing is stored or pushed to them', async () => {
    const { stage, stageId, hs, cs, waiting } = await show();
    const viewer = await register(a.url);
    const outsiders = {
      viewer: await a.open({ token: viewer.accessToken }),
      'green room': await b.open({ guestToken: waiting.guestToken }),
      anonymous: await b.open(),
    };
    const heard = Object.values(outsiders).map(inbox);
    for (const [who, s] of Object.entries(outsiders)) {
      const w = refused(await backstageSend(s, stage, `hello from the ${who}`));
      expect([who, w.code]).toEqual([who, 'auth/forbidden']);
      expect(w.message).toMatch(/\.$/);
      const r = refused(await history(s, stage));
      expect([who, r.code]).toEqual([who, 'auth/forbidden']);
    }
    expect(refused(await backstageSend(outsiders['green room'], stage, 'let me in')).message).toMatch(/green room/);
    expect(refused(await backstageSend(outsiders.anonymous, stage, 'hi')).message).toMatch(/only people in this studio/i);
    expect(await stored(stageId)).toBe(0);

    // Once a member on each node has it, and each outsider has had an answer since, a push to them would have arrived.
    const delivered = [hs, cs].map((member) => waitFor<BackstageMessage>(member, 'studio:backstage-message'));
    expectOk(await backstageSend(hs, stage, 'members only'));
    await Promise.all(delivered);
    for (const s of Object.values(outsiders)) await roundTrip(s);
    expect(heard.flat()).toEqual([]);
  });

  it('bad payloads get an error ack and store nothing', async () => {
    const { stage, stageId, hs } = await show();
    const cases: [unknown, string][] = [
      [{ stage, commandId: commandId(), text: '' }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: '   \n\t ' }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: 'x'.repeat(501) }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: 'null \u0000 byte' }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: 42 }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: ['a'] }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: null }, 'request/invalid'],
      [{ stage, commandId: commandId() }, 'request/invalid'],
      [{ stage, text: 'no command id' }, 'request/invalid'],
      [{ stage, commandId: 'short', text: 'bad command id' }, 'request/invalid'],
      [{ stage: 7, commandId: commandId(), text: 'stage is a number' }, 'request/invalid'],
      [{ stage: 'no such stage!', commandId: commandId(), text: 'bad stage name' }, 'request/invalid'],
      [{ stage, commandId: commandId(), text: 'extra field', role: 'host' }, 'request/invalid'],
      ['just a string', 'request/invalid'],
      [[stage, 'hello'], 'request/invalid'],
      [{ stage, commandId: commandId(), text: 'y'.repeat(9000) }, 'request/too-large'],
    ];
    for (const [payload, code] of cases) {
      const ack = await send(hs, 'studio:backstage-send', payload);
      expect([payload, ack.ok || ack.error.code]).toEqual([payload, code]);
    }
    const bad = refused(await send(hs, 'studio:backstage-send', { stage, commandId: commandId(), text: 'x'.repeat(501) }));
    expect(bad.message).toMatch(/at most 500 characters/);
    // Exactly 500 characters (after trimming) is fine; a stage that does not exist is a 404.
    expectOk(await backstageSend(hs, stage, ` ${'z'.repeat(500)} `));
    expect(refused(await backstageSend(hs, 'nosuchstage', 'hello')).code).toBe('stage/not-found');
    expect(refused(await send(hs, 'studio:backstage-history', { stage, extra: 1 })).code).toBe('request/invalid');
    expect(await stored(stageId)).toBe(1);
  });

  it('a removed member can no longer send, read the history, or hear new messages', async () => {
    const { host, cohost, stage, stageId, hs, cs, gs, guest } = await show();
    expectOk(await backstageSend(cs, stage, 'before removal'));
    const heardByCohost = inbox(cs);

    const guestDropped = disconnected(gs);
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: cohost.user.id, reason: 'test' }));
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guest.guestId, reason: 'test' }));
    await guestDropped;

    const w = refused(await backstageSend(cs, stage, 'after removal'));
    expect(w).toMatchObject({ code: 'studio/removed', message: 'You were removed from this show.' });
    expect(refused(await history(cs, stage)).code).toBe('studio/removed');
    // The link guest's token still verifies, but their seat is gone.
    const gs2 = await b.open({ guestToken: guest.guestToken });
    expect(refused(await backstageSend(gs2, stage, 'still here?')).code).toBe('studio/removed');

    // The host's second tab sits on the co-host's node: once it has the message and the co-host an answer, nothing more is coming.
    const hostOnB = await b.open({ token: host.accessToken });
    await join(hostOnB, stage);
    const delivered = waitFor<BackstageMessage>(hostOnB, 'studio:backstage-message', (m) => m.text === 'after they left');
    expectOk(await backstageSend(hs, stage, 'after they left'));
    await delivered;
    await roundTrip(cs);
    expect(heardByCohost).toEqual([]);
    expect(await stored(stageId)).toBe(2);
  });

  it('studio members follow the viewers’ chat with watch:join as "studio" without being counted; others cannot', async () => {
    const { stage, hs, gs } = await show();
    const viewer = await register(a.url);
    const vs = await a.open({ token: viewer.accessToken });
    expect(expectOk(await send<WatchState>(vs, 'watch:join', { channel: stage })).channel.viewerCount).toBe(1);

    const hostView = expectOk(await send<WatchState>(hs, 'watch:join', { channel: stage, as: 'studio' }));
    expect(hostView.channel.viewerCount).toBe(1);
    expect(hostView.me).toMatchObject({ canChat: true, canModerate: true });
    const guestView = expectOk(await send<WatchState>(gs, 'watch:join', { channel: stage, as: 'studio' }));
    expect(guestView.channel.viewerCount).toBe(1);
    expect(guestView.me.canChat).toBe(false);

    // A second real viewer counts; the studio members still do not.
    const other = await b.open();
    expect(expectOk(await send<WatchState>(other, 'watch:join', { channel: stage })).channel.viewerCount).toBe(2);

    // The host sees viewers' messages live, and the count moves only with real viewers leaving.
    const heard = waitFor<{ text: string }>(hs, 'chat:message');
    expectOk(await send(vs, 'chat:send', { channel: stage, text: 'Hello studio!' }));
    expect((await heard).text).toBe('Hello studio!');
    expectOk(await send(hs, 'watch:leave', { channel: stage }));
    expect(expectOk(await send<WatchState>(other, 'watch:join', { channel: stage })).channel.viewerCount).toBe(2);

    // Someone without a seat cannot use the flag to lurk uncounted.
    const outsider = refused(await send(vs, 'watch:join', { channel: stage, as: 'studio' }));
    expect(outsider.code).toBe('studio/not-member');
    expect(refused(await send(other, 'watch:join', { channel: stage, as: 'lurker' })).code).toBe('request/invalid');
  });
});

import type { Socket } from 'socket.io-client';
import type { ChatMessage, CommentWithdrawn, StudioDocument, StudioSnapshot } from '@streamcat/protocol';
import { roundTrip, send, waitFor } from './support/sockets';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

type Changed = { version: number; change: { type: string; by: string; subject?: string }; document: StudioDocument };

/**
 * Comments on screen, on two nodes sharing PostgreSQL and Redis: a host on node A shows a
 * viewer's chat message; moderation on node B (a deleted message, a banned or timed-out author)
 * takes it off the studio document at once; guests and foreign or moderated messages are refused.
 */
describe('comment on screen (two nodes, real PostgreSQL and Redis)', () => {
  const { a, b, pg } = useTwoNodes();
  let moderator: Account;

  beforeAll(async () => {
    moderator = await register(a.url);
    await a.setRole(moderator, 'moderator');
  });

  /** A host in their studio on node A, a co-host and a link guest seated; a moderator's socket on node B. */
  async function show() {
    const host = await register(a.url);
    const cohost = await register(a.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    await join(hs, stage);
    const cs = await a.open({ token: cohost.accessToken });
    await seat(hs, cs, stage, cohost.user.username, 'cohost');
    await join(cs, stage);
    const link = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 1, expiresInMinutes: 10 }));
    const guest = (await call(a.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Gail Guest' })).body as {
      guestId: string;
      guestToken: string;
    };
    expectOk(await studio(hs, 'studio:admit', { stage, guestId: guest.guestId, admit: true }));
    const gs = await a.open({ guestToken: guest.guestToken });
    await join(gs, stage);
    const ms = await b.open({ token: moderator.accessToken });
    return { host, stage, hs, cs, gs, ms };
  }

  /** A new viewer (on node B) who writes `text` in `channel`'s chat. */
  async function viewerSays(channel: string, text: string): Promise<{ viewer: Account; socket: Socket; message: ChatMessage }> {
    const viewer = await register(b.url);
    const socket = await b.open({ token: viewer.accessToken });
    expectOk(await send(socket, 'watch:join', { channel }));
    const message = expectOk(await send<ChatMessage>(socket, 'chat:send', { channel, text }));
    return { viewer, socket, message };
  }

  const showComment = (s: Socket, stage: string, messageId: string | null) =>
    studio<{ version: number }>(s, 'studio:comment', { stage, messageId });
  const snapshot = async (s: Socket, stage: string) => expectOk(await send<StudioSnapshot>(s, 'studio:snapshot', { stage }));
  /** The next studio change that takes the comment off screen, and how long it took to reach the host. */
  const takenDown = (s: Socket) => waitFor<Changed>(s, 'studio:changed', (e) => e.change.type === 'comment-taken-down', 2_000);
  /** An anonymous broadcast viewer of `channel` on `node`, keeping every `watch:comment-withdrawn` it hears. */
  async function watcher(node: typeof a, channel: string): Promise<{ socket: Socket; heard: CommentWithdrawn[] }> {
    const socket = await node.open();
    expectOk(await send(socket, 'watch:join', { channel }));
    const heard: CommentWithdrawn[] = [];
    socket.on('watch:comment-withdrawn', (e: CommentWithdrawn) => heard.push(e));
    return { socket, heard };
  }
  const withdrawn = (s: Socket, messageId: string) =>
    waitFor<CommentWithdrawn>(s, 'watch:comment-withdrawn', (e) => e.messageId === messageId, 2_000);

  it('shows the message as the chat has it, replaces it with another, and a moderator’s delete on the other node takes it down at once', async () => {
    const { host, stage, hs, cs, ms } = await show();
    const { viewer, message } = await viewerSays(stage, '  Greetings from Lisbon!  ');
    const shown = waitFor<Changed>(cs, 'studio:changed', (e) => e.change.type === 'comment');
    expectOk(await showComment(hs, stage, message.id));
    const pushed = await shown;
    expect(pushed.document.layout.comment).toEqual({
      messageId: message.id,
      author: { id: viewer.user.id, username: viewer.user.username },
      text: 'Greetings from Lisbon!',
      shownBy: host.user.id,
      shownAt: expect.any(String),
    });

    // One at a time: the co-host shows another, which replaces the first.
    const second = await viewerSays(stage, 'Second!');
    expectOk(await showComment(cs, stage, second.message.id));
    expect((await snapshot(hs, stage)).document.layout.comment?.messageId).toBe(second.message.id);

    // Broadcast viewers on both nodes (the moderator acts on B), and one of another channel.
    const onA = await watcher(a, stage);
    const onB = await watcher(b, stage);
    const elsewhere = await watcher(a, (await register(a.url)).user.username);

    // Deleting the first message (no longer on screen) changes nothing; deleting the one on screen takes it down.
    const before = (await snapshot(hs, stage)).version;
    expectOk(await send(ms, 'chat:delete', { channel: stage, messageId: message.id, reason: 'test' }));
    const gone = takenDown(hs);
    const toA = withdrawn(onA.socket, second.message.id);
    const toB = withdrawn(onB.socket, second.message.id);
    const t0 = Date.now();
    expectOk(await send(ms, 'chat:delete', { channel: stage, messageId: second.message.id, reason: 'spam' }));
    const change = await gone;
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(change).toMatchObject({ version: before + 1, change: { by: 'system', subject: second.message.id } });
    expect(change.document.layout.comment).toBeNull();
    expect((await snapshot(hs, stage)).version).toBe(before + 1);

    // Broadcast pages on either node hear which card left and when (to cover it on their delayed picture);
    // the delete of the message not on screen told them nothing, nor does another channel hear it.
    const [heardA, heardB] = await Promise.all([toA, toB]);
    expect(Date.now() - t0).toBeLessThan(2_000);
    for (const heard of [heardA, heardB]) {
      expect(heard).toEqual({ channel: stage, messageId: second.message.id, withdrawnAt: expect.any(String) });
      expect(Math.abs(Date.parse(heard.withdrawnAt) - t0)).toBeLessThan(5_000);
    }
    expect(onA.heard).toHaveLength(1);
    expect(onB.heard).toHaveLength(1);
    await roundTrip(elsewhere.socket);
    expect(elsewhere.heard).toEqual([]);

    // A deleted message cannot be shown again.
    expect(await showComment(hs, stage, second.message.id)).toMatchObject({
      ok: false,
      error: { code: 'studio/comment-unavailable', message: expect.stringMatching(/deleted/) },
    });
  });

  it('takes the comment down when its author is banned in this channel or site-wide, not when timed out elsewhere', async () => {
    const { stage, hs, ms } = await show();
    const { viewer, message } = await viewerSays(stage, 'Ban me if you can');
    expectOk(await showComment(hs, stage, message.id));

    // A time-out in another channel is no business of this show.
    const other = await register(b.url);
    expectOk(await send(ms, 'chat:timeout', { channel: other.user.username, username: viewer.user.username, seconds: 60, reason: 'x' }));
    const still = await snapshot(hs, stage);
    expect(still.document.layout.comment?.messageId).toBe(message.id);

    const onA = await watcher(a, stage);
    const gone = takenDown(hs);
    const toA = withdrawn(onA.socket, message.id);
    expectOk(await send(ms, 'chat:ban', { channel: stage, username: viewer.user.username, reason: 'abuse' }));
    expect((await gone).document.layout.comment).toBeNull();
    expect(await toA).toMatchObject({ channel: stage, messageId: message.id });
    // Their messages cannot go back up while the ban holds.
    expect(await showComment(hs, stage, message.id)).toMatchObject({
      ok: false,
      error: { code: 'studio/comment-unavailable', message: expect.stringMatching(/is banned/) },
    });

    const next = await viewerSays(stage, 'Site-wide next');
    expectOk(await showComment(hs, stage, next.message.id));
    const goneSite = takenDown(hs);
    const toASite = withdrawn(onA.socket, next.message.id);
    expectOk(await send(ms, 'moderation:ban-site', { username: next.viewer.user.username, reason: 'bot network' }));
    expect((await goneSite).document.layout.comment).toBeNull();
    expect(await toASite).toMatchObject({ channel: stage, messageId: next.message.id });
    expect(onA.heard.map((e) => e.messageId)).toEqual([message.id, next.message.id]);
  });

  it('refuses guests and viewers with a sentence, another channel’s message, and changes nothing', async () => {
    const { stage, hs, gs, ms } = await show();
    const { socket: vs, message } = await viewerSays(stage, 'Pick me');
    const before = (await snapshot(hs, stage)).version;

    const forbidden = { ok: false, error: { code: 'auth/forbidden', message: 'Only the host or a co-host can put a comment on screen.' } };
    expect(await showComment(gs, stage, message.id)).toMatchObject(forbidden);
    expect(await showComment(vs, stage, message.id)).toMatchObject(forbidden);

    const elsewhere = await register(a.url);
    const foreign = await viewerSays(elsewhere.user.username, 'From another channel');
    expect(await showComment(hs, stage, foreign.message.id)).toMatchObject({
      ok: false,
      error: { code: 'studio/comment-unavailable', message: 'That message is not in this channel’s chat.' },
    });
    // No such message; not a message id; text the client tries to supply.
    expect(await showComment(hs, stage, '00000000-0000-4000-8000-000000000000')).toMatchObject({
      ok: false,
      error: { code: 'studio/comment-unavailable' },
    });
    expect(await showComment(hs, stage, 'not-a-uuid')).toMatchObject({ ok: false, error: { code: 'request/invalid' } });
    expect(await studio(hs, 'studio:comment', { stage, messageId: message.id, text: 'forged' })).toMatchObject({
      ok: false,
      error: { code: 'request/invalid' },
    });
    // Nor can a layout change carry a comment of its own making.
    const forged = { messageId: message.id, author: { id: 'x', username: 'mallory' }, text: 'forged', shownBy: 'x', shownAt: '' };
    expect(await studio(hs, 'studio:layout', { stage, patch: { comment: forged } })).toMatchObject({
      ok: false,
      error: { code: 'request/invalid' },
    });
    // Hiding when nothing is shown says so.
    expect(await showComment(hs, stage, null)).toMatchObject({ ok: false, error: { message: 'No comment is on screen.' } });

    const after = await snapshot(hs, stage);
    expect(after.version).toBe(before);
    expect(after.document.layout.comment ?? null).toBeNull();
    const stored = await pg.query(
      `SELECT document->'layout'->'comment' AS c FROM studio_documents d JOIN stages s ON s.id = d.stage_id WHERE s.name = $1`,
      [stage],
    );
    expect(stored.rows[0].c ?? null).toBeNull();

    // And the host hides what they showed: their own choice, nothing for broadcast pages to cover.
    const onB = await watcher(b, stage);
    expectOk(await showComment(hs, stage, message.id));
    expectOk(await showComment(hs, stage, null));
    expect((await snapshot(hs, stage)).document.layout.comment).toBeNull();
    // Deleting the hidden message withdraws nothing; the next card a moderator takes down is the only one heard.
    expectOk(await send(ms, 'chat:delete', { channel: stage, messageId: message.id, reason: 'after the hide' }));
    const last = await viewerSays(stage, 'Shown, then deleted');
    expectOk(await showComment(hs, stage, last.message.id));
    const toB = withdrawn(onB.socket, last.message.id);
    expectOk(await send(ms, 'chat:delete', { channel: stage, messageId: last.message.id, reason: 'spam' }));
    await toB;
    expect(onB.heard.map((e) => e.messageId)).toEqual([last.message.id]);
  });
});

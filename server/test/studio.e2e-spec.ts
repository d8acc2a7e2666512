import type { StudioServerEvents, StudioSnapshot } from '@streamcat/protocol';
import { eventually } from '../../test/support/eventually';
import { DomainEvents } from '../src/domain-events/domain-events';
import { MediaProvider } from '../src/media/media-provider';
import { StudioService } from '../src/studio/studio.service';
import { disconnected, waitFor } from './support/sockets';
import { commandId, expectOk, join, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

type Changed = StudioServerEvents['studio:changed'];

describe('studio across two server nodes (one PostgreSQL, one Redis)', () => {
  const { a, b, pg } = useTwoNodes();
  afterEach(() => jest.restoreAllMocks());

  /** Resolves once the media provider was told to disconnect `participantIds` (it is called after the commit). */
  const disconnectedAtProvider = (spy: jest.SpyInstance, participantIds: string[]) =>
    eventually(`DisconnectParticipant for ${participantIds.join(', ')}`, () => {
      const called = spy.mock.calls.map(([input]) => (input as { participantId: string }).participantId);
      return participantIds.every((id) => called.includes(id)) && called;
    });

  /** Host on node A, a registered guest on node B, seated through a live invite. */
  async function hostAndGuest(role: 'guest' | 'cohost' = 'guest') {
    const host = await register(a.url);
    const guest = await register(b.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    const gs = await b.open({ token: guest.accessToken });
    await join(hs, stage);
    const invited = waitFor<StudioServerEvents['studio:invited']>(gs, 'studio:invited');
    const inv = expectOk(await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: guest.user.username, role }));
    expect(await invited).toMatchObject({ inviteId: inv.inviteId, stageName: stage, role, from: host.user.username });
    const seated = waitFor<Changed>(hs, 'studio:changed', (c) => c.change.type === 'respond-invite');
    expectOk(await studio(gs, 'studio:invite-respond', { stage, inviteId: inv.inviteId, accept: true }));
    const change = await seated;
    expect(change.document.members.map((m) => [m.displayName, m.role])).toEqual([
      [host.user.username, 'host'],
      [guest.user.username, role],
    ]);
    await join(gs, stage);
    return { host, guest, stage, hs, gs };
  }

  it('invite, accept, layout, hand, go-live and Stream Start are delivered both ways across nodes', async () => {
    const { host, guest, stage, hs, gs } = await hostAndGuest();

    // Only after accepting does the guest get a PUBLISH+SUBSCRIBE token (through node B's REST).
    const tok = await call(b.url, 'POST', `/api/stages/${stage}/token`, undefined, guest.accessToken);
    expect(tok.status).toBe(200);
    expect(tok.body.capabilities.sort()).toEqual(['PUBLISH', 'SUBSCRIBE']);
    expect((await call(a.url, 'POST', `/api/stages/${stage}/token`, undefined, guest.accessToken)).body.participantId).toBe(
      tok.body.participantId,
    );

    // Host (A) changes the layout → guest (B) sees it.
    const seen = waitFor<Changed>(gs, 'studio:changed', (c) => c.change.type === 'layout');
    const lay = expectOk(
      await studio<{ version: number }>(hs, 'studio:layout', {
        stage,
        patch: { name: 'side-by-side', order: [host.user.id, guest.user.id], banner: { text: 'Episode 1', visible: true } },
      }),
    );
    const got = await seen;
    expect(got.version).toBe(lay.version);
    expect(got.document.layout).toMatchObject({
      name: 'side-by-side',
      order: [host.user.id, guest.user.id],
      banner: { text: 'Episode 1', visible: true },
    });
    expect(got.document.members.every((m) => m.status === 'on-air')).toBe(true);

    // Guest (B) raises a hand → host (A) sees it.
    const hand = waitFor<Changed>(hs, 'studio:changed', (c) => c.change.type === 'hand');
    expectOk(await studio(gs, 'studio:hand', { stage, raised: true }));
    expect((await hand).document.members.find((m) => m.id === guest.user.id)?.handRaised).toBe(true);

    // Go-live intent from A → B sees `starting`; the Stream Start event makes it `live` for both.
    const starting = waitFor<Changed>(gs, 'studio:changed', (c) => c.document.live.broadcast.state === 'starting');
    expectOk(await studio(hs, 'studio:broadcast', { stage, action: 'start' }));
    await starting;
    const channelId = (await pg.query('SELECT id FROM channels WHERE user_id = $1', [host.user.id])).rows[0].id as string;
    const at = new Date();
    const liveOnA = waitFor<Changed>(hs, 'studio:changed', (c) => c.document.live.broadcast.state === 'live');
    const liveOnB = waitFor<Changed>(gs, 'studio:changed', (c) => c.document.live.broadcast.state === 'live');
    b.app.get(DomainEvents).emit('channel.live', { channelId, channelArn: 'arn', streamId: 'st-1', at });
    expect((await liveOnA).document.live.broadcast).toEqual({ state: 'live', since: at.toISOString() });
    await liveOnB;

    // Leaving the studio never flips a switch.
    expectOk(await studio(gs, 'studio:leave', { stage }));
    gs.close();
    hs.close();
    const after = await a.app.get(StudioService).snapshot(got.stageId);
    expect(after.document.live.broadcast.state).toBe('live');
  });

  it('concurrent layout edits by two hosts: one wins, the other gets a conflict with the snapshot, no lost update', async () => {
    const { host, guest, stage, hs, gs } = await hostAndGuest('cohost');
    const { version } = await join(hs, stage);
    const [r1, r2] = await Promise.all([
      studio(hs, 'studio:layout', { stage, expectedVersion: version, patch: { name: 'grid', order: [host.user.id] } }),
      studio(gs, 'studio:layout', { stage, expectedVersion: version, patch: { name: 'grid', order: [guest.user.id] } }),
    ]);
    const results = [r1, r2];
    const winners = results.filter((r) => r.ok);
    const losers = results.filter((r) => !r.ok);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const loser = losers[0] as { ok: false; error: { code: string; data?: StudioSnapshot } };
    expect(loser.error.code).toBe('studio/version-conflict');
    expect(loser.error.data?.version).toBe(version + 1);
    const winnerOrder = r1.ok ? [host.user.id] : [guest.user.id];
    expect(loser.error.data?.document.layout.order).toEqual(winnerOrder);

    // The loser rebases on the snapshot it was given; both edits survive.
    const loserSocket = r1.ok ? gs : hs;
    const rebased = expectOk(
      await studio<{ version: number }>(loserSocket, 'studio:layout', {
        stage,
        expectedVersion: loser.error.data!.version,
        patch: { banner: { text: 'rebased', visible: true } },
      }),
    );
    expect(rebased.version).toBe(version + 2);
    const snap = await join(hs, stage);
    expect(snap.document.layout).toMatchObject({ order: winnerOrder, banner: { text: 'rebased', visible: true } });
  });

  it('a retried command (same commandId, either node) is applied once and answered with the first result', async () => {
    const { stage, hs, host } = await hostAndGuest();
    const before = await join(hs, stage);
    const id = commandId('retry');
    const first = expectOk(
      await studio<{ version: number }>(hs, 'studio:mute', { stage, commandId: id, memberId: host.user.id, muted: true }),
    );
    const again = await b.open({ token: host.accessToken });
    const second = expectOk(
      await studio<{ version: number }>(again, 'studio:mute', { stage, commandId: id, memberId: host.user.id, muted: true }),
    );
    expect(second).toEqual(first);
    expect((await join(again, stage)).version).toBe(before.version + 1);
  });

  it('invites expire (server-enforced, pushed as expired) and can be revoked', async () => {
    const host = await register(a.url);
    const invitee = await register(b.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    const tab1 = await a.open({ token: invitee.accessToken });
    const tab2 = await b.open({ token: invitee.accessToken });
    const { stageId } = await join(hs, stage);

    // Revoked: both tabs hear it; accepting afterwards fails.
    const inv1 = expectOk(
      await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: invitee.user.username, role: 'guest' }),
    );
    const closed = Promise.all([tab1, tab2].map((t) => waitFor<StudioServerEvents['studio:invite-closed']>(t, 'studio:invite-closed')));
    expectOk(await studio(hs, 'studio:invite-revoke', { stage, inviteId: inv1.inviteId }));
    expect((await closed).map((c) => c.reason)).toEqual(['revoked', 'revoked']);
    expect(await studio(tab1, 'studio:invite-respond', { stage, inviteId: inv1.inviteId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'invite/not-found' },
    });

    // Expired: the invite's time runs out (moved into the past here instead of waiting 10 minutes).
    const inv2 = expectOk(
      await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: invitee.user.username, role: 'guest' }),
    );
    const snap = await join(hs, stage);
    expect(snap.document.invites.map((i) => i.id)).toEqual([inv2.inviteId]);
    expect(Date.parse(snap.document.invites[0].expiresAt) - Date.now()).toBeGreaterThan(590_000);
    await pg.query(
      `UPDATE studio_documents SET document = jsonb_set(document, '{invites,0,expiresAt}', to_jsonb($2::text)) WHERE stage_id = $1`,
      [stageId, new Date(Date.now() - 1000).toISOString()],
    );
    // Enforced on read and on accept even before any sweep ran.
    expect((await join(hs, stage)).document.invites).toEqual([]);
    expect(await studio(tab2, 'studio:invite-respond', { stage, inviteId: inv2.inviteId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'invite/expired' },
    });
    // The sweep (any node) removes it and pushes `expired` to every tab.
    const expired = Promise.all([tab1, tab2].map((t) => waitFor<StudioServerEvents['studio:invite-closed']>(t, 'studio:invite-closed')));
    await pg.query(`UPDATE studio_documents SET next_expiry_at = now() - interval '1 second' WHERE stage_id = $1`, [stageId]);
    await b.app.get(StudioService).sweepExpired();
    expect((await expired).map((c) => [c.inviteId, c.reason])).toEqual([
      [inv2.inviteId, 'expired'],
      [inv2.inviteId, 'expired'],
    ]);
    // No token for someone who never got a seat.
    expect((await call(a.url, 'POST', `/api/stages/${stage}/token`, undefined, invitee.accessToken)).status).toBe(403);
  });

  it('invite links: green room, admit, token; a removed guest is disconnected, gets no token and cannot rejoin with the link', async () => {
    const host = await register(a.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    await join(hs, stage);
    const link = expectOk(
      await studio<{ code: string; linkId: string }>(hs, 'studio:link-create', { stage, maxUses: 2, expiresInMinutes: 30 }),
    );
    const stored = await pg.query('SELECT code_hash FROM studio_invite_links WHERE id = $1', [link.linkId]);
    expect(stored.rows[0].code_hash).not.toContain(link.code);

    const info = await call(b.url, 'GET', `/api/invites/${link.code}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ stageName: stage, hostUsername: host.user.username, usesLeft: 2 });

    const waiting = waitFor<Changed>(hs, 'studio:changed', (c) => c.change.type === 'green-room-enter');
    const joined = await call(b.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Gus the Guest' });
    expect(joined.status).toBe(201);
    const { guestId, guestToken } = joined.body;
    expect((await waiting).document.greenRoom).toEqual([expect.objectContaining({ guestId, displayName: 'Gus the Guest' })]);

    // Waiting in the green room: no token, no studio.
    expect((await call(b.url, 'POST', `/api/stages/${stage}/token`, undefined, guestToken)).status).toBe(403);
    const gs = await b.open({ guestToken });
    expect(await studio(gs, 'studio:join', { stage })).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });

    const admitted = waitFor<StudioServerEvents['studio:admission']>(gs, 'studio:admission');
    expectOk(await studio(hs, 'studio:admit', { stage, guestId, admit: true }));
    expect(await admitted).toMatchObject({ admitted: true, stageName: stage });
    const snap = await join(gs, stage);
    expect(snap.document.members.find((m) => m.id === guestId)).toMatchObject({
      kind: 'guest',
      role: 'guest',
      displayName: 'Gus the Guest',
    });
    const tok = await call(b.url, 'POST', `/api/stages/${stage}/token`, undefined, guestToken);
    expect(tok.status).toBe(200);

    // Remove: DisconnectParticipant for their token, the socket is told and dropped, no new token, link revoked.
    const disconnect = jest.spyOn(a.app.get(MediaProvider), 'disconnectParticipant');
    const told = waitFor<StudioServerEvents['studio:removed']>(gs, 'studio:removed');
    const dropped = disconnected(gs);
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guestId, reason: 'Off topic' }));
    expect(await told).toMatchObject({ reason: 'Off topic' });
    await dropped;
    await disconnectedAtProvider(disconnect, [tok.body.participantId]);
    const denied = await call(b.url, 'POST', `/api/stages/${stage}/token`, undefined, guestToken);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('studio/removed');
    expect((await pg.query('SELECT 1 FROM stage_tokens WHERE holder = $1', [`member:${guestId}`])).rowCount).toBe(0);
    const rejoin = await call(a.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Gus again' });
    expect(rejoin.status).toBe(410);
    expect(rejoin.body.error.code).toBe('invite/revoked');
  });

  it('a removed registered member gets 403 for a token; single-use links are used up', async () => {
    const { host, guest, stage, hs } = await hostAndGuest();
    const tok = await call(a.url, 'POST', `/api/stages/${stage}/token`, undefined, guest.accessToken);
    expect(tok.status).toBe(200);
    const disconnect = jest.spyOn(a.app.get(MediaProvider), 'disconnectParticipant');
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guest.user.id }));
    await disconnectedAtProvider(disconnect, [tok.body.participantId]);
    const res = await call(b.url, 'POST', `/api/stages/${stage}/token`, undefined, guest.accessToken);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('studio/removed');
    // The host's own token is unaffected.
    expect((await call(a.url, 'POST', `/api/stages/${stage}/token`, undefined, host.accessToken)).status).toBe(200);

    const once = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 1, expiresInMinutes: 5 }));
    expect((await call(a.url, 'POST', `/api/invites/${once.code}/join`, { displayName: 'First' })).status).toBe(201);
    const second = await call(b.url, 'POST', `/api/invites/${once.code}/join`, { displayName: 'Second' });
    expect([second.status, second.body.error.code]).toEqual([410, 'invite/used-up']);
    expect((await call(a.url, 'GET', `/api/invites/${'x'.repeat(32)}`)).status).toBe(404);
  });

  it('real-time viewing: no viewer token while closed; closing disconnects the viewers that were let in', async () => {
    const host = await register(a.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    await join(hs, stage);
    const closed = await call(b.url, 'POST', `/api/stages/${stage}/viewer-token`);
    expect([closed.status, closed.body.error.code]).toEqual([403, 'stage/not-live']);

    expectOk(await studio(hs, 'studio:realtime', { stage, open: true }));
    const anon = await call(b.url, 'POST', `/api/stages/${stage}/viewer-token`);
    expect(anon.status).toBe(200);
    expect(anon.body.capabilities).toEqual(['SUBSCRIBE']);
    const viewer = await register(b.url);
    const named = await call(b.url, 'POST', `/api/stages/${stage}/viewer-token`, undefined, viewer.accessToken);
    expect(named.body.capabilities).toEqual(['SUBSCRIBE']);

    const disconnect = jest.spyOn(a.app.get(MediaProvider), 'disconnectParticipant');
    const seen = waitFor<Changed>(hs, 'studio:changed', (c) => c.document.live.realtime.state === 'closed');
    expectOk(await studio(hs, 'studio:realtime', { stage, open: false }));
    await seen;
    const ids = await disconnectedAtProvider(disconnect, [anon.body.participantId, named.body.participantId]);
    expect(ids.sort()).toEqual([anon.body.participantId, named.body.participantId].sort());
    expect((await call(b.url, 'POST', `/api/stages/${stage}/viewer-token`, undefined, viewer.accessToken)).status).toBe(403);
    expect((await pg.query('SELECT is_live FROM stages WHERE lower(name) = lower($1)', [stage])).rows[0].is_live).toBe(false);
  });
});

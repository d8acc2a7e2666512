import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import type { StudioServerEvents, StudioSnapshot } from '@streamcat/protocol';
import { expectOk, join, studio, studioSocket, waitFor } from './support/studio-client';
import { call, register, startTestApp, TestApp } from './support/test-app';

type Registered = Awaited<ReturnType<typeof register>>;

/**
 * Once someone is removed, nothing they held still works: not a link or invite they handed
 * out, not a new invite from a co-host, not another link.
 */
describe('studio: removal closes every door', () => {
  let t: TestApp;
  let pg: Client;
  const sockets: Socket[] = [];
  const open = async (auth: Record<string, string>) => {
    const s = await studioSocket(t.url, auth);
    sockets.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await startTestApp();
    pg = new Client({ connectionString: t.db.url });
    await pg.connect();
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    await pg.end();
    await t.close();
  });

  const version = async (stage: string) =>
    (await pg.query('SELECT d.version FROM studio_documents d JOIN stages s ON s.id = d.stage_id WHERE lower(s.name) = lower($1)', [stage]))
      .rows[0].version as number;

  /** Seats `who` on `stage` (owner's socket `hs`) through a live invite; returns their socket, joined. */
  async function seat(hs: Socket, stage: string, who: Registered, role: 'cohost' | 'guest') {
    const ws = await open({ token: who.accessToken });
    const inv = expectOk(await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: who.user.username, role }));
    expectOk(
      await studio(ws, 'studio:invite-respond', {
        stage,
        inviteId: inv.inviteId,
        accept: true,
      }),
    );
    await join(ws, stage);
    return ws;
  }

  async function studioWithCohost() {
    const owner = await register(t.url);
    const cohost = await register(t.url);
    const stage = owner.user.username;
    const hs = await open({ token: owner.accessToken });
    await join(hs, stage);
    const cs = await seat(hs, stage, cohost, 'cohost');
    return { owner, cohost, stage, hs, cs };
  }

  /** POST /api/invites/:code/join as a browser would: sends the cookie jar, keeps what is set. */
  async function joinLink(code: string, displayName: string, jar: Map<string, string>) {
    const res = await fetch(`${t.url}/api/invites/${code}/join`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
      },
      body: JSON.stringify({ displayName }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: res.status, body: (await res.json()) as { guestId: string; guestToken: string; error?: { code: string } } };
  }

  it('removing a co-host revokes the links they created and the invites they sent; the host’s stay open', async () => {
    const { cohost, stage, hs, cs } = await studioWithCohost();
    const theirs = expectOk(
      await studio<{ code: string; linkId: string }>(cs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }),
    );
    const hosts = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }));
    const waiting = await call(t.url, 'POST', `/api/invites/${theirs.code}/join`, { displayName: 'Waiting Wanda' });
    expect(waiting.status).toBe(201);
    const ws = await open({ guestToken: waiting.body.guestToken });
    const invitee = await register(t.url);
    const is = await open({ token: invitee.accessToken });
    const inv = expectOk(
      await studio<{ inviteId: string }>(cs, 'studio:invite', { stage, username: invitee.user.username, role: 'guest' }),
    );

    const closed = waitFor<StudioServerEvents['studio:invite-closed']>(is, 'studio:invite-closed');
    const sentAway = waitFor<StudioServerEvents['studio:admission']>(ws, 'studio:admission');
    const removed = waitFor<StudioServerEvents['studio:changed']>(hs, 'studio:changed', (c) => c.change.type === 'remove');
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: cohost.user.id }));
    expect(await closed).toMatchObject({ inviteId: inv.inviteId, reason: 'revoked' });
    expect(await sentAway).toMatchObject({ admitted: false });
    const doc = (await removed).document;
    expect(doc.links.find((l) => l.id === theirs.linkId)?.revoked).toBe(true);
    expect(doc.invites).toEqual([]);
    expect(doc.greenRoom).toEqual([]);

    for (const path of [`/api/invites/${theirs.code}`, `/api/invites/${theirs.code}/join`]) {
      const res = await call(
        t.url,
        path.endsWith('join') ? 'POST' : 'GET',
        path,
        path.endsWith('join') ? { displayName: 'Late Larry' } : undefined,
      );
      expect([res.status, res.body.error.code]).toEqual([410, 'invite/revoked']);
    }
    expect(await studio(is, 'studio:invite-respond', { stage, inviteId: inv.inviteId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'invite/not-found' },
    });
    expect((await call(t.url, 'GET', `/api/invites/${hosts.code}`)).status).toBe(200);
  });

  it('a co-host cannot invite back someone the host removed; the host can', async () => {
    const { stage, hs, cs } = await studioWithCohost();
    const guest = await register(t.url);
    await seat(hs, stage, guest, 'guest');
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guest.user.id }));
    const before = await version(stage);
    expect(await studio(cs, 'studio:invite', { stage, username: guest.user.username, role: 'guest' })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden', message: expect.stringContaining('Only the host') },
    });
    expect(await version(stage)).toBe(before);
    const tok = await call(t.url, 'POST', `/api/stages/${stage}/token`, undefined, guest.accessToken);
    expect([tok.status, tok.body.error.code]).toEqual([403, 'studio/removed']);

    expectOk(await studio(hs, 'studio:invite', { stage, username: guest.user.username, role: 'guest' }));
    expect((await join(hs, stage)).document.removed.some((r) => r.id === guest.user.id)).toBe(false);
  });

  it('a removed link guest is refused at a co-host’s link; through the owner’s link they wait under their old id and only the owner admits them', async () => {
    const { stage, hs, cs } = await studioWithCohost();
    const jar = new Map<string, string>();
    const first = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }));
    const came = await joinLink(first.code, 'Gus', jar);
    expect(came.status).toBe(201);
    expect(jar.size).toBe(1);
    const guestId = came.body.guestId;
    expectOk(await studio(hs, 'studio:admit', { stage, guestId, admit: true }));
    expectOk(await studio(cs, 'studio:remove', { stage, memberId: guestId }));

    // Another link, from the co-host: refused, and the link is not used up by the attempt.
    const cohostLink = expectOk(
      await studio<{ code: string; linkId: string }>(cs, 'studio:link-create', { stage, maxUses: 1, expiresInMinutes: 30 }),
    );
    const refused = await joinLink(cohostLink.code, 'Not Gus', jar);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'studio/removed']);
    expect((await pg.query('SELECT uses FROM studio_invite_links WHERE id = $1', [cohostLink.linkId])).rows[0].uses).toBe(0);
    // Someone else (no cookie from this stage) with the same link waits as a stranger.
    const stranger = await joinLink(cohostLink.code, 'Stranger', new Map());
    expect(stranger.status).toBe(201);
    expect(stranger.body.guestId).not.toBe(guestId);

    // The owner's link: back in the green room under the old id; the co-host cannot admit them, the owner can.
    const ownerLink = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }));
    const back = await joinLink(ownerLink.code, 'Gus again', jar);
    expect(back.status).toBe(201);
    expect(back.body.guestId).toBe(guestId);
    expect(await studio(cs, 'studio:admit', { stage, guestId, admit: true })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });
    expectOk(await studio(hs, 'studio:admit', { stage, guestId, admit: true }));
    const snap: StudioSnapshot = await join(hs, stage);
    expect(snap.document.members.find((m) => m.id === guestId)).toMatchObject({ kind: 'guest', displayName: 'Gus again' });
    expect(snap.document.removed).toEqual([]);
    expect((await call(t.url, 'POST', `/api/stages/${stage}/token`, undefined, back.body.guestToken)).status).toBe(200);
  });
});

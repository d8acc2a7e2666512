import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import type { StudioServerEvents, StudioSnapshot } from '@streamcat/protocol';
import { dataSourceOptions, migrations } from '../src/database/data-source';
import { runMigrations } from '../src/database/migrate';
import { StudioCommandScope1763800560000 } from '../src/database/migrations/1763800560000-studio-command-scope';
import { createTestDatabase } from '../../test/support/database';
import { waitFor } from './support/sockets';
import { commandId, expectOk, join, seat as seatOn, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Once someone is removed, nothing they held still works: not a retried command, not a link
 * or invite they handed out, not a new invite from a co-host, not another link. And a stored
 * ack never holds an invite code in plain text.
 */
describe('studio: removal closes every door, retries are authorised again', () => {
  const t = useTestApp();

  const version = async (stage: string) =>
    (
      await t.pg.query('SELECT d.version FROM studio_documents d JOIN stages s ON s.id = d.stage_id WHERE lower(s.name) = lower($1)', [
        stage,
      ])
    ).rows[0].version as number;

  /** Seats `who` on `stage` (owner's socket `hs`) through a live invite; returns their socket, joined. */
  async function seat(hs: Socket, stage: string, who: Account, role: 'cohost' | 'guest') {
    const ws = await t.open({ token: who.accessToken });
    await seatOn(hs, ws, stage, who.user.username, role);
    await join(ws, stage);
    return ws;
  }

  async function studioWithCohost() {
    const owner = await register(t.url);
    const cohost = await register(t.url);
    const stage = owner.user.username;
    const hs = await t.open({ token: owner.accessToken });
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

  it('a removed co-host replaying an old command id is refused and changes nothing; a kept member’s retry still answers', async () => {
    const { owner, cohost, stage, hs, cs } = await studioWithCohost();
    const id = commandId('replay');
    const first = expectOk(await studio<{ version: number }>(cs, 'studio:layout', { stage, commandId: id, patch: { nameTags: false } }));
    // While still a co-host, the retry is answered with the first result and applied once.
    expect(expectOk(await studio(cs, 'studio:layout', { stage, commandId: id, patch: { nameTags: false } }))).toEqual(first);
    expect(await version(stage)).toBe(first.version);

    expectOk(await studio(hs, 'studio:remove', { stage, memberId: cohost.user.id }));
    const before = await version(stage);
    expect(await studio(cs, 'studio:layout', { stage, commandId: id, patch: { nameTags: false } })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });
    expect(await version(stage)).toBe(before);

    // The host's own retry is still answered.
    const mine = commandId('host');
    const once = expectOk(await studio(hs, 'studio:mute', { stage, commandId: mine, memberId: owner.user.id, muted: true }));
    expect(expectOk(await studio(hs, 'studio:mute', { stage, commandId: mine, memberId: owner.user.id, muted: true }))).toEqual(once);
  });

  it('an invitee’s retried accept is answered while they hold the seat, refused once they are removed', async () => {
    const owner = await register(t.url);
    const guest = await register(t.url);
    const stage = owner.user.username;
    const hs = await t.open({ token: owner.accessToken });
    await join(hs, stage);
    const inv = expectOk(await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: guest.user.username, role: 'guest' }));
    const gs = await t.open({ token: guest.accessToken });
    const id = commandId('accept');
    const accepted = expectOk(await studio(gs, 'studio:invite-respond', { stage, commandId: id, inviteId: inv.inviteId, accept: true }));
    expect(expectOk(await studio(gs, 'studio:invite-respond', { stage, commandId: id, inviteId: inv.inviteId, accept: true }))).toEqual(
      accepted,
    );
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guest.user.id }));
    expect(await studio(gs, 'studio:invite-respond', { stage, commandId: id, inviteId: inv.inviteId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'auth/forbidden' },
    });
  });

  it('the same command id on another stage is a new command there; on the same stage for another command it is refused', async () => {
    const u = await register(t.url);
    const v = await register(t.url);
    const us = await t.open({ token: u.accessToken });
    await join(us, u.user.username);
    const vs = await t.open({ token: v.accessToken });
    await join(vs, v.user.username);
    await seat(vs, v.user.username, u, 'cohost').then((s) => s.close());

    const id = commandId('two-stages');
    const onMine = expectOk(
      await studio<{ version: number }>(us, 'studio:layout', {
        stage: u.user.username,
        commandId: id,
        patch: { banner: { text: 'mine', visible: true } },
      }),
    );
    const vBefore = await version(v.user.username);
    const onTheirs = expectOk(
      await studio<{ version: number }>(us, 'studio:layout', {
        stage: v.user.username,
        commandId: id,
        patch: { banner: { text: 'theirs', visible: true } },
      }),
    );
    expect(onTheirs.version).toBe(vBefore + 1);
    expect((await join(vs, v.user.username)).document.layout.banner).toEqual({ text: 'theirs', visible: true });
    expect((await join(us, u.user.username)).document.layout.banner).toEqual({ text: 'mine', visible: true });
    expect(onMine.version).toBe(await version(u.user.username));

    const reused = await studio(us, 'studio:mute', {
      stage: u.user.username,
      commandId: id,
      memberId: u.user.id,
      muted: true,
    });
    expect(reused).toMatchObject({ ok: false, error: { code: 'studio/command-id-reused' } });
    expect(await version(u.user.username)).toBe(onMine.version);
  });

  it('removing a co-host revokes the links they created and the invites they sent; the host’s stay open', async () => {
    const { cohost, stage, hs, cs } = await studioWithCohost();
    const theirs = expectOk(
      await studio<{ code: string; linkId: string }>(cs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }),
    );
    const hosts = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 5, expiresInMinutes: 30 }));
    const waiting = await call(t.url, 'POST', `/api/invites/${theirs.code}/join`, { displayName: 'Waiting Wanda' });
    expect(waiting.status).toBe(201);
    const ws = await t.open({ guestToken: waiting.body.guestToken });
    const invitee = await register(t.url);
    const is = await t.open({ token: invitee.accessToken });
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
    expect((await t.pg.query('SELECT uses FROM studio_invite_links WHERE id = $1', [cohostLink.linkId])).rows[0].uses).toBe(0);
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

  it('a created link’s code is never stored in plain text; a retried create returns the same code', async () => {
    const { stage, hs } = await studioWithCohost();
    const id = commandId('link');
    const created = expectOk(
      await studio<{ code: string; linkId: string }>(hs, 'studio:link-create', { stage, commandId: id, maxUses: 2, expiresInMinutes: 10 }),
    );
    const dump = await t.pg.query(
      `SELECT (SELECT coalesce(json_agg(c), '[]') FROM studio_commands c)::text AS commands,
              (SELECT coalesce(json_agg(l), '[]') FROM studio_invite_links l)::text AS links,
              (SELECT coalesce(json_agg(d), '[]') FROM studio_documents d)::text AS documents`,
    );
    expect(JSON.stringify(dump.rows[0])).not.toContain(created.code);
    const again = expectOk(
      await studio<{ code: string; linkId: string }>(hs, 'studio:link-create', { stage, commandId: id, maxUses: 2, expiresInMinutes: 10 }),
    );
    expect(again).toEqual(created);
    expect((await call(t.url, 'GET', `/api/invites/${again.code}`)).status).toBe(200);
  });
});

describe('migration StudioCommandScope: scrubs stored codes, keys records by stage, records link creators', () => {
  it('upgrades a database written by the previous version', async () => {
    const db = await createTestDatabase();
    const before = new DataSource({
      ...dataSourceOptions(db.url),
      // The schema as the previous version left it: every migration before this one.
      migrations: migrations.slice(0, migrations.indexOf(StudioCommandScope1763800560000)),
    });
    await before.initialize();
    try {
      await before.runMigrations();
      const [{ id: userId }] = await before.query(`INSERT INTO users (username, password_hash) VALUES ('oldhost', 'x') RETURNING id`);
      const [{ id: other }] = await before.query(`INSERT INTO users (username, password_hash) VALUES ('otherhost', 'x') RETURNING id`);
      const [{ id: stageId }] = await before.query(`INSERT INTO stages (user_id, name, arn) VALUES ($1, 'oldhost', 'arn:a') RETURNING id`, [
        userId,
      ]);
      await before.query(`INSERT INTO stages (user_id, name, arn) VALUES ($1, 'otherhost', 'arn:b')`, [other]);
      const linkId = '3f6c1f1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
      await before.query(
        `INSERT INTO studio_invite_links (id, stage_id, code_hash, max_uses, expires_at, created_by) VALUES ($1, $2, 'h', 3, now() + interval '1 hour', $3)`,
        [linkId, stageId, userId],
      );
      const link = { id: linkId, maxUses: 3, uses: 0, expiresAt: new Date().toISOString(), revoked: false };
      await before.query(`INSERT INTO studio_documents (stage_id, version, document) VALUES ($1, 3, $2)`, [
        stageId,
        JSON.stringify({ stageId, links: [link] }),
      ]);
      await before.query(
        `INSERT INTO studio_commands (actor_key, command_id, stage_id, command, version, result) VALUES ($1, 'cmd_legacy_1', $2, 'studio:link-create', 3, $3)`,
        [
          `user:${userId}`,
          stageId,
          JSON.stringify({ version: 3, linkId, code: 'PLAINTEXTCODE0123456789abcdefgh', expiresAt: link.expiresAt }),
        ],
      );
    } finally {
      await before.destroy();
    }

    expect((await runMigrations(db.url))[0]).toBe('StudioCommandScope1763800560000');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const rows = (await pg.query(`SELECT result FROM studio_commands`)).rows;
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain('PLAINTEXTCODE');
      expect(rows[0].result).toMatchObject({ version: 3, linkId: '3f6c1f1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' });
      const doc = (await pg.query(`SELECT document FROM studio_documents`)).rows[0].document;
      const owner = (await pg.query(`SELECT id FROM users WHERE username = 'oldhost'`)).rows[0].id;
      expect(doc.links).toEqual([expect.objectContaining({ id: '3f6c1f1e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', createdBy: owner })]);
      // The same actor and command id on another stage is now a record of its own.
      const stage2 = (await pg.query(`SELECT id FROM stages WHERE name = 'otherhost'`)).rows[0].id;
      await pg.query(
        `INSERT INTO studio_commands (actor_key, command_id, stage_id, command, version, result) VALUES ($1, 'cmd_legacy_1', $2, 'studio:layout', 1, '{}')`,
        [`user:${owner}`, stage2],
      );
    } finally {
      await pg.end();
      await db.drop();
    }
  });
});

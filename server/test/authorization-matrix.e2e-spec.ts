import type { Socket } from 'socket.io-client';
import { ALL_COMMANDS } from '@streamcat/protocol';
import { ActorRole, AUTHORIZATION, isAllowed, ROLES } from '../src/auth/authorization';
import { MATRIX_SAMPLES, MatrixCell } from './support/matrix-samples';
import { send } from './support/sockets';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * The one test that tries every cell of the authorization matrix: every command in
 * AUTHORIZATION × every role, each with a valid sample payload, on a fresh target.
 */
describe('authorization matrix (every command × every role)', () => {
  const t = useTestApp();
  const users: Partial<Record<'viewer' | 'moderator' | 'admin' | 'cohost' | 'target', Account>> = {};
  const shared: Partial<Record<string, Socket>> = {};

  beforeAll(async () => {
    for (const k of ['viewer', 'moderator', 'admin', 'cohost', 'target'] as const) users[k] = await register(t.url);
    await t.setRole(users.moderator!, 'moderator');
    await t.setRole(users.admin!, 'admin');
    shared.anonymous = await t.open();
    for (const k of ['viewer', 'moderator', 'admin', 'cohost', 'target'] as const)
      shared[k] = await t.open({ token: users[k]!.accessToken });
  }, 60_000);

  /** A fresh owner with a seated co-host, a seated guest (the target) and an admitted link guest. */
  async function target() {
    const owner = await register(t.url);
    const stage = owner.user.username;
    const hostSocket = await t.open({ token: owner.accessToken });
    const { stageId } = await join(hostSocket, stage);
    await seat(hostSocket, shared.cohost!, stage, users.cohost!.user.username, 'cohost');
    await seat(hostSocket, shared.target!, stage, users.target!.user.username, 'guest');
    const link = expectOk(await studio<{ code: string }>(hostSocket, 'studio:link-create', { stage, maxUses: 1, expiresInMinutes: 10 }));
    const joined = await call(t.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Matrix Guest' });
    expectOk(await studio(hostSocket, 'studio:admit', { stage, guestId: joined.body.guestId, admit: true }));
    const guestSocket = await t.open({ guestToken: joined.body.guestToken });
    const channelId = (await t.pg.query('SELECT id FROM channels WHERE user_id = $1', [owner.user.id])).rows[0].id as string;
    return { owner, stage, stageId, hostSocket, guestSocket, guestId: joined.body.guestId as string, channelId };
  }

  function cellFor(role: ActorRole, tg: Awaited<ReturnType<typeof target>>): MatrixCell {
    const byRole: Record<ActorRole, { socket: Socket; user: Account | null }> = {
      anonymous: { socket: shared.anonymous!, user: null },
      viewer: { socket: shared.viewer!, user: users.viewer! },
      guest: { socket: tg.guestSocket, user: null },
      cohost: { socket: shared.cohost!, user: users.cohost! },
      host: { socket: tg.hostSocket, user: tg.owner },
      moderator: { socket: shared.moderator!, user: users.moderator! },
      admin: { socket: shared.admin!, user: users.admin! },
    };
    const me = byRole[role];
    return {
      role,
      socket: me.socket,
      base: t.url,
      pg: t.pg,
      owner: tg.owner,
      hostSocket: tg.hostSocket,
      stage: tg.stage,
      stageId: tg.stageId,
      channel: tg.owner.user.username,
      channelId: tg.channelId,
      target: { userId: users.target!.user.id, username: users.target!.user.username },
      actor: { userId: me.user?.user.id ?? null, accessToken: me.user?.accessToken ?? null, guestId: role === 'guest' ? tg.guestId : null },
    };
  }

  it('has a valid sample for every command in the table', () => {
    const missing = ALL_COMMANDS.map((c) => c.name).filter((n) => !MATRIX_SAMPLES.has(n));
    expect(missing).toEqual([]);
  });

  const commands = Object.keys(AUTHORIZATION).filter((c) => MATRIX_SAMPLES.has(c));
  it.each(commands)('%s: allowed roles are never refused, forbidden roles get auth/forbidden and change nothing', async (command) => {
    const sample = MATRIX_SAMPLES.get(command)!;
    const tg = await target();
    const outcomes: string[] = [];
    for (const role of ROLES) {
      const cell = cellFor(role, tg);
      const payload = await sample.payload(cell);
      const before = await sample.state(cell);
      const ack = await send(cell.socket, command, payload);
      const after = await sample.state(cell);
      const refused = !ack.ok && ack.error.code === 'auth/forbidden';
      if (isAllowed(command, role)) {
        if (refused) outcomes.push(`${role}: allowed by the table but refused`);
        if (!ack.ok && ['request/invalid', 'request/unknown-event'].includes(ack.error.code))
          outcomes.push(`${role}: sample payload rejected (${ack.error.code}: ${ack.error.message})`);
      } else {
        if (!refused) outcomes.push(`${role}: forbidden by the table but got ${JSON.stringify(ack).slice(0, 160)}`);
        if (JSON.stringify(after) !== JSON.stringify(before)) outcomes.push(`${role}: forbidden but state changed`);
      }
    }
    expect(outcomes).toEqual([]);
  });
});

import type { StudioServerEvents } from '@streamcat/protocol';
import { eventually } from '../../test/support/eventually';
import { Broadcaster } from '../src/realtime/broadcaster';
import { rooms } from '../src/realtime/socket-actor';
import { disconnected, nextEvent, send } from './support/sockets';
import { expectOk, join, studio } from './support/studio-client';
import { register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

describe('Socket.IO transport', () => {
  const { a, b } = useTwoNodes();

  it('authenticates the handshake: anonymous, user, and a bad token refused with a code', async () => {
    const anon = await a.open();
    expect(await send(anon, 'session:whoami', {})).toEqual({ ok: true, data: { user: null } });

    const u = await register(a.url);
    const s = await a.open({ token: u.accessToken });
    expect(await send(s, 'session:whoami', {})).toEqual({ ok: true, data: { user: u.user } });

    await expect(a.open({ token: 'not-a-token' })).rejects.toMatchObject({ data: { code: 'auth/invalid-token' } });
  });

  it('answers unknown events, bad payloads and floods with error acks, and stays up', async () => {
    const s = await a.open();
    const unknown = await send(s, 'studio:self-destruct', { now: true });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'request/unknown-event' } });
    const invalid = await send(s, 'session:whoami', { extra: 1 });
    expect(invalid).toMatchObject({ ok: false, error: { code: 'request/invalid' } });
    for (const junk of [null, 42, 'text', [1, 2], { __proto__: { x: 1 } }]) {
      const r = await send(s, 'session:whoami', junk);
      expect(r.ok === true || r.error.code === 'request/invalid').toBe(true);
    }
    const burst = await Promise.all(Array.from({ length: 60 }, () => send(s, 'session:whoami', {})));
    expect(burst.some((r) => !r.ok && r.error.code === 'request/rate-limited')).toBe(true);

    // A frame over 64 KB is cut at the transport; the server carries on.
    const big = await a.open();
    const closed = disconnected(big);
    big.emit('session:whoami', { pad: 'x'.repeat(70_000) });
    expect(await closed).toMatch(/transport/);
    const after = await a.open();
    expect((await send(after, 'session:whoami', {})).ok).toBe(true);
  });

  it("delivers to a user's room across nodes through Redis", async () => {
    const u = await register(a.url);
    const tab1 = await a.open({ token: u.accessToken });
    const tab2 = await b.open({ token: u.accessToken });
    // Both tabs are in the user's room, seen from either node, before anything is sent to it.
    for (const node of [a, b])
      await eventually('both tabs in the user room', async () => (await node.app.get(Broadcaster).countRoom(rooms.user(u.user.id))) === 2);

    // An invite from a host on node B reaches the invitee's tab on node A too.
    const host = await register(b.url);
    const hs = await b.open({ token: host.accessToken });
    await join(hs, host.user.username);
    type Invited = StudioServerEvents['studio:invited'];
    const got = Promise.all([nextEvent<Invited>(tab1, 'studio:invited'), nextEvent<Invited>(tab2, 'studio:invited')]);
    const inv = expectOk(
      await studio<{ inviteId: string }>(hs, 'studio:invite', { stage: host.user.username, username: u.user.username, role: 'guest' }),
    );
    for (const invited of await got) expect(invited).toMatchObject({ inviteId: inv.inviteId, from: host.user.username });
  });
});

import type { Socket } from 'socket.io-client';
import type { StudioSnapshot } from '@streamcat/protocol';
import { expectOk, join, seat, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Twelve publishers per studio (an IVS stage's quota), told before any media is tried: the 13th
 * guest hears "This studio is full", a co-host beyond comes in without a camera, and a freed
 * seat gives that co-host a token that may publish.
 */
describe('studio capacity (12 publishers)', () => {
  const app = useTestApp();

  /** The host and 11 guests seated: every publisher seat taken. */
  async function fullStudio() {
    const host = await register(app.url);
    const stage = host.user.username;
    const hs = await app.open({ token: host.accessToken });
    await join(hs, stage);
    const guests: { id: string; username: string }[] = [];
    for (let i = 0; i < 11; i++) {
      const g = await register(app.url);
      await seat(hs, await app.open({ token: g.accessToken }), stage, g.user.username, 'guest');
      guests.push(g.user);
    }
    return { host, stage, hs, guests };
  }

  const tokenOf = (stage: string, accessToken: string) => call(app.url, 'POST', `/api/stages/${stage}/token`, undefined, accessToken);
  const snapshot = async (s: Socket, stage: string) => expectOk(await studio<StudioSnapshot>(s, 'studio:snapshot', { stage }));

  it('tells a 13th guest the studio is full, at the invite and at the answer, and changes nothing', async () => {
    const { stage, hs } = await fullStudio();
    const late = await register(app.url);
    const refused = await studio(hs, 'studio:invite', { stage, username: late.user.username, role: 'guest' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'studio/full', message: expect.stringMatching(/^This studio is full: 12 people/) },
    });
    const after = await snapshot(hs, stage);
    expect(after.document.members).toHaveLength(12);
    expect(after.document.invites).toHaveLength(0);
  });

  it('refuses the answer of a guest invited before the studio filled up, keeping the invite open', async () => {
    const host = await register(app.url);
    const stage = host.user.username;
    const hs = await app.open({ token: host.accessToken });
    await join(hs, stage);
    for (let i = 0; i < 10; i++) {
      const g = await register(app.url);
      await seat(hs, await app.open({ token: g.accessToken }), stage, g.user.username, 'guest');
    }
    // Two invites while one seat is left: whoever answers first takes it.
    const [first, second] = [await register(app.url), await register(app.url)];
    const inv1 = expectOk(await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: first.user.username, role: 'guest' }));
    const inv2 = expectOk(
      await studio<{ inviteId: string }>(hs, 'studio:invite', { stage, username: second.user.username, role: 'guest' }),
    );
    const s1 = await app.open({ token: first.accessToken });
    const s2 = await app.open({ token: second.accessToken });
    expectOk(await studio(s1, 'studio:invite-respond', { stage, inviteId: inv1.inviteId, accept: true }));
    const late = await studio(s2, 'studio:invite-respond', { stage, inviteId: inv2.inviteId, accept: true });
    expect(late).toMatchObject({ ok: false, error: { code: 'studio/full' } });
    expect((await tokenOf(stage, second.accessToken)).status).toBe(403);
    expect((await snapshot(hs, stage)).document.invites.map((i) => i.id)).toEqual([inv2.inviteId]);

    // Someone leaves: the open invite can be taken now.
    expectOk(await studio(hs, 'studio:remove', { stage, memberId: first.user.id }));
    expectOk(await studio(s2, 'studio:invite-respond', { stage, inviteId: inv2.inviteId, accept: true }));
    expect((await tokenOf(stage, second.accessToken)).body.capabilities.sort()).toEqual(['PUBLISH', 'SUBSCRIBE']);
  });

  it('seats a 13th co-host without a camera: a SUBSCRIBE-only token, kept off air, given a camera when a seat frees', async () => {
    const { stage, hs, guests } = await fullStudio();
    const producer = await register(app.url);
    await seat(hs, await app.open({ token: producer.accessToken }), stage, producer.user.username, 'cohost');
    const token = await tokenOf(stage, producer.accessToken);
    expect(token.status).toBe(200);
    expect(token.body.capabilities).toEqual(['SUBSCRIBE']);

    const onAir = await studio(hs, 'studio:set-status', { stage, memberId: producer.user.id, status: 'on-air' });
    expect(onAir).toMatchObject({ ok: false, error: { code: 'studio/full', message: expect.stringContaining('no camera') } });
    const viaLayout = await studio(hs, 'studio:layout', { stage, patch: { order: [producer.user.id] } });
    expect(viaLayout).toMatchObject({ ok: false, error: { code: 'studio/full' } });
    expect((await snapshot(hs, stage)).document.layout.order).toEqual([]);

    expectOk(await studio(hs, 'studio:remove', { stage, memberId: guests[0].id }));
    const again = await tokenOf(stage, producer.accessToken);
    expect(again.body.capabilities.sort()).toEqual(['PUBLISH', 'SUBSCRIBE']);
    expect(again.body.participantId).not.toBe(token.body.participantId);
    expectOk(await studio(hs, 'studio:set-status', { stage, memberId: producer.user.id, status: 'on-air' }));
  });
});

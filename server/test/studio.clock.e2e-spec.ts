import type { StudioServerEvents } from '@streamcat/protocol';
import { StudioClock } from '../src/studio/studio.clock';
import { StudioService } from '../src/studio/studio.service';
import { waitFor } from './support/sockets';
import { expectOk, join, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * The studio reads time from one injected clock: moving it is enough for invites and links
 * to run out, on read, on use and in the sweep, with no row edited and no waiting.
 */
describe('studio time comes from the injected clock', () => {
  const t = useTestApp();
  /** Moves the studio's clock `ms` ahead of real time. */
  const moveAhead = (ms: number) => jest.spyOn(t.app.get(StudioClock), 'now').mockImplementation(() => new Date(Date.now() + ms));

  afterEach(() => jest.restoreAllMocks());

  it('an invite runs out when the clock passes its expiry: hidden, refused, then swept and pushed as expired', async () => {
    const host = await register(t.url);
    const invitee = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    const is = await t.open({ token: invitee.accessToken });
    await join(hs, stage);
    const inv = expectOk(
      await studio<{ inviteId: string }>(hs, 'studio:invite', {
        stage,
        username: invitee.user.username,
        role: 'guest',
        expiresInSeconds: 60,
      }),
    );
    expect((await join(hs, stage)).document.invites.map((i) => i.id)).toEqual([inv.inviteId]);

    moveAhead(61_000);
    expect((await join(hs, stage)).document.invites).toEqual([]);
    expect(await studio(is, 'studio:invite-respond', { stage, inviteId: inv.inviteId, accept: true })).toMatchObject({
      ok: false,
      error: { code: 'invite/expired' },
    });
    const expired = waitFor<StudioServerEvents['studio:invite-closed']>(is, 'studio:invite-closed');
    // This sweep, or the background one every 2 s if it comes first.
    await t.app.get(StudioService).sweepExpired();
    expect(await expired).toMatchObject({ inviteId: inv.inviteId, reason: 'expired' });
  });

  it('an invite link runs out when the clock passes its expiry', async () => {
    const host = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    await join(hs, stage);
    const link = expectOk(await studio<{ code: string }>(hs, 'studio:link-create', { stage, maxUses: 3, expiresInMinutes: 5 }));
    expect((await call(t.url, 'GET', `/api/invites/${link.code}`)).status).toBe(200);

    moveAhead(5 * 60_000 + 1_000);
    for (const res of [
      await call(t.url, 'GET', `/api/invites/${link.code}`),
      await call(t.url, 'POST', `/api/invites/${link.code}/join`, { displayName: 'Too Late' }),
    ])
      expect([res.status, res.body.error.code]).toEqual([410, 'invite/expired']);
  });
});

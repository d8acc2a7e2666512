import type { StudioServerEvents } from '@streamcat/protocol';
import { waitFor } from './support/sockets';
import { expectOk, join, seat, studio } from './support/studio-client';
import { register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

type Changed = StudioServerEvents['studio:changed'];

describe('scenes and programme volume over the socket (one node, real PostgreSQL and Redis)', () => {
  const t = useTestApp();

  async function hostAndCohost() {
    const host = await register(t.url);
    const cohost = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    const cs = await t.open({ token: cohost.accessToken });
    await join(hs, stage);
    await seat(hs, cs, stage, cohost.user.username, 'cohost');
    await join(cs, stage);
    return { host, cohost, stage, hs, cs };
  }

  it('a co-host switches to a card: the change is pushed, stored and read back by a fresh join', async () => {
    const { stage, hs, cs, host } = await hostAndCohost();
    const pushed = waitFor<Changed>(hs, 'studio:changed', (c) => c.change.type === 'scene');
    const at = new Date(Date.now() + 10 * 60_000).toISOString();
    const ack = expectOk(
      await studio<{ version: number }>(cs, 'studio:scene', {
        stage,
        patch: { active: 'starting', countdown: { at, goLive: true }, card: { name: 'starting', title: 'Soon', subtitle: 'Ep. 4' } },
      }),
    );
    const change = await pushed;
    expect(change.version).toBe(ack.version);
    expect(change.document.layout.scene).toMatchObject({
      active: 'starting',
      countdown: { at, goLive: true },
      cards: { starting: { title: 'Soon', subtitle: 'Ep. 4' } },
    });
    const again = await join(await t.open({ token: host.accessToken }), stage);
    expect(again.document.layout.scene).toEqual(change.document.layout.scene);
  });

  it('refuses a countdown beyond 24 h and a stale go-live claim with a sentence, changing nothing', async () => {
    const { stage, hs } = await hostAndCohost();
    const before = await join(hs, stage);
    const far = await studio(hs, 'studio:scene', {
      stage,
      patch: { countdown: { at: new Date(Date.now() + 25 * 3600_000).toISOString(), goLive: false } },
    });
    expect(far).toMatchObject({
      ok: false,
      error: { code: 'request/invalid', message: 'The countdown can end at most 24 hours from now.' },
    });
    expect((await join(hs, stage)).version).toBe(before.version);

    const at = new Date(Date.now() + 60_000).toISOString();
    expectOk(await studio(hs, 'studio:scene', { stage, patch: { active: 'starting', countdown: { at, goLive: true } } }));
    const claim = { stage, patch: { active: 'show', countdown: null, ifCountdownAt: at } };
    expectOk(await studio(hs, 'studio:scene', claim));
    const second = await studio(hs, 'studio:scene', claim);
    expect(second).toMatchObject({ ok: false, error: { code: 'studio/invalid-transition' } });
    expect((await join(hs, stage)).document.layout.scene).toMatchObject({ active: 'show', countdown: null });
  });

  it('sets a member’s programme volume; out-of-range volumes are refused by the schema', async () => {
    const { stage, cs, host } = await hostAndCohost();
    expectOk(await studio(cs, 'studio:programme-volume', { stage, memberId: host.user.id, volume: 30 }));
    expect((await join(cs, stage)).document.members.find((m) => m.id === host.user.id)?.programmeVolume).toBe(30);
    const bad = await studio(cs, 'studio:programme-volume', { stage, memberId: host.user.id, volume: 150 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'request/invalid' } });
    expect((await join(cs, stage)).document.members.find((m) => m.id === host.user.id)?.programmeVolume).toBe(30);
  });
});

import type { Socket } from 'socket.io-client';
import type { ShowSnapshot } from '@streamcat/protocol';
import { send, waitFor } from './support/sockets';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, register } from './support/test-app';
import { useTwoNodes } from './support/use-test-app';

/**
 * Real-time pages draw the show from a public projection of the studio: they get it when they
 * follow a channel and after every change the audience would notice, on any node, and it never
 * names anyone backstage.
 */
describe('show layout for real-time pages, across two nodes', () => {
  const { a, b } = useTwoNodes();

  /** Host A (backstage), B on air, C backstage, on node a; real-time viewing open. */
  async function studioWithBackstage() {
    const host = await register(a.url);
    const onAir = await register(a.url);
    const backstage = await register(a.url);
    const stage = host.user.username;
    const hs = await a.open({ token: host.accessToken });
    await join(hs, stage);
    for (const [who, role] of [
      [onAir, 'guest'],
      [backstage, 'cohost'],
    ] as const) {
      const s = await a.open({ token: who.accessToken });
      await seat(hs, s, stage, who.user.username, role);
    }
    expectOk(await studio(hs, 'studio:set-status', { stage, memberId: onAir.user.id, status: 'on-air' }));
    expectOk(await studio(hs, 'studio:realtime', { stage, open: true }));
    return { host, onAir, backstage, stage, hs };
  }

  async function follow(viewer: Socket, channel: string): Promise<ShowSnapshot> {
    return expectOk(await send<ShowSnapshot>(viewer, 'watch:show', { channel }));
  }

  const mentions = (snapshot: ShowSnapshot, who: Account) => {
    const text = JSON.stringify(snapshot);
    return text.includes(who.user.id) || text.includes(who.user.username);
  };

  it('gives a follower on another node the on-air members only, then pushes each visible change', async () => {
    const { onAir, backstage, stage, hs } = await studioWithBackstage();
    const viewer = await b.open();
    const first = await follow(viewer, stage.toUpperCase());
    expect(first).toMatchObject({
      channel: stage,
      show: {
        layout: 'grid',
        members: [{ id: onAir.user.id, displayName: expect.any(String), muted: false }],
        nameTags: true,
        banner: { text: '', visible: false },
      },
    });
    expect(mentions(first, backstage)).toBe(false);

    // A banner typed but not shown, and a backstage hand raised, push nothing; the next visible change does.
    expectOk(await studio(hs, 'studio:layout', { stage, patch: { banner: { text: 'Coming up next', visible: false } } }));
    const pushes: ShowSnapshot[] = [];
    viewer.on('watch:show', (p: ShowSnapshot) => pushes.push(p));
    expectOk(await studio(hs, 'studio:layout', { stage, patch: { banner: { text: 'Backstage note', visible: false } } }));
    const banner = waitFor<ShowSnapshot>(viewer, 'watch:show', (p) => p.show?.banner.visible === true);
    expectOk(
      await studio(hs, 'studio:layout', {
        stage,
        patch: { banner: { text: 'Live from Lyon', visible: true }, name: 'spotlight', featuredId: onAir.user.id },
      }),
    );
    const shown = await banner;
    expect(shown.show).toMatchObject({ layout: 'spotlight', featuredId: onAir.user.id, banner: { text: 'Live from Lyon', visible: true } });
    expect(shown.version).toBeGreaterThan(first.version);
    expect(pushes).toEqual([shown]);
    expect(mentions(shown, backstage)).toBe(false);

    // Going on air makes a member public, in programme order; going backstage takes them away again.
    const withC = waitFor<ShowSnapshot>(viewer, 'watch:show', (p) => (p.show?.members.length ?? 0) === 2);
    expectOk(await studio(hs, 'studio:set-status', { stage, memberId: backstage.user.id, status: 'on-air' }));
    expect((await withC).show?.members.map((m) => m.id)).toEqual([onAir.user.id, backstage.user.id]);
    const withoutC = waitFor<ShowSnapshot>(viewer, 'watch:show', (p) => (p.show?.members.length ?? 0) === 1);
    expectOk(await studio(hs, 'studio:set-status', { stage, memberId: backstage.user.id, status: 'backstage' }));
    const after = await withoutC;
    expect(after.show?.members.map((m) => m.id)).toEqual([onAir.user.id]);
    expect(mentions(after, backstage)).toBe(false);

    // Closing real-time viewing (no broadcast) makes the show private: the page is told there is nothing to draw.
    const closed = waitFor<ShowSnapshot>(viewer, 'watch:show', (p) => p.show === null);
    expectOk(await studio(hs, 'studio:realtime', { stage, open: false }));
    expect((await closed).channel).toBe(stage);
    expect(await follow(viewer, stage)).toMatchObject({ show: null });
  });

  it('stops pushing after watch:leave, and refuses an unknown channel', async () => {
    const { stage, hs } = await studioWithBackstage();
    const leaving = await b.open();
    const staying = await a.open();
    await follow(leaving, stage);
    await follow(staying, stage);
    expect(expectOk(await send<{ left: boolean }>(leaving, 'watch:leave', { channel: stage }))).toEqual({ left: true });
    const got: ShowSnapshot[] = [];
    leaving.on('watch:show', (p: ShowSnapshot) => got.push(p));
    const seen = waitFor<ShowSnapshot>(staying, 'watch:show', (p) => p.show?.nameTags === false);
    expectOk(await studio(hs, 'studio:layout', { stage, patch: { nameTags: false } }));
    await seen;
    // The push reached a follower on node a; `leaving` (node b) gets nothing once its own round trip is done.
    await send(leaving, 'session:whoami', {});
    expect(got).toEqual([]);
    expect(await send(leaving, 'watch:show', { channel: 'nobody-here-xyz' })).toMatchObject({
      ok: false,
      error: { code: 'channel/not-found' },
    });
  });
});

import type { Socket } from 'socket.io-client';
import type { StudioSnapshot } from '@streamcat/protocol';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { disconnectedAtIvs, stageArnOf, tokenClaims } from './support/stage-records';
import { useTestApp } from './support/use-test-app';

/**
 * Screen share alongside the camera. IVS carries one video per participant, so a member's
 * screen is a second, PUBLISH-only participant from the same browser: userId = their member id,
 * attribute `screen-share` = "true". Its tokens are minted only while the share is declared in
 * the studio document, on the show stage only while the member publishes there, and the screen
 * holds a publisher seat of its own against the stage's twelve.
 */

describe('screen share: a second publish-only participant per member', () => {
  const t = useTestApp();
  const post = (stage: string, path: string, who: Account) =>
    call(t.url, 'POST', `/api/stages/${stage}/${path}`, undefined, who.accessToken);
  const share = (s: Socket, stage: string, sharing: boolean) => studio(s, 'studio:screen-share', { stage, sharing });

  async function studioWithB() {
    const [host, b, c] = await Promise.all([register(t.url), register(t.url), register(t.url)]);
    const [hs, bs, cs] = await Promise.all([host, b, c].map((a) => t.open({ token: a.accessToken })));
    const name = host.user.username;
    await join(hs, name);
    await seat(hs, bs, name, b.user.username, 'guest');
    return { name, host, b, c, hs, bs, cs };
  }

  it('mints a studio-stage screen token only while the share is declared: PUBLISH only, member id, screen-share attribute', async () => {
    const s = await studioWithB();
    const before = await post(s.name, 'screen-token', s.b);
    expect(before.status).toBe(403);
    expect(before.body.error.code).toBe('stage/not-sharing');
    // Not a member at all: refused the same way as for a camera.
    expect((await post(s.name, 'screen-token', s.c)).status).toBe(403);

    expectOk(await share(s.bs, s.name, true));
    const doc = expectOk(await studio<StudioSnapshot>(s.hs, 'studio:snapshot', { stage: s.name })).document;
    expect(doc.members.find((m) => m.id === s.b.user.id)?.screenShare).toBe(true);

    const camera = await post(s.name, 'token', s.b);
    const screen = await post(s.name, 'screen-token', s.b);
    expect(screen.status).toBe(200);
    expect(screen.body).toMatchObject({ capabilities: ['PUBLISH'], stageArn: await stageArnOf(t, s.name, 'studio') });
    expect(screen.body.participantId).not.toBe(camera.body.participantId);
    expect(tokenClaims(screen.body.token)).toMatchObject({
      user_id: s.b.user.id,
      attributes: { username: s.b.user.username, role: 'guest', 'screen-share': 'true' },
      capabilities: { allow_publish: true, allow_subscribe: false },
    });
    expect(tokenClaims(camera.body.token).attributes['screen-share']).toBeUndefined();
    // Asked again: the same token.
    expect((await post(s.name, 'screen-token', s.b)).body.token).toBe(screen.body.token);

    // Stopping the share deletes the screen token (none is minted again until the next start)
    // and disconnects its participant at IVS before the member hears back.
    expectOk(await share(s.bs, s.name, false));
    expect(await disconnectedAtIvs(t, screen.body.participantId)).toBe(true);
    expect(await disconnectedAtIvs(t, camera.body.participantId)).toBe(false);
    const held = await t.pg.query(`SELECT 1 FROM stage_tokens WHERE holder = $1`, [`screen:${s.b.user.id}`]);
    expect(held.rowCount).toBe(0);
    expect((await post(s.name, 'screen-token', s.b)).body.error.code).toBe('stage/not-sharing');
    // The camera is untouched.
    expect((await post(s.name, 'token', s.b)).body.token).toBe(camera.body.token);
  });

  it('on the show stage: only on air while real-time viewing is open; leaving the air, or stopping the share, disconnects the screen before the ack', async () => {
    const s = await studioWithB();
    expectOk(await share(s.bs, s.name, true));
    expect((await post(s.name, 'show-screen-token', s.b)).body.error.code).toBe('stage/show-not-needed');
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: true }));
    expect((await post(s.name, 'show-screen-token', s.b)).body.error.code).toBe('stage/not-on-air');
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'on-air' }));

    const screen = await post(s.name, 'show-screen-token', s.b);
    expect(screen.status).toBe(200);
    expect(screen.body).toMatchObject({ capabilities: ['PUBLISH'], stageArn: await stageArnOf(t, s.name, 'show') });
    expect(tokenClaims(screen.body.token).attributes).toMatchObject({ 'screen-share': 'true' });
    const camera = await post(s.name, 'show-token', s.b);
    expect(camera.body.participantId).not.toBe(screen.body.participantId);

    // Off air: both show-stage participants are disconnected at IVS by the time the host's change is acked.
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'backstage' }));
    expect(await disconnectedAtIvs(t, screen.body.participantId)).toBe(true);
    expect(await disconnectedAtIvs(t, camera.body.participantId)).toBe(true);
    expect((await post(s.name, 'show-screen-token', s.b)).body.error.code).toBe('stage/not-on-air');
    // The studio-stage screen stays: they are still sharing, backstage.
    const studioScreen = await post(s.name, 'screen-token', s.b);
    expect(studioScreen.status).toBe(200);
    expect(await disconnectedAtIvs(t, studioScreen.body.participantId)).toBe(false);
    // On air again, then "Stop sharing": both screen participants are gone before the ack, the cameras stay.
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'on-air' }));
    const showScreen = await post(s.name, 'show-screen-token', s.b);
    const showCamera = await post(s.name, 'show-token', s.b);
    expectOk(await share(s.bs, s.name, false));
    expect(await disconnectedAtIvs(t, studioScreen.body.participantId)).toBe(true);
    expect(await disconnectedAtIvs(t, showScreen.body.participantId)).toBe(true);
    expect(await disconnectedAtIvs(t, showCamera.body.participantId)).toBe(false);
  });

  it('a screen holds a publisher seat: with 11 cameras one share fits, then nobody else shares and a 13th guest is refused', async () => {
    const host = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    await join(hs, stage);
    const sockets: Socket[] = [];
    for (let i = 0; i < 10; i++) {
      const g = await register(t.url);
      const gs = await t.open({ token: g.accessToken });
      await seat(hs, gs, stage, g.user.username, 'guest');
      sockets.push(gs);
    }
    // 11 cameras: the host shares, which takes the twelfth seat.
    expectOk(await share(hs, stage, true));
    const again = await share(sockets[0], stage, true);
    expect(again).toMatchObject({ ok: false, error: { code: 'studio/full' } });
    const late = await register(t.url);
    expect(await studio(hs, 'studio:invite', { stage, username: late.user.username, role: 'guest' })).toMatchObject({
      ok: false,
      error: { code: 'studio/full' },
    });
    // The host stops sharing: the seat is free again for a guest's share.
    expectOk(await share(hs, stage, false));
    expectOk(await share(sockets[0], stage, true));
  });
});

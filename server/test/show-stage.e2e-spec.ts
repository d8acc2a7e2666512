import { WebSocket } from 'ws';
import { STAGE_SOCKET_PATH, type StageServerMessage } from '@streamcat/protocol';
import type { Socket } from 'socket.io-client';
import { eventually } from '../../test/support/eventually';
import { MediaProvider } from '../src/media/media-provider';
import { IdleStagesSweeper } from '../src/stages/idle-stages.sweeper';
import { StageDisconnects } from '../src/stages/stage-disconnects.service';
import { joinStage } from './support/stage-participant';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { disconnectedAtIvs, stageArnOf, tokenClaims } from './support/stage-records';
import { LiveTestApp, useTestApp } from './support/use-test-app';

/**
 * Two stages per studio. The show stage is where the audience (real-time viewers, later a
 * composition) subscribes; only members on air publish there. The server enforces it: it
 * mints show-stage PUBLISH tokens only for on-air members while the show stage is needed,
 * and takes a member's show-stage participant off the stage before it acknowledges the change
 * that took them off air.
 */

const QUOTA_SENTENCE = 'StreamCat has reached its Amazon IVS stage quota in us-east-1; ask the operator to raise it.';

interface Studio {
  name: string;
  host: Account;
  b: Account;
  c: Account;
  hs: Socket;
  bs: Socket;
  cs: Socket;
}

/** Host A with members B (on air) and C (backstage); real-time viewing open unless told otherwise. */
async function studioWithTwo(t: LiveTestApp, realtime = true): Promise<Studio> {
  const [host, b, c] = await Promise.all([register(t.url), register(t.url), register(t.url)]);
  const [hs, bs, cs] = await Promise.all([host, b, c].map((a) => t.open({ token: a.accessToken })));
  const name = host.user.username;
  await join(hs, name);
  await seat(hs, bs, name, b.user.username, 'guest');
  await seat(hs, cs, name, c.user.username, 'guest');
  expectOk(await studio(hs, 'studio:set-status', { stage: name, memberId: b.user.id, status: 'on-air' }));
  if (realtime) expectOk(await studio(hs, 'studio:realtime', { stage: name, open: true }));
  return { name, host, b, c, hs, bs, cs };
}

const showToken = (t: LiveTestApp, stage: string, who?: Account) =>
  call(t.url, 'POST', `/api/stages/${stage}/show-token`, undefined, who?.accessToken);

/** Joins a stage and sends one raw message, returning the first error the stage answers with. */
async function refusalOf(t: LiveTestApp, token: string, message: Record<string, unknown>): Promise<string> {
  const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}${STAGE_SOCKET_PATH}`);
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the stage')), 5_000);
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as StageServerMessage;
        if (m.t === 'joined') ws.send(JSON.stringify(message));
        else if (m.t === 'error') {
          clearTimeout(timer);
          resolve(m.code);
        }
      });
      ws.once('open', () => ws.send(JSON.stringify({ t: 'join', token })));
      ws.once('error', reject);
    });
  } finally {
    ws.close();
  }
}

const FAKE_SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

describe('show stage: who publishes and who watches', () => {
  const t = useTestApp();
  afterEach(() => jest.restoreAllMocks());

  it('exists only while needed: no show token and no show stage while real-time viewing is closed', async () => {
    const s = await studioWithTwo(t, false);
    const refused = await showToken(t, s.name, s.b);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('stage/show-not-needed');
    expect(await stageArnOf(t, s.name, 'show')).toBeNull();

    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: true }));
    const show = await stageArnOf(t, s.name, 'show');
    expect(show).toMatch(/:stage\//);
    expect(show).not.toBe(await stageArnOf(t, s.name, 'studio'));
  });

  it('mints PUBLISH-only tokens for on-air members (userId = member id, {username, role}), refuses everyone else', async () => {
    const s = await studioWithTwo(t);
    const show = await stageArnOf(t, s.name, 'show');
    const b = await showToken(t, s.name, s.b);
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ capabilities: ['PUBLISH'], stageArn: show });
    const c0 = tokenClaims(b.body.token);
    expect(c0).toMatchObject({
      resource: show,
      user_id: s.b.user.id,
      attributes: { username: s.b.user.username, role: 'guest' },
      capabilities: { allow_publish: true, allow_subscribe: false },
    });
    // Asked again: the same token.
    expect((await showToken(t, s.name, s.b)).body.participantId).toBe(b.body.participantId);

    const c = await showToken(t, s.name, s.c);
    expect(c.status).toBe(403);
    expect(c.body.error).toEqual({ code: 'stage/not-on-air', message: expect.stringMatching(/on air/) });
    // The host is a member like any other: backstage, no token.
    expect((await showToken(t, s.name, s.host)).body.error.code).toBe('stage/not-on-air');
    const stranger = await register(t.url);
    expect((await showToken(t, s.name, stranger)).status).toBe(403);
    expect((await showToken(t, s.name)).status).toBe(401);
    expect((await showToken(t, 'nobody-here', s.b)).status).toBe(404);

    // Viewers: SUBSCRIBE only, on the show stage, never the studio stage.
    const viewer = await call(t.url, 'POST', `/api/stages/${s.name}/viewer-token`);
    expect(viewer.status).toBe(200);
    expect(viewer.body).toMatchObject({ capabilities: ['SUBSCRIBE'], stageArn: show });
    expect(tokenClaims(viewer.body.token).capabilities).toEqual({ allow_publish: false, allow_subscribe: true });
  });

  it('hands the show token to the member, and only them, just before the change that puts them on the show', async () => {
    const s = await studioWithTwo(t);
    // C's studio page: in the studio room, as the page is once it joined.
    await join(s.cs, s.name);
    const seen: string[] = [];
    let pushed: { stageId: string; token: { participantId: string; token: string; capabilities: string[] } } | null = null;
    s.cs.on('studio:show-token', (e) => {
      seen.push('show-token');
      pushed = e;
    });
    s.cs.on('studio:changed', () => seen.push('changed'));
    let leaked = 0;
    for (const other of [s.hs, s.bs]) other.on('studio:show-token', () => leaked++);

    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.c.user.id, status: 'on-air' }));
    await eventually('C hears of the change', () => seen.includes('changed'));
    expect(seen.slice(0, 2)).toEqual(['show-token', 'changed']);
    expect(pushed!.token.capabilities).toEqual(['PUBLISH']);
    expect(tokenClaims(pushed!.token.token)).toMatchObject({ resource: await stageArnOf(t, s.name, 'show'), user_id: s.c.user.id });
    // The token route answers the very token that was pushed.
    expect((await showToken(t, s.name, s.c)).body.participantId).toBe(pushed!.token.participantId);

    // A change that does not put anyone on the show pushes no token; closing and reopening real-time does, to everyone on air.
    expectOk(await studio(s.hs, 'studio:layout', { stage: s.name, patch: { nameTags: false } }));
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: false }));
    const before = seen.filter((x) => x === 'show-token').length;
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: true }));
    await eventually('a new show token for C', () => seen.filter((x) => x === 'show-token').length === before + 1);
    await eventually('a new show token for B, on air all along', () => leaked === 1);
    expect(before).toBe(1);
    expect(leaked).toBe(1);
  });

  it('the local stage holds each token to its capabilities, as IVS does', async () => {
    const s = await studioWithTwo(t);
    const b = await showToken(t, s.name, s.b);
    const viewer = await call(t.url, 'POST', `/api/stages/${s.name}/viewer-token`);
    // PUBLISH-only: cannot subscribe to anyone. SUBSCRIBE-only: cannot publish.
    expect(
      await refusalOf(t, b.body.token, { t: 'subscribe', participantId: viewer.body.participantId, sdp: FAKE_SDP, type: 'audio_video' }),
    ).toBe('SUBSCRIBE_NOT_ALLOWED');
    expect(await refusalOf(t, viewer.body.token, { t: 'publish', sdp: FAKE_SDP })).toBe('PUBLISH_NOT_ALLOWED');
  });

  it.each([
    ['taken off air', (s: Studio) => studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'backstage' })],
    ['dropped from the layout', (s: Studio) => studio(s.hs, 'studio:layout', { stage: s.name, patch: { order: [s.c.user.id] } })],
    ['removed from the studio', (s: Studio) => studio(s.hs, 'studio:remove', { stage: s.name, memberId: s.b.user.id })],
  ])('a member %s is off the show stage before the host hears back, and their token is dead', async (_, change) => {
    const s = await studioWithTwo(t);
    const b = await showToken(t, s.name, s.b);
    const onShow = await joinStage(t.url, b.body.token);
    // IVS takes its time: the ack still waits for the disconnect.
    const media = t.app.get(MediaProvider);
    const real = media.disconnectParticipant.bind(media);
    jest.spyOn(media, 'disconnectParticipant').mockImplementation(async (...args) => {
      await new Promise((r) => setTimeout(r, 300));
      return real(...args);
    });

    expectOk(await change(s));
    // Checked at the moment of the ack, not eventually.
    expect(await disconnectedAtIvs(t, b.body.participantId)).toBe(true);
    expect(await t.pg.count(`stage_tokens WHERE participant_id = '${b.body.participantId}'`)).toBe(0);
    expect(await t.app.get(StageDisconnects).pending()).toBe(0);
    expect(await onShow.ended).toBe('participant-disconnected');
    await expect(joinStage(t.url, b.body.token)).rejects.toThrow('TOKEN_DISCONNECTED');
    expect((await showToken(t, s.name, s.b)).status).toBe(403);
  });

  it('a disconnect IVS fails at first is retried before the ack', async () => {
    const s = await studioWithTwo(t);
    const b = await showToken(t, s.name, s.b);
    const onShow = await joinStage(t.url, b.body.token);
    const media = t.app.get(MediaProvider);
    const { AppError } = await import('../src/http/app-error');
    jest.spyOn(media, 'disconnectParticipant').mockRejectedValueOnce(new AppError('media/provider-unavailable'));
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'backstage' }));
    expect(await disconnectedAtIvs(t, b.body.participantId)).toBe(true);
    expect(await onShow.ended).toBe('participant-disconnected');
  });

  it('durable: a node that stops between commit and disconnect leaves the work to any node', async () => {
    const s = await studioWithTwo(t);
    const b = await showToken(t, s.name, s.b);
    const onShow = await joinStage(t.url, b.body.token);
    const disconnects = t.app.get(StageDisconnects);
    // As if the process died right after commit: nothing sent, the row stays.
    const finish = jest.spyOn(disconnects, 'finish').mockResolvedValueOnce(false);
    jest.spyOn(disconnects, 'kick').mockImplementationOnce(() => undefined);
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'backstage' }));
    expect(finish).toHaveBeenCalled();
    // The token is already gone from StreamCat: nobody can be handed it again.
    expect(await t.pg.count(`stage_tokens WHERE participant_id = '${b.body.participantId}'`)).toBe(0);
    expect(await disconnects.pending()).toBe(1);
    jest.restoreAllMocks();
    disconnects.kick(); // what the next start (or another node's poll) does
    expect(await onShow.ended).toBe('participant-disconnected');
    await eventually('row done', async () => (await disconnects.pending()) === 0);
  });

  it('closing real-time viewing takes viewers and on-air members off the show stage; no show token after', async () => {
    const s = await studioWithTwo(t);
    const b = await showToken(t, s.name, s.b);
    const viewer = await call(t.url, 'POST', `/api/stages/${s.name}/viewer-token`);
    const [onShow, watching] = await Promise.all([joinStage(t.url, b.body.token), joinStage(t.url, viewer.body.token)]);
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: false }));
    expect(await onShow.ended).toBe('participant-disconnected');
    expect(await watching.ended).toBe('participant-disconnected');
    expect((await showToken(t, s.name, s.b)).body.error.code).toBe('stage/show-not-needed');
    expect((await call(t.url, 'POST', `/api/stages/${s.name}/viewer-token`)).status).toBe(403);
  });

  it('the studio stage keeps working for members whatever the show stage does', async () => {
    const s = await studioWithTwo(t);
    const mine = await call(t.url, 'POST', `/api/stages/${s.name}/token`, undefined, s.c.accessToken);
    expect(mine.body).toMatchObject({ capabilities: ['PUBLISH', 'SUBSCRIBE'], stageArn: await stageArnOf(t, s.name, 'studio') });
    const onStudio = await joinStage(t.url, mine.body.token);
    expectOk(await studio(s.hs, 'studio:set-status', { stage: s.name, memberId: s.b.user.id, status: 'backstage' }));
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: false }));
    expect(onStudio.isOpen()).toBe(true);
    onStudio.close();
  });

  it('the idle sweeper gives the show stage back once real-time viewing is closed', async () => {
    const s = await studioWithTwo(t);
    const show = (await stageArnOf(t, s.name, 'show'))!;
    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(await t.app.get(IdleStagesSweeper).sweep(later)).not.toContain(show);
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: false }));
    expect(await t.app.get(IdleStagesSweeper).sweep(later)).toContain(show);
    expect(await stageArnOf(t, s.name, 'show')).toBeNull();
    // Opening again makes a new one.
    expectOk(await studio(s.hs, 'studio:realtime', { stage: s.name, open: true }));
    expect(await stageArnOf(t, s.name, 'show')).not.toBe(show);
  });
});

describe('show stage under a stage quota of 1', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'stages=1' });

  it('opening real-time viewing is refused with the quota sentence, leaving nothing half-made', async () => {
    const host = await register(t.url);
    const hs = await t.open({ token: host.accessToken });
    const name = host.user.username;
    await join(hs, name); // the studio stage: the quota's one stage
    const refused = await studio(hs, 'studio:realtime', { stage: name, open: true });
    expect(refused).toEqual({ ok: false, error: { code: 'media/quota-exceeded', message: QUOTA_SENTENCE } });
    expect(await stageArnOf(t, name, 'show')).toBeNull();
    expect((await t.pg.query(`SELECT is_live FROM stages WHERE name = $1`, [name])).rows[0].is_live).toBe(false);
    expect((await join(hs, name)).document.live.realtime.state).toBe('closed');
    expect(await t.pg.count(`orphaned_media_resources`)).toBe(0);
    expect((await call(t.url, 'POST', `/api/stages/${name}/viewer-token`)).status).toBe(403);
  });
});

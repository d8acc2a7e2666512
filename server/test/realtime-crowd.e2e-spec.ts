import type { StageDisconnectProgress } from '@streamcat/protocol';
import { MediaProvider } from '../src/media/media-provider';
import { StageDisconnects } from '../src/stages/stage-disconnects.service';
import { eventually } from '../../test/support/eventually';
import testLimits from '../../test/support/test-limits.json';
import { joinStage, StageParticipant } from './support/stage-participant';
import { expectOk, join, studio } from './support/studio-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase } from '../../test/support/database';
import { connectSocket, connected } from './support/sockets';
import { call, register, startTestApp, TestApp } from './support/test-app';
import { LiveTestApp, useTestApp } from './support/use-test-app';

/**
 * Real-time viewing with a crowd, against an emulator as strict as AWS about call rates
 * (IVS_EMULATOR_LIMITS): closing it disconnects every viewer, a few per second, and the host
 * watches it finish; a crowd arriving at once is let in at the rate IVS mints tokens, the
 * rest told when to come back.
 */

/** A host with real-time viewing open; their studio socket records the disconnect progress pushed to it. */
async function openStage(t: LiveTestApp) {
  const host = await register(t.url);
  const socket = await t.open({ token: host.accessToken });
  await join(socket, host.user.username);
  expectOk(await studio(socket, 'studio:realtime', { stage: host.user.username, open: true }));
  const progress: StageDisconnectProgress[] = [];
  socket.on('studio:disconnects', (p: StageDisconnectProgress) => progress.push(p));
  return { host, socket, name: host.user.username, progress };
}

/** `n` anonymous viewers (a cookie each, as n browsers), joined to the stage. */
async function viewers(t: LiveTestApp, stage: string, n: number): Promise<StageParticipant[]> {
  const joined: StageParticipant[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, async () => {
        const token = await call(t.url, 'POST', `/api/stages/${stage}/viewer-token`);
        if (token.status !== 200) throw new Error(`viewer token: ${token.status} ${JSON.stringify(token.body)}`);
        return joinStage(t.url, token.body.token);
      }),
    );
    joined.push(...batch);
  }
  return joined;
}

describe('closing real-time viewing for 200 viewers at DisconnectParticipant 5/s', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'DisconnectParticipant=5/s' });

  it('disconnects all 200 and the host sees it finish', async () => {
    const stage = await openStage(t);
    const crowd = await viewers(t, stage.name, 200);
    const queue = t.app.get(MediaProvider).callQueue();
    const before = { ...queue.stats('DisconnectParticipant') };

    const started = Date.now();
    expectOk(await studio(stage.socket, 'studio:realtime', { stage: stage.name, open: false }));
    const reasons = await Promise.all(crowd.map((v) => v.ended));
    const allGone = Date.now() - started;
    const finished = await eventually('the host to hear that it finished', () => stage.progress.find((p) => p.finished), 10_000);
    const seconds = (Date.now() - started) / 1000;

    expect(reasons.filter((r) => r !== 'participant-disconnected')).toEqual([]);
    expect(finished).toMatchObject({ reason: 'realtime-closed', done: 200, failed: 0, total: 200 });
    // The host saw it count up on the way.
    const counts = stage.progress.filter((p) => !p.finished).map((p) => p.done);
    expect(counts.length).toBeGreaterThan(10);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    // 200 calls at 5 per second cannot take less than ~39 s (the emulator's bucket starts with 5).
    expect(allGone).toBeGreaterThan(38_000);
    expect(seconds).toBeLessThan(90);
    const after = queue.stats('DisconnectParticipant');
    expect(after.calls - before.calls - (after.retried - before.retried)).toBe(200);
    expect(await t.app.get(StageDisconnects).pending()).toBe(0);
    console.log(
      `200 viewers disconnected in ${(allGone / 1000).toFixed(1)} s, finish pushed at ${seconds.toFixed(1)} s; ` +
        `${after.throttled - before.throttled} throttled calls retried`,
    );
  }, 150_000);
});

describe('a server allowed more than the account gets (another replica, a raised setting): throttled calls are retried', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'DisconnectParticipant=5/s', IVS_API_RATES: 'DisconnectParticipant=25/s' });

  it('still disconnects every viewer', async () => {
    const stage = await openStage(t);
    const crowd = await viewers(t, stage.name, 40);
    const queue = t.app.get(MediaProvider).callQueue();
    expectOk(await studio(stage.socket, 'studio:realtime', { stage: stage.name, open: false }));
    const reasons = await Promise.all(crowd.map((v) => v.ended));
    expect(reasons.filter((r) => r !== 'participant-disconnected')).toEqual([]);
    await eventually('the host to hear that it finished', () => stage.progress.find((p) => p.finished), 10_000);
    expect(stage.progress.find((p) => p.finished)).toMatchObject({ done: 40, failed: 0, total: 40 });
    expect(queue.stats('DisconnectParticipant').throttled).toBeGreaterThan(0);
  }, 90_000);
});

describe('100 anonymous viewers at once, CreateParticipantToken 10/s', () => {
  const t = useTestApp({
    IVS_EMULATOR_LIMITS: 'CreateParticipantToken=10/s',
    // What an operator sets for an account whose mint rate differs from AWS's default (50/s).
    IVS_API_RATES: 'CreateParticipantToken=10/s',
    RATE_LIMITS: testLimits.RATE_LIMITS,
  });

  /** A viewer's page: asks for a token, and when told to wait (503 + Retry-After) waits that long plus up to a second. */
  async function page(stage: string): Promise<{ waits: { status: number; code: string; retryAfter: number; message: string }[] }> {
    const waits: { status: number; code: string; retryAfter: number; message: string }[] = [];
    for (;;) {
      const res = await fetch(`${t.url}/api/stages/${stage}/viewer-token`, { method: 'POST' });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      if (res.status === 200) return { waits };
      const retryAfter = Number(res.headers.get('retry-after'));
      waits.push({ status: res.status, code: body.error?.code ?? '?', retryAfter, message: body.error?.message ?? '' });
      if (!(retryAfter > 0) || waits.length > 20) throw new Error(`viewer refused: ${res.status} ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + Math.random() * 1000));
    }
  }

  it('lets all 100 in within about 10 s, telling those in line when to come back, and IVS never throttles', async () => {
    const stage = await openStage(t);
    const queue = t.app.get(MediaProvider).callQueue();
    const before = { ...queue.stats('CreateParticipantToken') };
    const started = Date.now();
    const pages = await Promise.all(Array.from({ length: 100 }, () => page(stage.name)));
    const seconds = (Date.now() - started) / 1000;

    const waits = pages.flatMap((p) => p.waits);
    expect(waits.filter((w) => w.status !== 503 || w.code !== 'media/busy')).toEqual([]);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0].message).toMatch(/^Many viewers are joining this stage right now: you are in line/);
    expect(seconds).toBeGreaterThan(9);
    expect(seconds).toBeLessThan(20);
    const after = queue.stats('CreateParticipantToken');
    expect(after.calls - before.calls).toBe(100);
    expect(after.throttled - before.throttled).toBe(0);
    const { id } = (await t.pg.query(`SELECT id FROM stages WHERE name = $1`, [stage.name])).rows[0];
    expect(await t.pg.count(`stage_tokens WHERE stage_id = '${id}' AND holder LIKE 'viewer:%'`)).toBe(100);
    console.log(
      `100 viewers admitted in ${seconds.toFixed(1)} s; ${pages.filter((p) => p.waits.length).length} waited in line (${waits.length} 503s)`,
    );
  }, 60_000);
});

describe('a restart half-way through closing real-time viewing', () => {
  it('resumes the disconnects from PostgreSQL: no viewer pass is left usable', async () => {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(joinPath(tmpdir(), 'streamcat-restart-disconnects-'));
    // This server sends 2 disconnects per second: 20 take ~10 s, time enough to stop it half-way.
    const env = { IVS_API_RATES: 'DisconnectParticipant=2/s' };
    let a: TestApp | undefined = await startTestApp(env, { db, dataDir });
    let b: TestApp | undefined;
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const host = await register(a.url);
      const socket = connectSocket(a.url, { token: host.accessToken });
      await connected(socket);
      await join(socket, host.user.username);
      expectOk(await studio(socket, 'studio:realtime', { stage: host.user.username, open: true }));
      const participants: string[] = [];
      for (let i = 0; i < 20; i++) {
        const token = await call(a.url, 'POST', `/api/stages/${host.user.username}/viewer-token`);
        participants.push(token.body.participantId);
      }
      expectOk(await studio(socket, 'studio:realtime', { stage: host.user.username, open: false }));
      socket.close();
      const disconnectedAtIvs = async () =>
        Number(
          (
            await pg.query(
              `SELECT count(*)::int AS n FROM ivs_emu_participant_tokens WHERE participant_id = ANY($1) AND disconnected_at IS NOT NULL`,
              [participants],
            )
          ).rows[0].n,
        );
      await eventually('a few disconnects to go through', async () => (await disconnectedAtIvs()) >= 4, 10_000);
      await a.close();
      a = undefined;
      const leftOver = Number((await pg.query(`SELECT count(*)::int AS n FROM stage_disconnects WHERE done_at IS NULL`)).rows[0].n);
      expect(leftOver).toBeGreaterThan(0);
      expect(await disconnectedAtIvs()).toBeLessThan(20);

      b = await startTestApp(env, { db, dataDir });
      await eventually('every pass to be disconnected at IVS', async () => (await disconnectedAtIvs()) === 20, 30_000, 200);
      await eventually('nothing left to disconnect', async () => (await b!.app.get(StageDisconnects).pending()) === 0, 5_000);
      console.log(`restart: ${leftOver} of 20 disconnects were pending at the stop, all done by the next start`);
    } finally {
      await pg.end();
      await a?.close();
      await b?.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

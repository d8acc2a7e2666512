import { ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import { MediaProvider } from '../src/media/media-provider';
import { IdleStagesSweeper } from '../src/stages/idle-stages.sweeper';
import { eventually } from '../../test/support/eventually';
import { ivsClients } from './support/ivs-clients';
import { join, studio } from './support/studio-client';
import { call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/** The emulator holds AWS's quotas (IVS_EMULATOR_LIMITS overrides them): the server lives within them. */

const QUOTA_SENTENCE = 'StreamCat has reached its Amazon IVS stage quota in us-east-1; ask the operator to raise it.';

async function stageCount(t: Parameters<typeof ivsClients>[0]): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await ivsClients(t).realtime.send(new ListStagesCommand({ maxResults: 100, nextToken }));
    count += page.stages?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

describe('150 sign-ups against AWS’s default stage quota (100 per region)', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'stages=100' });

  it('all succeed: sign-up makes no stage', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 150; i += 10)
      statuses.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            call(t.url, 'POST', '/api/auth/register', { username: `quota${i + j}`, password: 'quota-pass-1' }).then((r) => r.status),
          ),
        )),
      );
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    expect(await t.pg.count('users')).toBe(150);
    expect(await stageCount(t)).toBe(0);
  }, 120_000);
});

describe('a stage quota of 3', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'stages=3' });

  it('refuses the 4th studio open with the sentence, leaving nothing half-made; a stage given back makes room', async () => {
    const hosts = await Promise.all(Array.from({ length: 4 }, () => register(t.url)));
    const sockets = await Promise.all(hosts.map((h) => t.open({ token: h.accessToken })));
    for (let i = 0; i < 3; i++) await join(sockets[i], hosts[i].user.username);
    expect(await stageCount(t)).toBe(3);

    const fourth = hosts[3].user.username;
    const refused = await studio(sockets[3], 'studio:join', { stage: fourth });
    expect(refused).toEqual({ ok: false, error: { code: 'media/quota-exceeded', message: QUOTA_SENTENCE } });
    const token = await call(t.url, 'POST', `/api/stages/${fourth}/token`, undefined, hosts[3].accessToken);
    expect(token.status).toBe(503);
    expect(token.body.error).toEqual({ code: 'media/quota-exceeded', message: QUOTA_SENTENCE });

    const { id } = (await t.pg.query(`SELECT id FROM stages WHERE name = $1`, [fourth])).rows[0];
    expect(await t.pg.count(`ivs_stages WHERE stage_id = '${id}'`)).toBe(0);
    expect(await t.pg.count(`studio_documents WHERE stage_id = '${id}'`)).toBe(0);
    expect(await t.pg.count(`stage_tokens WHERE stage_id = '${id}'`)).toBe(0);
    expect(await t.pg.count(`orphaned_media_resources`)).toBe(0);
    expect(await stageCount(t)).toBe(3);

    // The first host goes idle: their stage is given back and the fourth gets one.
    await sockets[0].emitWithAck('studio:leave', { stage: hosts[0].user.username });
    await t.pg.query(
      `UPDATE ivs_stages SET last_used_at = now() - interval '1 day' WHERE stage_id = (SELECT id FROM stages WHERE name = $1)`,
      [hosts[0].user.username],
    );
    expect(await t.app.get(IdleStagesSweeper).sweep()).toHaveLength(1);
    await join(sockets[3], fourth);
    expect(await stageCount(t)).toBe(3);
  });
});

describe('health probes at 20 per second against ListStages at 1 per second', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'ListStages=1/s' });

  it('all answer healthy and IVS is never throttled: one probe of IVS serves them', async () => {
    const queue = t.app.get(MediaProvider).callQueue();
    const answers: { status: number; media: string }[] = [];
    for (let tick = 0; tick < 60; tick++) {
      const started = Date.now();
      void call(t.url, 'GET', '/api/health').then((r) => answers.push({ status: r.status, media: r.body.media }));
      // Paced like a load balancer's probes, 50 ms apart (not a synchronisation wait).
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - started))));
    }
    await eventually('every probe to be answered', () => answers.length === 60);
    expect(answers.filter((a) => a.status !== 200 || a.media !== 'up')).toEqual([]);
    expect(queue.stats('ListStages')).toEqual({ calls: 1, throttled: 0, retried: 0 });
  });
});

describe('an AWS account awaiting verification', () => {
  const t = useTestApp({ IVS_EMULATOR_LIMITS: 'pendingVerification=true' });

  it('says so at sign-up, not that a quota is used up, and creates nothing', async () => {
    const res = await call(t.url, 'POST', '/api/auth/register', { username: 'unverified', password: 'quota-pass-1' });
    expect(res.status).toBe(503);
    expect(res.body.error).toEqual({
      code: 'media/pending-verification',
      message: 'The AWS account behind StreamCat is awaiting verification by Amazon; ask the operator.',
    });
    expect(await t.pg.count('users')).toBe(0);
  });
});

import { GetStageCommand, ListStagesCommand } from '@aws-sdk/client-ivs-realtime';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, migrations } from '../src/database/data-source';
import { runMigrations } from '../src/database/migrate';
import { StagesOnDemand1763800700000 } from '../src/database/migrations/1763800700000-stages-on-demand';
import { createTestDatabase } from '../../test/support/database';
import { AppError } from '../src/http/app-error';
import { MediaProvider } from '../src/media/media-provider';
import { IdleStagesSweeper } from '../src/stages/idle-stages.sweeper';
import { ivsClients } from './support/ivs-clients';
import { joinStage } from './support/stage-participant';
import { expectOk, join, seat, studio } from './support/studio-client';
import { Account, call, register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * A studio's IVS stage exists only while needed: made on the first studio open, member token
 * or real-time opening; given back once the studio is idle (STAGE_IDLE_MINUTES, here judged by
 * sweeping with a clock set ahead); made again on the next need.
 */
describe('studio stages made on first need and given back when idle', () => {
  const t = useTestApp();
  const { pg } = t;
  const ivs = () => ivsClients(t);
  afterEach(() => jest.restoreAllMocks());

  const IDLE_MS = 30 * 60_000;
  const later = () => new Date(Date.now() + IDLE_MS + 60_000);

  async function stagesNamed(name: string) {
    const out = await ivs().realtime.send(new ListStagesCommand({ maxResults: 100 }));
    return (out.stages ?? []).filter((s) => s.name === name);
  }
  const studioRow = async (name: string) =>
    (
      await pg.query(
        `SELECT s.id, i.arn FROM stages s LEFT JOIN ivs_stages i ON i.stage_id = s.id AND i.kind = 'studio' WHERE s.name = $1`,
        [name],
      )
    ).rows[0] as { id: string; arn: string | null };
  const ownerToken = (a: Account) => call(t.url, 'POST', `/api/stages/${a.user.username}/token`, undefined, a.accessToken);
  const sweep = (now = later()) => t.app.get(IdleStagesSweeper).sweep(now);

  it('sign-up makes no stage; the first studio open makes one, however many first uses race', async () => {
    const host = await register(t.url);
    expect(await stagesNamed(host.user.username)).toHaveLength(0);
    expect((await studioRow(host.user.username)).arn).toBeNull();
    const me = await call(t.url, 'GET', '/api/me', undefined, host.accessToken);
    expect(me.body.stage).toEqual({ name: host.user.username, arn: null, isLive: false });

    const s = await t.open({ token: host.accessToken });
    const [snapshot, ...tokens] = await Promise.all([join(s, host.user.username), ...Array.from({ length: 4 }, () => ownerToken(host))]);
    expect(snapshot.document.ownerId).toBe(host.user.id);
    const stages = await stagesNamed(host.user.username);
    expect(stages).toHaveLength(1);
    expect(tokens.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(tokens.map((r) => r.body.stageArn))).toEqual(new Set([stages[0].arn]));
    expect((await studioRow(host.user.username)).arn).toBe(stages[0].arn);
    expect((await call(t.url, 'GET', '/api/me', undefined, host.accessToken)).body.stage.arn).toBe(stages[0].arn);
  });

  it('a refused CreateStage answers the studio open and leaves nothing behind; a retry works', async () => {
    const host = await register(t.url);
    const s = await t.open({ token: host.accessToken });
    jest
      .spyOn(t.app.get(MediaProvider), 'createStage')
      .mockRejectedValueOnce(
        new AppError(
          'media/quota-exceeded',
          'StreamCat has reached its Amazon IVS stage quota in us-east-1; ask the operator to raise it.',
        ),
      );
    const refused = await studio(s, 'studio:join', { stage: host.user.username });
    expect(refused).toEqual({
      ok: false,
      error: {
        code: 'media/quota-exceeded',
        message: 'StreamCat has reached its Amazon IVS stage quota in us-east-1; ask the operator to raise it.',
      },
    });
    const row = await studioRow(host.user.username);
    expect(row.arn).toBeNull();
    expect(await pg.count(`studio_documents WHERE stage_id = '${row.id}'`)).toBe(0);
    expect(await pg.count(`stage_tokens WHERE stage_id = '${row.id}'`)).toBe(0);

    await join(s, host.user.username);
    expect(await stagesNamed(host.user.username)).toHaveLength(1);
  });

  it('a stage made but not stored is deleted again', async () => {
    const host = await register(t.url);
    const { id } = await studioRow(host.user.username);
    await pg.query(`ALTER TABLE ivs_stages ADD CONSTRAINT test_block_${host.user.username} CHECK (stage_id <> '${id}')`);
    try {
      expect((await ownerToken(host)).status).toBe(500);
      expect(await stagesNamed(host.user.username)).toHaveLength(0);
    } finally {
      await pg.query(`ALTER TABLE ivs_stages DROP CONSTRAINT test_block_${host.user.username}`);
    }
    expect((await ownerToken(host)).status).toBe(200);
  });

  it('an idle studio gives its stage back with its tokens; the next need makes a new one', async () => {
    const host = await register(t.url);
    const first = await ownerToken(host);
    const { id } = await studioRow(host.user.username);
    // Used a minute ago: kept.
    expect(await sweep(new Date())).not.toContain(first.body.stageArn);

    expect(await sweep()).toContain(first.body.stageArn);
    expect(await stagesNamed(host.user.username)).toHaveLength(0);
    await expect(ivs().realtime.send(new GetStageCommand({ arn: first.body.stageArn }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect((await studioRow(host.user.username)).arn).toBeNull();
    expect(await pg.count(`stage_tokens WHERE stage_id = '${id}'`)).toBe(0);

    const second = await ownerToken(host);
    expect(second.status).toBe(200);
    expect(second.body.stageArn).not.toBe(first.body.stageArn);
    expect(second.body.participantId).not.toBe(first.body.participantId);
    expect(await stagesNamed(host.user.username)).toHaveLength(1);
  });

  it('keeps the stage of an idle studio while someone is connected to it, or while real-time viewing is open', async () => {
    const host = await register(t.url);
    const token = await ownerToken(host);
    const onStage = await joinStage(t.url, token.body.token);
    try {
      expect(await sweep()).not.toContain(token.body.stageArn);
      expect(await stagesNamed(host.user.username)).toHaveLength(1);
    } finally {
      onStage.close();
    }
    // IVS saw someone on it: that counted as a use, so a sweep a minute from now finds it fresh.
    expect(await sweep(new Date(Date.now() + 60_000))).not.toContain(token.body.stageArn);

    const s = await t.open({ token: host.accessToken });
    await join(s, host.user.username);
    expectOk(await studio(s, 'studio:realtime', { stage: host.user.username, open: true }));
    await pg.query(`UPDATE ivs_stages SET last_used_at = now() - interval '2 hours' WHERE arn = $1`, [token.body.stageArn]);
    expect(await sweep()).not.toContain(token.body.stageArn);
    expectOk(await studio(s, 'studio:realtime', { stage: host.user.username, open: false }));
    await pg.query(`UPDATE ivs_stages SET last_used_at = now() - interval '2 hours' WHERE arn = $1`, [token.body.stageArn]);
    expect(await sweep(new Date())).toContain(token.body.stageArn);
  });

  it('opening real-time viewing makes the show stage (viewers go there), not the studio stage', async () => {
    const host = await register(t.url);
    const s = await t.open({ token: host.accessToken });
    await join(s, host.user.username);
    const made = (await studioRow(host.user.username)).arn;
    expect(await sweep()).toContain(made);
    expect((await studioRow(host.user.username)).arn).toBeNull();
    expectOk(await studio(s, 'studio:realtime', { stage: host.user.username, open: true }));
    expect((await studioRow(host.user.username)).arn).toBeNull();
    const show = (
      await pg.query(`SELECT i.arn FROM ivs_stages i JOIN stages s ON s.id = i.stage_id WHERE s.name = $1 AND i.kind = 'show'`, [
        host.user.username,
      ])
    ).rows[0]?.arn as string | undefined;
    expect(show).toMatch(/:stage\//);
    expect(await stagesNamed(`${host.user.username}-show`)).toHaveLength(1);
    const viewer = await call(t.url, 'POST', `/api/stages/${host.user.username}/viewer-token`);
    expect(viewer.status).toBe(200);
    expect(viewer.body.stageArn).toBe(show);
  });

  it('a member seated while the studio holds no stage gets a token on the stage made by their first request', async () => {
    const host = await register(t.url);
    const guest = await register(t.url);
    const hs = await t.open({ token: host.accessToken });
    const gs = await t.open({ token: guest.accessToken });
    await join(hs, host.user.username);
    await sweep();
    expect((await studioRow(host.user.username)).arn).toBeNull();
    await seat(hs, gs, host.user.username, guest.user.username, 'guest');
    const { id } = await studioRow(host.user.username);
    expect(await pg.count(`stage_tokens WHERE stage_id = '${id}'`)).toBe(0);
    const mine = await call(t.url, 'POST', `/api/stages/${host.user.username}/token`, undefined, guest.accessToken);
    expect(mine.status).toBe(200);
    expect(mine.body.stageArn).toBe((await studioRow(host.user.username)).arn);
  });

  it('a stage deleted outside StreamCat is forgotten and made again on the next token', async () => {
    const host = await register(t.url);
    const first = await ownerToken(host);
    await t.app.get(MediaProvider).deleteStage(first.body.stageArn);
    // A reused token names the deleted stage: force a new mint, which finds the stage gone.
    await pg.query(`DELETE FROM stage_tokens WHERE stage_arn = $1`, [first.body.stageArn]);
    const second = await ownerToken(host);
    expect(second.status).toBe(200);
    expect(second.body.stageArn).not.toBe(first.body.stageArn);
    expect(await stagesNamed(host.user.username)).toHaveLength(1);
  });

  it('a stranger or a moderator opening the studio makes no stage', async () => {
    const host = await register(t.url);
    const stranger = await register(t.url);
    const moderator = await register(t.url);
    await t.setRole(moderator, 'moderator');
    const refused = await studio(await t.open({ token: stranger.accessToken }), 'studio:join', { stage: host.user.username });
    expect(refused).toMatchObject({ ok: false, error: { code: 'auth/forbidden' } });
    await join(await t.open({ token: moderator.accessToken }), host.user.username);
    expect(await stagesNamed(host.user.username)).toHaveLength(0);
  });
});

describe('migration StagesOnDemand: existing studios keep their stage, tokens remember it', () => {
  it('upgrades a database written by the previous version', async () => {
    const db = await createTestDatabase();
    const before = new DataSource({
      ...dataSourceOptions(db.url),
      migrations: migrations.slice(0, migrations.indexOf(StagesOnDemand1763800700000)),
    });
    await before.initialize();
    const arn = 'arn:aws:ivs:us-east-1:123456789012:stage/OldStage0001';
    try {
      await before.runMigrations();
      const [{ id: userId }] = await before.query(`INSERT INTO users (username, password_hash) VALUES ('oldhost', 'x') RETURNING id`);
      const [{ id: stageId }] = await before.query(`INSERT INTO stages (user_id, name, arn) VALUES ($1, 'oldhost', $2) RETURNING id`, [
        userId,
        arn,
      ]);
      await before.query(
        `INSERT INTO stage_tokens (stage_id, user_id, participant_id, token, capabilities, expires_at)
         VALUES ($1, $2, 'p-old', 't', '{PUBLISH,SUBSCRIBE}', now() + interval '1 hour')`,
        [stageId, userId],
      );
    } finally {
      await before.destroy();
    }

    expect(await runMigrations(db.url)).toContain('StagesOnDemand1763800700000');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      expect((await pg.query(`SELECT kind, arn FROM ivs_stages`)).rows).toEqual([{ kind: 'studio', arn }]);
      expect((await pg.query(`SELECT participant_id, stage_arn FROM stage_tokens`)).rows).toEqual([
        { participant_id: 'p-old', stage_arn: arn },
      ]);
      expect((await pg.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'stages'`)).rows).not.toContainEqual({
        column_name: 'arn',
      });
    } finally {
      await pg.end();
      await db.drop();
    }
  });
});

import type { StudioServerEvents } from '@streamcat/protocol';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { waitFor } from './support/sockets';
import { commandId, expectOk, join, seat, studio } from './support/studio-client';
import { register } from './support/test-app';
import { useTestApp } from './support/use-test-app';

type Changed = StudioServerEvents['studio:changed'];

/**
 * The studio's write path as the database sees it: how many statements a command costs
 * before its ack (each one a round trip to PostgreSQL), and that what is acknowledged or
 * pushed is committed, once per command id, at the version the sender expected.
 */
describe('studio write path: round trips, durability before the ack, idempotency', () => {
  const t = useTestApp();
  afterEach(() => jest.restoreAllMocks());

  /**
   * Statements of the app's own timers (studio expiry sweep, multistream leases, real-time
   * disconnects, limit breaches) and of the in-process emulator: a tick may land inside the
   * window. None of them touches the tables a studio command writes.
   */
  const BACKGROUND =
    /ivs_emu_|FROM "?studio_documents"? WHERE next_expiry_at|multistream_destinations|stage_disconnects|channel_limit_breaches/;
  /**
   * After the push, not before the ack: the show layout for viewers (watch/show-layout.service)
   * reads the committed document once per `studio.changed` domain event.
   */
  const AFTER_PUSH = /FROM studio_documents d JOIN stages s ON s.id = d.stage_id JOIN channels c/;

  /** Every statement sent to PostgreSQL (transaction control included: each is a round trip) while `run` runs. */
  async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; sql: string[] }> {
    const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query');
    try {
      const result = await run();
      return {
        result,
        sql: spy.mock.calls.map((c) => String(c[0]).replace(/\s+/g, ' ').trim()).filter((q) => !BACKGROUND.test(q) && !AFTER_PUSH.test(q)),
      };
    } finally {
      spy.mockRestore();
    }
  }

  const kind = (q: string) => (/^SELECT s\.id, s\.user_id/.test(q) ? 'read' : /^WITH upd AS/.test(q) ? 'write' : q);
  /**
   * The statements up to the last write, by kind. What follows the write (autocommit: the
   * commit) is after the push: the listeners of the `studio.changed` domain event (the
   * moderation panel's entry, the show layout for viewers) read the committed document.
   */
  const untilWritten = (sql: string[]) => {
    const kinds = sql.map(kind);
    return kinds.slice(0, kinds.lastIndexOf('write') + 1);
  };

  async function hostOnStage() {
    const host = await register(t.url);
    const stage = host.user.username;
    const hs = await t.open({ token: host.accessToken });
    const snap = await join(hs, stage);
    return { host, stage, hs, snap };
  }

  it('a layout change costs one statement before its ack on a node that knows the studio, two on one that does not', async () => {
    const { stage, hs } = await hostOnStage();
    const banner = (text: string) => ({ stage, patch: { banner: { text, visible: true } } });
    // First change through this node since it started: a read (stage, document, command id), then the write.
    const cold = await statementsOf(() => studio<{ version: number }>(hs, 'studio:layout', banner('cold')));
    expectOk(cold.result);
    // Printed for docs/benchmarks.md ("where the time goes"): what a command sends, in order.
    process.stdout.write(
      `studio:layout statements, cold (${cold.sql.length}):\n${cold.sql.map((q) => `  ${q.slice(0, 160)}`).join('\n')}\n`,
    );
    expect(untilWritten(cold.sql)).toEqual(['read', 'write']);
    const warm = await statementsOf(() => studio<{ version: number }>(hs, 'studio:layout', banner('warm')));
    expect(expectOk(warm.result).version).toBe(expectOk(cold.result).version + 1);
    expect(untilWritten(warm.sql)).toEqual(['write']);
  });

  it('a studio changed elsewhere (another node) is read again: nothing it changed is lost', async () => {
    const { host, stage, hs, snap } = await hostOnStage();
    const first = expectOk(
      await studio<{ version: number }>(hs, 'studio:layout', { stage, patch: { banner: { text: 'mine', visible: true } } }),
    );
    // Another node's committed change, as it lands in the table (one version more, the document changed).
    await t.pg.query(
      `UPDATE studio_documents SET version = version + 1, document = jsonb_set(document, '{layout,banner,text}', '"theirs"') WHERE stage_id = $1`,
      [snap.stageId],
    );
    const { result, sql } = await statementsOf(() =>
      studio<{ version: number }>(hs, 'studio:mute', { stage, memberId: host.user.id, muted: true }),
    );
    expect(expectOk(result).version).toBe(first.version + 2);
    // The write on the remembered document finds the version moved and stores nothing; then a read and the write.
    expect(untilWritten(sql)).toEqual(['write', 'read', 'write']);
    const now = await join(hs, stage);
    expect(now.document.layout.banner.text).toBe('theirs');
    expect(now.document.members.find((m) => m.id === host.user.id)?.mutedInProgramme).toBe(true);
    // An expected version only a fresh read knows is not refused on the remembered one.
    await t.pg.query(`UPDATE studio_documents SET version = version + 1 WHERE stage_id = $1`, [snap.stageId]);
    expectOk(
      await studio(hs, 'studio:layout', { stage, expectedVersion: now.version + 1, patch: { banner: { text: 'rebased', visible: true } } }),
    );
  });

  it('a change with effects in other tables takes the locked transaction, still one read and one write for the document', async () => {
    const { stage, hs } = await hostOnStage();
    const guest = await register(t.url);
    const gs = await t.open({ token: guest.accessToken });
    await seat(hs, gs, stage, guest.user.username, 'guest');
    const remove = await statementsOf(() => studio(hs, 'studio:remove', { stage, memberId: guest.user.id }));
    expectOk(remove.result);
    process.stdout.write(`studio:remove statements (${remove.sql.length}):\n${remove.sql.map((q) => `  ${q.slice(0, 160)}`).join('\n')}\n`);
    expectLockedWrite(remove.sql, [true]);

    // Stopping a screen share is decided on the document this node knows, meets its effect (screen
    // tokens to delete) and is handed over: nothing written outside the transaction.
    expectOk(await studio(hs, 'studio:screen-share', { stage, sharing: true }));
    const stop = await statementsOf(() => studio(hs, 'studio:screen-share', { stage, sharing: false }));
    expectOk(stop.result);
    expectLockedWrite(stop.sql, [true]);
  });

  /** The document's reads (`locked` each) and its one write, inside the transaction, committed before the ack. */
  function expectLockedWrite(sql: string[], locked: boolean[]) {
    const reads = sql.filter((q) => /^SELECT s\.id, s\.user_id/.test(q));
    expect(reads.map((q) => /FOR UPDATE OF d$/.test(q))).toEqual(locked);
    const write = sql.findIndex((q) => /^WITH upd AS \( UPDATE studio_documents/.test(q));
    expect(sql.filter((q) => /^WITH upd AS/.test(q))).toHaveLength(1);
    const begin = sql.lastIndexOf('START TRANSACTION', write);
    expect(begin).toBeGreaterThanOrEqual(0);
    expect(sql.indexOf(reads[reads.length - 1])).toBeGreaterThan(begin);
    expect(sql.indexOf('COMMIT', write)).toBeGreaterThan(write);
  }

  it('acknowledged means durable: the ack and the push come after the row and the command record are stored', async () => {
    const { host, stage, hs, snap } = await hostOnStage();
    const guest = await register(t.url);
    const gs = await t.open({ token: guest.accessToken });
    await seat(hs, gs, stage, guest.user.username, 'guest');
    await join(gs, stage);
    const before = (await join(hs, stage)).version;
    expect(before).toBeGreaterThan(snap.version);

    // What the other member's socket holds when the push arrives is already in the table.
    let storedAtPush: Promise<number> | undefined;
    const pushed = waitFor<Changed>(gs, 'studio:changed', (c) => {
      if (c.document.layout.banner.text !== 'durable') return false;
      storedAtPush = t.pg
        .query<{ version: number }>('SELECT version FROM studio_documents WHERE stage_id = $1', [snap.stageId])
        .then((r) => r.rows[0].version);
      return true;
    });
    const id = commandId('durable');
    const acked = expectOk(
      await studio<{ version: number }>(hs, 'studio:layout', {
        stage,
        commandId: id,
        patch: { banner: { text: 'durable', visible: true } },
      }),
    );
    // Read straight from PostgreSQL by another connection, right after the ack: committed, not just written.
    const row = (
      await t.pg.query<{ version: number; banner: string }>(
        `SELECT version, document->'layout'->'banner'->>'text' AS banner FROM studio_documents WHERE stage_id = $1`,
        [snap.stageId],
      )
    ).rows[0];
    expect(row).toEqual({ version: before + 1, banner: 'durable' });
    expect(acked.version).toBe(before + 1);
    const record = (
      await t.pg.query(`SELECT command, version, result FROM studio_commands WHERE actor_key = $1 AND command_id = $2`, [
        `user:${host.user.id}`,
        id,
      ])
    ).rows;
    expect(record).toEqual([{ command: 'studio:layout', version: before + 1, result: { version: before + 1 } }]);
    expect((await pushed).version).toBe(before + 1);
    expect(await storedAtPush).toBeGreaterThanOrEqual(before + 1);
  });

  it('a write that fails is neither acknowledged nor pushed, and leaves the document as it was', async () => {
    const { stage, hs, snap } = await hostOnStage();
    const before = (await join(hs, stage)).version;
    const pushes: Changed[] = [];
    hs.on('studio:changed', (c: Changed) => pushes.push(c));
    const real = PostgresQueryRunner.prototype.query;
    jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (
      this: PostgresQueryRunner,
      q: string,
      ...rest: unknown[]
    ) {
      // The database refuses the write (as when it goes away between the read and the write).
      if (/^\s*WITH upd AS/.test(q)) return Promise.reject(Object.assign(new Error('connection terminated'), { code: '57P01' }));
      return (real as (...a: unknown[]) => Promise<unknown>).call(this, q, ...rest);
    } as typeof real);
    const res = await studio(hs, 'studio:layout', { stage, patch: { banner: { text: 'never stored', visible: true } } });
    jest.restoreAllMocks();
    expect(res.ok).toBe(false);
    // A round trip on the same socket: a push sent before the failed ack would have arrived by now.
    expect((await join(hs, stage)).version).toBe(before);
    expect(pushes).toEqual([]);
    const stored = (
      await t.pg.query(`SELECT version, document->'layout'->'banner'->>'text' AS banner FROM studio_documents WHERE stage_id = $1`, [
        snap.stageId,
      ])
    ).rows[0];
    expect(stored.version).toBe(before);
    expect(stored.banner).not.toBe('never stored');
  });

  it('the same command id sent twice at once (two sockets) is applied once; both get the first result', async () => {
    const { host, stage, hs } = await hostOnStage();
    const again = await t.open({ token: host.accessToken });
    const before = (await join(hs, stage)).version;
    for (let round = 0; round < 5; round++) {
      const id = commandId('twice');
      const payload = { stage, commandId: id, memberId: host.user.id, muted: round % 2 === 0 };
      const [r1, r2] = await Promise.all([
        studio<{ version: number }>(hs, 'studio:mute', payload),
        studio<{ version: number }>(again, 'studio:mute', payload),
      ]);
      expect(expectOk(r1)).toEqual(expectOk(r2));
      expect(expectOk(r1).version).toBe(before + round + 1);
      expect(Number((await t.pg.query(`SELECT count(*) FROM studio_commands WHERE command_id = $1`, [id])).rows[0].count)).toBe(1);
    }
    expect((await join(hs, stage)).version).toBe(before + 5);
  });

  it('concurrent changes without an expected version are all applied, one version each, none lost', async () => {
    const { host, stage, hs } = await hostOnStage();
    const guest = await register(t.url);
    const gs = await t.open({ token: guest.accessToken });
    await seat(hs, gs, stage, guest.user.username, 'cohost');
    const before = (await join(hs, stage)).version;
    const n = 16;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0
          ? studio<{ version: number }>(hs, 'studio:mute', { stage, memberId: host.user.id, muted: i % 4 === 0 })
          : studio<{ version: number }>(gs, 'studio:hand', { stage, raised: i % 4 === 1 }),
      ),
    );
    const versions = acks.map((a) => expectOk(a).version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: n }, (_, i) => before + i + 1));
    expect((await join(hs, stage)).version).toBe(before + n);
  });

  it('a stale expected version is refused with the current snapshot, and nothing is stored', async () => {
    const { stage, hs } = await hostOnStage();
    const first = expectOk(
      await studio<{ version: number }>(hs, 'studio:layout', { stage, patch: { banner: { text: 'one', visible: true } } }),
    );
    const stale = await studio(hs, 'studio:layout', {
      stage,
      expectedVersion: first.version - 1,
      patch: { banner: { text: 'stale', visible: true } },
    });
    expect(stale).toMatchObject({ ok: false, error: { code: 'studio/version-conflict', data: { version: first.version } } });
    const now = await join(hs, stage);
    expect(now.version).toBe(first.version);
    expect(now.document.layout.banner.text).toBe('one');
  });
});

import { Client } from 'pg';
import { eventually } from '../../test/support/eventually';
import { Envelope, fixture } from './support/ivs-fixtures';
import { AppBehindProxy, PgProxy, startAppBehindProxy } from './support/pg-proxy';
import { postIvsEvent, register, TestApp } from './support/test-app';

/**
 * The database stops in the middle of ingestion: a TCP proxy between the server and
 * PostgreSQL that we cut (every connection dropped, new ones refused) and restore.
 */
describe('IVS events while the database is down', () => {
  let s: AppBehindProxy;
  let proxy: PgProxy;
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    s = await startAppBehindProxy();
    ({ proxy, t, pg } = s);
  });
  afterAll(() => s.close());

  it('answers 5xx for what it could not commit, and applies the retried events exactly once', async () => {
    const u = await register(t.url);
    const arn = (await pg.query(`SELECT arn FROM channels WHERE user_id = $1`, [u.user.id])).rows[0].arn as string;
    const events: Envelope[] = [];
    for (let b = 0; b < 8; b++) {
      for (const name of ['stream-start', 'recording-start', 'limit-breach', 'stream-end', 'recording-end']) {
        const e = fixture(name, { arn });
        e.id = `down-${b}-${name}`;
        e.time = new Date(Date.parse(e.time) + b * 3_600_000).toISOString();
        if (e.detail.stream_id) e.detail.stream_id = `st-down-${b}`;
        events.push(e);
      }
    }
    const post = (e: unknown) => postIvsEvent(t, e);

    // Four deliveries in flight at a time; the database goes away after the 12th answer.
    const answers = new Map<string, number>();
    let next = 0;
    let cut: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < events.length) {
          const e = events[next++]!;
          const res = await post(e);
          answers.set(e.id, res.status);
          if (answers.size === 12) cut ??= proxy.stop();
        }
      }),
    );
    await cut;
    const statuses = [...answers.values()];
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(events.length - 16);

    // No 2xx for anything uncommitted: every acknowledged event is in the ledger.
    const acknowledged = [...answers].filter(([, s]) => s === 200).map(([id]) => id);
    const ledger = await pg.query(`SELECT id FROM ivs_events WHERE id = ANY($1)`, [acknowledged]);
    expect(ledger.rowCount).toBe(acknowledged.length);

    // The database comes back; EventBridge retries what failed (and, being at-least-once, some that did not).
    await proxy.start();
    const retry = [...events.filter((e) => answers.get(e.id) !== 200), ...events.slice(0, 5)];
    for (const e of retry) {
      // Like EventBridge, retry a 503 until the server's pool has reconnected.
      const res = await eventually(
        `an answer for ${e.id} other than 503`,
        async () => {
          const r = await post(e);
          return r.status !== 503 && r;
        },
        5_000,
        100,
      );
      expect(res.status).toBe(200);
    }

    const rows = await pg.query(`SELECT outcome, count(*)::int AS n FROM ivs_events GROUP BY outcome`);
    expect(rows.rows).toEqual([{ outcome: 'applied', n: events.length }]);
    // Limit breaches are kept one row per event: a double apply would show here.
    expect((await pg.query(`SELECT count(*)::int AS n FROM channel_limit_breaches`)).rows[0].n).toBe(8);
    const streams = await pg.query(`SELECT stream_id, started_at, ended_at, recording_ended_at FROM streams ORDER BY started_at`);
    expect(streams.rowCount).toBe(8);
    expect(streams.rows.every((r) => r.started_at && r.ended_at && r.recording_ended_at)).toBe(true);
    expect((await pg.query(`SELECT is_live, current_stream_id FROM channels WHERE arn = $1`, [arn])).rows[0]).toEqual({
      is_live: false,
      current_stream_id: 'st-down-7',
    });
  });
});

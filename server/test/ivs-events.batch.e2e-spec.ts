import { Client } from 'pg';
import { TestDatabase } from '../../test/support/database';
import { eventually } from '../../test/support/eventually';
import { IvsEventsService } from '../src/ivs-events/ivs-events.service';
import { channelOf, Envelope, fixture, TestChannel } from './support/ivs-fixtures';
import { AppBehindProxy, PgProxy, startAppBehindProxy } from './support/pg-proxy';
import { postIvsEvent, register, TestApp } from './support/test-app';
import { useTestApp } from './support/use-test-app';

/**
 * Group commit of IVS event deliveries (IvsEventsService): deliveries that arrive while a
 * transaction commits go together in the next one. To make a batch form for certain, the
 * test holds a ledger id in a transaction of its own: the pipeline's insert of that id waits
 * (a real row lock in PostgreSQL), the deliveries sent meanwhile for the same channel queue
 * behind it (deliveries queue by the row they lock first), and letting go starts them as one batch.
 */

let seq = 0;
/** A sample event re-targeted to `ch`, with a fresh envelope id and the given stream id. */
function event(name: string, ch: TestChannel, streamId?: string, change: (e: Envelope) => void = () => undefined): Envelope {
  const e = fixture(name, ch);
  e.id = `batch-${process.pid}-${++seq}`;
  if (streamId && e.detail.stream_id) {
    e.detail.stream_id = streamId;
    if (e.detail.recording_session_stream_ids) e.detail.recording_session_stream_ids = [streamId];
  }
  change(e);
  return e;
}

/** Inserts ledger id `id` in an open transaction: the pipeline's insert of the same id waits until `release` rolls it back. */
async function holdEventId(url: string, id: string): Promise<{ release(): Promise<void> }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('BEGIN');
  await c.query(`INSERT INTO ivs_events (id, detail_type, event_time, outcome, payload) VALUES ($1, 'test hold', now(), 'ignored', '{}')`, [
    id,
  ]);
  return {
    release: async () => {
      await c.query('ROLLBACK');
      await c.end();
    },
  };
}

type Query = (text: string, values?: unknown[]) => Promise<{ rows: any[]; rowCount: number | null }>;

/** A pipeline transaction is waiting on a lock we hold. */
const waitingOnUs = (query: Query) =>
  eventually('a pipeline transaction waiting on the held row', async () => {
    const { rows } = await query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0].n > 0;
  });

const ledgerIds = async (query: Query, ids: string[]) =>
  (await query(`SELECT id FROM ivs_events WHERE id = ANY($1) ORDER BY id`, [ids])).rows.map((r) => r.id as string);

describe('IVS event deliveries committed together', () => {
  const t = useTestApp();
  const { pg } = t;
  const query: Query = (text, values) => pg.query(text, values);
  const ingest = (body: unknown) => t.app.get(IvsEventsService).ingest(body, 'emulator');
  const outcomes = (r: Awaited<ReturnType<typeof ingest>>) => r.results.map((x) => x.outcome);
  const newChannel = async () => channelOf(pg, t.url, await register(t.url));

  /** Starts a delivery of `blocker` that waits on our hold of its id: whatever is ingested next queues behind it. */
  async function blockPipeline(blocker: Envelope) {
    const hold = await holdEventId(t.db.url, blocker.id);
    const first = ingest(blocker);
    await waitingOnUs(query);
    return { hold, first };
  }

  it('answers each delivery with its own outcomes, after one commit, and applies duplicates across and within deliveries once', async () => {
    const a = await newChannel();
    const blocker = event('limit-breach', a);
    const { hold, first } = await blockPipeline(blocker);

    const start = event('stream-start', a, 'st-batch-a');
    const rec = event('recording-start', a, 'st-batch-a');
    const end = event('stream-end', a, 'st-batch-a');
    const deliveries = [start, [rec, start, rec], start, end];
    const answered: number[] = [];
    const answers = deliveries.map((d, i) => ingest(d).then((r) => (answered.push(i), r)));

    // Queued, not answered, and nothing of them written while the transaction before them waits.
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toEqual([]);
    expect(await ledgerIds(query, [start.id, rec.id, end.id])).toEqual([]);

    await hold.release();
    expect(outcomes(await first)).toEqual(['applied']);
    expect((await Promise.all(answers)).map(outcomes)).toEqual([
      ['applied'],
      ['applied', 'duplicate', 'duplicate'],
      ['duplicate'],
      ['applied'],
    ]);

    // One transaction for the four deliveries (one xmin), another for the one before them.
    const { rows } = await pg.query(`SELECT id, xmin::text AS tx FROM ivs_events WHERE id = ANY($1)`, [
      [blocker.id, start.id, rec.id, end.id],
    ]);
    const tx = new Map(rows.map((r) => [r.id as string, r.tx as string]));
    expect(tx.size).toBe(4);
    expect(new Set([tx.get(start.id), tx.get(rec.id), tx.get(end.id)]).size).toBe(1);
    expect(tx.get(blocker.id)).not.toBe(tx.get(start.id));

    // Folded as if delivered one by one: a broadcast that started, recorded and ended.
    expect(
      (await pg.query(`SELECT started_at, ended_at, recording_started_at FROM streams WHERE stream_id = 'st-batch-a'`)).rows[0],
    ).toEqual({
      started_at: expect.any(Date),
      ended_at: expect.any(Date),
      recording_started_at: expect.any(Date),
    });
    expect((await pg.query(`SELECT is_live, current_stream_id FROM channels WHERE id = $1`, [a.id])).rows[0]).toEqual({
      is_live: false,
      current_stream_id: 'st-batch-a',
    });
  });

  it('fails only the delivery with an event PostgreSQL refuses, not the others in its batch', async () => {
    const a = await newChannel();
    // Valid to the schema, but refused by PostgreSQL: a CHECK constraint this test adds to its
    // own database makes the ledger insert of a marked event fail (a real check_violation).
    await pg.query(`ALTER TABLE ivs_events ADD CONSTRAINT test_poison CHECK (payload->'detail'->>'note' IS DISTINCT FROM 'poison')`);
    const poisoned = (e: Envelope) => (e.detail.note = 'poison');
    const { hold, first } = await blockPipeline(event('stream-start', a, 'st-poison-0'));

    const good1 = event('stream-start', a, 'st-poison-1');
    const bad = event('recording-start', a, 'st-poison-1', poisoned);
    const good2 = event('stream-end', a, 'st-poison-1');
    const answers = [good1, bad, [good2]].map((d) =>
      ingest(d).then(
        (r) => outcomes(r),
        (e: Error) => e,
      ),
    );
    await hold.release();
    await first;
    const [r1, r2, r3] = await Promise.all(answers);
    expect(r1).toEqual(['applied']);
    expect(r2).toBeInstanceOf(Error);
    expect(r3).toEqual(['applied']);
    expect(await ledgerIds(query, [good1.id, bad.id, good2.id])).toEqual([good1.id, good2.id].sort());

    // The same over HTTP, the way EventBridge delivers: the bad one alone gets a 5xx (retry later), the others 200.
    const http = [
      event('stream-start', a, 'st-poison-2'),
      event('recording-start', a, 'st-poison-2', poisoned),
      event('stream-end', a, 'st-poison-2'),
    ];
    const statuses = (await Promise.all(http.map((e) => postIvsEvent(t, e)))).map((r) => r.status);
    expect(statuses).toEqual([200, 500, 200]);
    expect(
      await ledgerIds(
        query,
        http.map((e) => e.id),
      ),
    ).toEqual([http[0]!.id, http[2]!.id].sort());
  });
});

describe('an IVS event batch when the database goes away in the middle of it', () => {
  let s: AppBehindProxy;
  let db: TestDatabase;
  let proxy: PgProxy;
  let t: TestApp;
  let pg: Client;

  beforeAll(async () => {
    s = await startAppBehindProxy();
    ({ db, proxy, t, pg } = s);
  });
  afterAll(() => s.close());

  it('answers 503 to every delivery of the batch and writes none of it; their retries apply once', async () => {
    const query: Query = (text, values) => pg.query(text, values);
    const ingest = (body: unknown) => t.app.get(IvsEventsService).ingest(body, 'emulator');
    const a = await channelOf(pg as never, t.url, await register(t.url));

    const blocker = event('limit-breach', a);
    const hold = await holdEventId(db.url, blocker.id);
    const first = ingest(blocker);
    await waitingOnUs(query);

    // The next batch: a Start and a limit breach are written, then the End waits on our hold of its id.
    const start = event('stream-start', a, 'st-mid-a');
    const breach = event('limit-breach', a);
    const stuck = event('stream-end', a, 'st-mid-a');
    const holdStuck = await holdEventId(db.url, stuck.id);
    const answers = [start, breach, [stuck]].map((d) =>
      ingest(d).then(
        () => 'answered 2xx',
        (e: { code?: string }) => e.code,
      ),
    );
    await hold.release();
    await first;
    await waitingOnUs(query);
    expect((await pg.query(`SELECT count(*)::int AS n FROM ivs_events WHERE id = ANY($1)`, [[start.id, breach.id]])).rows[0].n).toBe(0); // uncommitted, so invisible to us

    await proxy.stop();
    expect(await Promise.all(answers)).toEqual(['server/unavailable', 'server/unavailable', 'server/unavailable']);
    await holdStuck.release();

    // Nothing partial: no ledger row, no stream, no breach of that batch.
    expect(await ledgerIds(query, [start.id, breach.id, stuck.id])).toEqual([]);
    expect((await pg.query(`SELECT count(*)::int AS n FROM streams WHERE stream_id = 'st-mid-a'`)).rows[0].n).toBe(0);
    const breaches = async () =>
      (await pg.query(`SELECT event_id FROM channel_limit_breaches WHERE channel_id = $1 ORDER BY event_id`, [a.id])).rows.map(
        (r) => r.event_id,
      );
    expect(await breaches()).toEqual([blocker.id]);

    // The database comes back; EventBridge retries each until the pool has reconnected.
    await proxy.start();
    for (const e of [stuck, breach, start, start]) {
      const res = await eventually(
        `an answer for ${e.id} other than 503`,
        async () => {
          const r = await postIvsEvent(t, e);
          return r.status !== 503 && r;
        },
        5_000,
        100,
      );
      expect(res.status).toBe(200);
    }
    expect(
      (
        await pg.query(`SELECT outcome, count(*)::int AS n FROM ivs_events WHERE id = ANY($1) GROUP BY outcome`, [
          [start.id, breach.id, stuck.id],
        ])
      ).rows,
    ).toEqual([{ outcome: 'applied', n: 3 }]);
    expect(await breaches()).toEqual([blocker.id, breach.id].sort());
    expect((await pg.query(`SELECT is_live, current_stream_id FROM channels WHERE id = $1`, [a.id])).rows[0]).toEqual({
      is_live: false,
      current_stream_id: 'st-mid-a',
    });
  });
});

import { createHash } from 'node:crypto';
import type { IvsEventSink } from '@streamcat/ivs-emulator';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { formatIvsEventErrors, IvsEvent, parseIvsEventBatch } from '@streamcat/ivs-events';
import { RecordingUrls } from '../channels/recording-urls';
import { DomainEvent, DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { isDatabaseUnavailable } from '../http/error.filter';
import { GroupCommit, Settled } from './group-commit';
import {
  ApplyContext,
  applyIvsEvent,
  liveChannels,
  lockForBatch,
  lockKeyOf,
  markBroadcasting,
  markNotBroadcasting,
  Sql,
} from './ivs-events.applier';
import type { LedgerOutcome } from './ivs-event-ledger.entity';

export type IvsEventSource = 'http' | 'emulator' | 'cli';

export interface IngestedEvent {
  id: string;
  outcome: LedgerOutcome;
}

export interface IngestReport {
  /** The input was one event (not an array): the HTTP answer is then `{id, outcome}`. */
  single: boolean;
  results: IngestedEvent[];
}

// PostgreSQL states that mean "try again later", beyond the connection errors the HTTP filter knows.
const RETRYABLE_PG_CODES = new Set(['55000', '53300', '40001', '40P01', '57014']);

/**
 * Events per group-commit transaction. Bounds how long a batch holds its row locks and how
 * much one failure sends back through the one-by-one path; a 100-event request still goes
 * (alone) in one batch.
 */
export const MAX_EVENTS_PER_BATCH = 64;

/**
 * Group commits running side by side, each on its own connection. A delivery goes to the lane
 * of the row its first event locks, so the events of one channel (or stage) queue in one lane
 * and batches of different lanes rarely wait on each other's row locks. Two lanes keep
 * PostgreSQL busy while the other lane's batch waits for its WAL flush; more lanes would cut
 * the batches (16 deliveries in flight made 2.4 events per commit with four lanes, bench:events).
 */
export const BATCH_LANES = 2;

/** Which lane a lock key's deliveries take (FNV-1a: stable and spreads ARNs that differ only at the end). */
export function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

/**
 * The one way into the event pipeline, shared by the HTTP endpoint, the emulator and the CLI:
 * parse, then record every event in the ledger and apply it inside a transaction, then (only
 * after COMMIT) publish what changed on the domain bus and answer.
 *
 * Deliveries that arrive while a transaction is committing are grouped into the next one
 * (group commit, see GroupCommit): one WAL flush for many events instead of one each. Each
 * caller still hears only about its own events, and only once they are committed. When a
 * batch's transaction fails, nothing of it was written, and each delivery is replayed alone
 * (one transaction per event, as without batching) so that one bad event, or a lock
 * conflict, fails only its own delivery; with the database down they all answer 503.
 */
@Injectable()
export class IvsEventsService implements IvsEventSink {
  /** The local media plane's events (IVS_EVENT_SINK): the same path as AWS's, after the HTTP edge. */
  async emit(envelope: object): Promise<void> {
    await this.ingest(envelope, 'emulator');
  }

  private readonly log = new Logger('IvsEvents');
  private readonly ctx: ApplyContext;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    urls: RecordingUrls,
    private readonly bus: DomainEvents,
  ) {
    this.ctx = { playlistUrl: (prefix) => urls.playlistUrl(prefix) };
  }

  /**
   * One event or an array of up to 100. A malformed item rejects the whole input before
   * anything is written (AppError `ivs-events/invalid-event`, details name `[i].field`).
   * The events are applied in input order, in one transaction with whatever other deliveries
   * arrived meanwhile; resolves once that transaction committed. A database failure throws
   * `server/unavailable` (events the one-by-one replay committed before it are duplicates on retry).
   */
  async ingest(input: unknown, source: IvsEventSource): Promise<IngestReport> {
    const parsed = parseIvsEventBatch(input);
    const single = !Array.isArray(input);
    if (!parsed.ok) throw new AppError('ivs-events/invalid-event', formatIvsEventErrors(parsed.errors), parsed.errors);
    const events: IvsEvent[] = [];
    const problems: { path: string; message: string }[] = [];
    parsed.results.forEach((r, i) => {
      if (r.ok) events.push(r.event);
      else
        for (const err of r.errors)
          problems.push({ path: single ? err.path || '(body)' : `[${i}]${err.path ? `.${err.path}` : ''}`, message: err.message });
    });
    if (problems.length) {
      throw new AppError('ivs-events/invalid-event', formatIvsEventErrors(problems.slice(0, 5)), problems.slice(0, 50));
    }
    const applied = events.length ? await this.lanes[laneOf(lockKeyOf(events[0]!), BATCH_LANES)]!.submit(events) : [];
    const results = applied.map((outcome, i): IngestedEvent => ({ id: events[i]!.id, outcome }));
    for (const [i, outcome] of applied.entries())
      if (outcome === 'orphan') this.log.warn(`${source}: ${events[i]!.detailType} ${events[i]!.id} names a resource we do not know`);
    return { single, results };
  }

  private readonly lanes = Array.from(
    { length: BATCH_LANES },
    () =>
      new GroupCommit<IvsEvent[], LedgerOutcome[]>(
        (deliveries) => this.commitBatch(deliveries),
        MAX_EVENTS_PER_BATCH,
        (d) => d.length,
      ),
  );

  /**
   * One transaction for every event of `deliveries` (each delivery: one request's events, in
   * its order). The rows all of them will lock are locked first, in a fixed order.
   */
  private async commitBatch(deliveries: IvsEvent[][]): Promise<Settled<LedgerOutcome[]>[]> {
    const all = deliveries.flat();
    try {
      const { outcomes } = await this.transact(async (sql) => {
        if (all.length > 1) await lockForBatch(sql, all);
        const outcomes: LedgerOutcome[] = [];
        const events: DomainEvent[] = [];
        for (const e of all) {
          const r = await applyIvsEvent(sql, e, this.ctx);
          outcomes.push(r.outcome);
          events.push(...r.events);
        }
        return { outcomes, events };
      });
      let at = 0;
      return deliveries.map((d) => ({ ok: true, value: outcomes.slice(at, (at += d.length)) }));
    } catch (e) {
      if (all.length === 1) return [{ ok: false, error: e }];
      this.log.warn(`a batch of ${all.length} events failed (${(e as Error).message}); applying them one by one`);
      return Promise.all(
        deliveries.map((d) =>
          this.applyOneByOne(d).then(
            (value): Settled<LedgerOutcome[]> => ({ ok: true, value }),
            (error: unknown): Settled<LedgerOutcome[]> => ({ ok: false, error }),
          ),
        ),
      );
    }
  }

  /** The path without batching: each event its own transaction, in order, stopping at the first failure. */
  private async applyOneByOne(events: IvsEvent[]): Promise<LedgerOutcome[]> {
    const outcomes: LedgerOutcome[] = [];
    for (const event of events) outcomes.push((await this.transact((sql) => applyIvsEvent(sql, event, this.ctx))).outcome);
    return outcomes;
  }

  /**
   * Reconciliation: asks IVS about every channel we believe is live; those it says are not
   * broadcasting (a lost Stream End) go offline. Returns the ARNs marked offline.
   */
  async reconcileLiveChannels(
    getStream: (channelArn: string) => Promise<{ streamId: string } | null>,
    now = () => new Date(),
  ): Promise<string[]> {
    const live = await this.transact(async (sql) => ({ outcome: 'applied' as const, events: [], live: await liveChannels(sql) }));
    const offline: string[] = [];
    for (const ch of live.live) {
      if (!ch.streamId) continue;
      let stream: { streamId: string } | null;
      try {
        stream = await getStream(ch.arn);
      } catch (e) {
        // IVS unreachable tells us nothing: leave the channel as it is and try next time.
        this.log.warn(`GetStream ${ch.arn} failed: ${(e as Error).message}`);
        continue;
      }
      if (stream) continue;
      const streamId = ch.streamId;
      const r = await this.transact((sql) => markNotBroadcasting(sql, ch.arn, streamId, now()));
      if (r.outcome === 'applied') offline.push(ch.arn);
    }
    return offline;
  }

  /**
   * Reconciliation of a lost Stream Start: IVS (GetStream) says `stream` is live on the channel.
   * Applied like the event (live state, streams row, domain events after commit) and recorded
   * in the ledger; idempotent. Returns whether the channel is live now.
   */
  async reconcileStart(channelArn: string, stream: { streamId: string; startTime: Date | null }, now = new Date()): Promise<boolean> {
    await this.transact((sql) => markBroadcasting(sql, channelArn, stream, now));
    const rows: { is_live: boolean; current_stream_id: string | null }[] = await this.db.query(
      `SELECT is_live, current_stream_id FROM channels WHERE arn = $1`,
      [channelArn],
    );
    return !!rows[0]?.is_live && rows[0].current_stream_id === stream.streamId;
  }

  /** BEGIN … COMMIT on one pooled connection; domain events go out only once COMMIT succeeded. */
  private async transact<T extends { events: readonly DomainEvent[] }>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    let client: PoolClient;
    let release: (err?: unknown) => void;
    try {
      [client, release] = (await (this.db.driver as PostgresDriver).obtainMasterConnection()) as [PoolClient, (err?: unknown) => void];
    } catch (e) {
      throw unavailable(e);
    }
    // A checked-out client whose connection drops between two queries emits 'error'; unheard, it kills the process.
    let lost: unknown;
    const onError = (e: unknown) => (lost = e);
    client.on('error', onError);
    let result: T;
    try {
      await client.query('BEGIN');
      result = await fn(prepared(client));
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.off('error', onError);
      // A broken connection must not go back to the pool.
      release(e instanceof Error ? e : new Error(String(e)));
      throw unavailable(e);
    }
    client.off('error', onError);
    release(lost);
    this.bus.publish(result.events);
    return result;
  }
}

const statementNames = new Map<string, string>();

/**
 * The pipeline's statements as named prepared statements: each connection parses and plans
 * one once, then only binds and executes it (the texts are constants, so the names are few).
 */
function prepared(client: PoolClient): Sql {
  return {
    query: async <R>(text: string, params?: unknown[]) => {
      let name = statementNames.get(text);
      if (!name) statementNames.set(text, (name = `ivs-${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
      return (await client.query({ name, text, values: params })) as unknown as { rows: R[] };
    },
  };
}

function unavailable(e: unknown): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string })?.code ?? '';
  return isDatabaseUnavailable(e) || RETRYABLE_PG_CODES.has(code) ? new AppError('server/unavailable') : e;
}

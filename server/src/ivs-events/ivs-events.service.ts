import type { IvsEventSink } from '@streamcat/ivs-emulator';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { formatIvsEventErrors, IvsEvent, parseIvsEventBatch } from '@streamcat/ivs-events';
import { RecordingUrls } from '../channels/recording-urls';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { isDatabaseUnavailable } from '../http/error.filter';
import { ApplyContext, ApplyResult, applyIvsEvent, liveChannels, markBroadcasting, markNotBroadcasting, Sql } from './ivs-events.applier';
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
 * The one way into the event pipeline, shared by the HTTP endpoint, the emulator and the CLI:
 * parse, then per event one transaction that records it in the ledger and applies it, then
 * (only after COMMIT) publish what changed on the domain bus.
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
   * Events are applied in input order, each in its own transaction; a database failure
   * throws `server/unavailable` (events before it are committed, and are duplicates on retry).
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
    const results: IngestedEvent[] = [];
    for (const event of events) {
      const { outcome } = await this.transact((sql) => applyIvsEvent(sql, event, this.ctx));
      results.push({ id: event.id, outcome });
      if (outcome === 'orphan') this.log.warn(`${source}: ${event.detailType} ${event.id} names a resource we do not know`);
    }
    return { single, results };
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
  private async transact<T extends ApplyResult>(fn: (sql: Sql) => Promise<T>): Promise<T> {
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
      result = await fn(client);
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

function unavailable(e: unknown): unknown {
  if (e instanceof AppError) return e;
  const code = (e as { code?: string })?.code ?? '';
  return isDatabaseUnavailable(e) || RETRYABLE_PG_CODES.has(code) ? new AppError('server/unavailable') : e;
}

import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { StageDisconnectProgress } from '@streamcat/protocol';
import { RETRY_BUDGETS } from '../media/ivs-call-queue.policy';
import { IvsCallError } from '../media/ivs-errors';
import { MediaProvider } from '../media/media-provider';
import { Broadcaster } from '../realtime/broadcaster';
import { rooms } from '../realtime/socket-actor';
import { afterFailedDisconnect, CLAIM_LEASE_MS, claimSize, shouldPushProgress } from './stage-disconnects.policy';
import type { HeldParticipant } from './stage-tokens.service';

export type DisconnectReason = StageDisconnectProgress['reason'];

/** What the participant's SDK is told (DisconnectParticipant `reason`, at most 128 characters). */
const REASON_TEXT: Record<DisconnectReason, string> = {
  'realtime-closed': 'The host closed real-time viewing.',
  'member-removed': 'Removed from the studio.',
  'member-off-air': 'Taken off air by a host.',
  'screen-stopped': 'Screen sharing stopped.',
};

/** How long a change waits for its before-ack disconnects when IVS keeps failing them (the rows stay for the worker). */
export const BEFORE_ACK_WAIT_MS = 5_000;
/** How often a change looks whether rows another drain had claimed are done. */
const BEFORE_ACK_POLL_MS = 25;

interface ClaimedRow {
  id: string;
  batch_id: string;
  stage_id: string;
  stage_arn: string;
  participant_id: string;
  reason: DisconnectReason;
  attempts: number;
}

/**
 * Disconnects participants from IVS stages durably and at the rate IVS allows. A change that
 * requires it (closing real-time viewing, removing a member) writes one row per participant
 * in its own transaction; after commit any node works them off through the call queue
 * (DisconnectParticipant, 5 per second by default, throttling retried), telling the studio
 * how far it has come. Rows survive a restart: a node claims a few seconds' worth at a time,
 * and claims of a node that died lapse after CLAIM_LEASE_MS.
 */
@Injectable()
export class StageDisconnects implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly log = new Logger('StageDisconnects');
  private draining?: Promise<void>;
  private again = false;
  private stopping = false;
  private wake?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  /** Rows this process claimed and is working on (released at shutdown). */
  private readonly inFlight = new Set<string>();
  private readonly lastPush = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly broadcaster: Broadcaster,
  ) {}

  /**
   * Inside the transaction of the change: the participants to disconnect once it commits (then
   * call `kick`, or `finish` to wait for them). Returns the batch id, null when nobody was held.
   */
  async enqueue(m: EntityManager, stageId: string, participants: HeldParticipant[], reason: DisconnectReason): Promise<string | null> {
    if (!participants.length) return null;
    const batchId = randomUUID();
    await m.query(
      `INSERT INTO stage_disconnects (batch_id, stage_id, stage_arn, participant_id, reason)
       SELECT $1, $2, t.arn, t.pid, $3 FROM unnest($4::text[], $5::text[]) AS t(arn, pid)`,
      [batchId, stageId, reason, participants.map((p) => p.stageArn), participants.map((p) => p.participantId)],
    );
    return batchId;
  }

  /**
   * After commit: disconnects these batches now, through the same call queue, and resolves when
   * every row is done (or after `waitMs` if IVS keeps failing; the rows stay for the worker).
   * Rows another drain had claimed first are waited for. Returns whether all were done.
   */
  async finish(batchIds: string[], waitMs = BEFORE_ACK_WAIT_MS): Promise<boolean> {
    if (!batchIds.length) return true;
    const deadline = Date.now() + waitMs;
    const [rows] = (await this.db.query(
      `UPDATE stage_disconnects SET claimed_until = now() + ($2::int * interval '1 millisecond'), attempts = attempts + 1
        WHERE id IN (SELECT id FROM stage_disconnects
                      WHERE batch_id = ANY($1::uuid[]) AND done_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
                      FOR UPDATE SKIP LOCKED)
        RETURNING id, batch_id, stage_id, stage_arn, participant_id, reason, attempts`,
      [batchIds, CLAIM_LEASE_MS],
    )) as [ClaimedRow[], number];
    for (const r of rows) this.inFlight.add(String(r.id));
    await Promise.all(rows.map((r) => this.disconnectOne(r)));
    let kicked = false;
    for (;;) {
      const [left] = (await this.db.query(
        `SELECT count(*)::int AS n FROM stage_disconnects WHERE batch_id = ANY($1::uuid[]) AND done_at IS NULL`,
        [batchIds],
      )) as { n: number }[];
      if (!left.n) return true;
      // A failed row waits for its retry time: the worker comes back to it then (and to rows a dead node claimed).
      if (!kicked) this.kick();
      kicked = true;
      if (Date.now() >= deadline || this.stopping) {
        this.log.warn(`${left.n} disconnect(s) not done before the ack; the worker keeps trying`);
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, BEFORE_ACK_POLL_MS));
    }
  }

  /** Before-ack batches of a stage still pending (a retried command finishes what its first run may not have). */
  async pendingBatches(stageId: string, reasons: DisconnectReason[]): Promise<string[]> {
    const rows: { batch_id: string }[] = await this.db.query(
      `SELECT DISTINCT batch_id FROM stage_disconnects WHERE stage_id = $1 AND done_at IS NULL AND reason = ANY($2::text[])`,
      [stageId, reasons],
    );
    return rows.map((r) => r.batch_id);
  }

  /** Works off what is pending now (call after the enqueuing transaction committed). */
  kick(): void {
    if (this.stopping) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((e) => {
        this.log.warn(`disconnects: ${e instanceof Error ? e.message : String(e)}`);
        this.later(5_000);
      })
      .finally(() => (this.draining = undefined));
  }

  /** Rows left by a restart (or by another node that died) are picked up at start. */
  onApplicationBootstrap(): void {
    this.kick();
  }

  /** Background job: look for rows another node left behind (its claims lapsed). */
  start(intervalMs = 10_000): void {
    this.poll = setInterval(() => this.kick(), intervalMs);
    this.poll.unref();
  }

  /** Hands this node's unfinished claims back at once, so another node (or the next start) need not wait for them to lapse. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.poll);
    clearTimeout(this.wake);
    if (!this.inFlight.size) return;
    await this.db
      .query(`UPDATE stage_disconnects SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND done_at IS NULL`, [[...this.inFlight]])
      .catch(() => undefined);
  }

  /** Disconnects pending or claimed, for operators and tests. */
  async pending(stageId?: string): Promise<number> {
    const rows: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM stage_disconnects WHERE done_at IS NULL AND ($1::uuid IS NULL OR stage_id = $1)`,
      [stageId ?? null],
    );
    return rows[0].n;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.stopping) return;
        const rows = await this.claim();
        if (!rows.length) break;
        await Promise.all(rows.map((r) => this.disconnectOne(r)));
      }
    } while (this.again && !this.stopping);
    await this.scheduleWake();
  }

  private async claim(): Promise<ClaimedRow[]> {
    const limit = claimSize(this.media.callQueue().rate('DisconnectParticipant'));
    const [rows] = (await this.db.query(
      `UPDATE stage_disconnects SET claimed_until = now() + ($2::int * interval '1 millisecond'), attempts = attempts + 1
        WHERE id IN (SELECT id FROM stage_disconnects
                      WHERE done_at IS NULL AND not_before <= now() AND (claimed_until IS NULL OR claimed_until < now())
                      ORDER BY not_before, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, batch_id, stage_id, stage_arn, participant_id, reason, attempts`,
      [limit, CLAIM_LEASE_MS],
    )) as [ClaimedRow[], number];
    for (const r of rows) this.inFlight.add(String(r.id));
    return rows;
  }

  private async disconnectOne(r: ClaimedRow): Promise<void> {
    try {
      await this.media.disconnectParticipant(
        { stageArn: r.stage_arn, participantId: r.participant_id, reason: REASON_TEXT[r.reason] },
        { budget: RETRY_BUDGETS.bulk },
      );
      await this.db.query(`UPDATE stage_disconnects SET done_at = now(), claimed_until = NULL WHERE id = $1`, [r.id]);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // The stage (and everyone on it) is gone, or the participant never was there: nothing left to disconnect.
      const gone = e instanceof IvsCallError && e.awsName === 'ResourceNotFoundException';
      const next = gone ? ({ giveUp: true } as const) : afterFailedDisconnect(r.attempts, new Date());
      if (next.giveUp && !gone) this.log.warn(`gave up disconnecting ${r.participant_id} from ${r.stage_arn}: ${message}`);
      await this.db
        .query(
          next.giveUp
            ? `UPDATE stage_disconnects SET done_at = now(), failed = $3, claimed_until = NULL, last_error = $2 WHERE id = $1`
            : `UPDATE stage_disconnects SET not_before = $3, claimed_until = NULL, last_error = $2 WHERE id = $1`,
          next.giveUp ? [r.id, message, !gone] : [r.id, message, next.notBefore],
        )
        .catch(() => undefined);
    } finally {
      this.inFlight.delete(String(r.id));
    }
    await this.progress(r).catch((e) => this.log.warn(`progress push: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** Tells the studio how far this batch has come (throttled); a finished batch is pushed once more and forgotten. */
  private async progress(r: ClaimedRow): Promise<void> {
    const [counts] = (await this.db.query(
      `SELECT count(*)::int AS total, count(done_at)::int AS done, count(*) FILTER (WHERE failed)::int AS failed
         FROM stage_disconnects WHERE batch_id = $1`,
      [r.batch_id],
    )) as { total: number; done: number; failed: number }[];
    if (!counts?.total) return;
    const finished = counts.done === counts.total;
    const now = Date.now();
    if (!shouldPushProgress(this.lastPush.get(r.batch_id), now, finished)) return;
    this.lastPush.set(r.batch_id, now);
    this.broadcaster.toRoom(rooms.studio(r.stage_id), 'studio:disconnects', {
      stageId: r.stage_id,
      batchId: r.batch_id,
      reason: r.reason,
      done: counts.done,
      failed: counts.failed,
      total: counts.total,
      finished,
    });
    if (finished) {
      this.lastPush.delete(r.batch_id);
      await this.db.query(
        `DELETE FROM stage_disconnects d WHERE d.batch_id = $1 AND NOT EXISTS (SELECT 1 FROM stage_disconnects p WHERE p.batch_id = $1 AND p.done_at IS NULL)`,
        [r.batch_id],
      );
    }
  }

  /** Comes back when the next row is due (a retry's backoff, or another node's claim lapsing). */
  private async scheduleWake(): Promise<void> {
    const [row] = (await this.db.query(
      `SELECT min(greatest(not_before, coalesce(claimed_until, not_before))) AS at FROM stage_disconnects WHERE done_at IS NULL`,
    )) as { at: Date | null }[];
    if (row?.at) this.later(Math.max(100, row.at.getTime() - Date.now()));
  }

  private later(ms: number): void {
    if (this.stopping) return;
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.kick(), ms);
    this.wake.unref();
  }
}

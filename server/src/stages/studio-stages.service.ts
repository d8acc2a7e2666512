import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { BroadcastState } from '@streamcat/protocol';
import { IvsCallError } from '../media/ivs-errors';
import { MediaProvider } from '../media/media-provider';
import { OrphanedMediaResource } from '../media/orphaned-resource.entity';
import type { Stage } from './stage.entity';

/** Serialises creating and giving back one studio's IVS stage, across requests and replicas. */
const lockKey = (stageId: string) => `ivs-stage:${stageId}:studio`;

/** A studio's IVS stage with what the idle sweeper needs to judge it. */
export interface StudioStageRow {
  stageId: string;
  arn: string;
  lastUsedAt: Date;
  realtimeOpen: boolean;
  broadcast: BroadcastState | null;
}

/**
 * The IVS stage behind each studio: created on first need (a member's token, a studio join,
 * opening real-time viewing) under an advisory lock, so concurrent first uses make one stage;
 * given back by the idle sweeper. A stage IVS no longer has (deleted outside StreamCat) is
 * forgotten and made again.
 */
@Injectable()
export class StudioStages {
  private readonly log = new Logger('StudioStages');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
  ) {}

  /** The studio stage's ARN, creating the IVS stage if the studio has none; counts as a use. */
  async ensure(stage: Stage): Promise<string> {
    const [rows] = (await this.db.query(
      `UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND kind = 'studio' RETURNING arn`,
      [stage.id],
    )) as [{ arn: string }[], number];
    return rows[0]?.arn ?? this.create(stage);
  }

  /** The studio stage's ARN if it has one now (never creates one). */
  async current(stageId: string, m: EntityManager = this.db.manager): Promise<string | null> {
    const rows: { arn: string }[] = await m.query(`SELECT arn FROM ivs_stages WHERE stage_id = $1 AND kind = 'studio'`, [stageId]);
    return rows[0]?.arn ?? null;
  }

  /** Inside a transaction: the current ARN, held (FOR SHARE) so it cannot be given back before the transaction ends. */
  async lockCurrent(m: EntityManager, stageId: string): Promise<string | null> {
    const rows: { arn: string }[] = await m.query(`SELECT arn FROM ivs_stages WHERE stage_id = $1 AND kind = 'studio' FOR SHARE`, [
      stageId,
    ]);
    return rows[0]?.arn ?? null;
  }

  /**
   * Runs `use` with the studio stage's ARN (made if needed). When IVS says the stage is gone,
   * it is forgotten and `use` runs once more on a new one.
   */
  async withStage<T>(stage: Stage, use: (arn: string) => Promise<T>): Promise<T> {
    const arn = await this.ensure(stage);
    try {
      return await use(arn);
    } catch (e) {
      if (!(e instanceof IvsCallError && e.awsName === 'ResourceNotFoundException')) throw e;
      this.log.warn(`IVS no longer has stage ${arn} of studio ${stage.name}; making a new one`);
      await this.forget(stage.id, arn);
      return use(await this.ensure(stage));
    }
  }

  /** Drops a stage IVS no longer has, with the tokens minted for it. */
  async forget(stageId: string, arn: string): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM stage_tokens WHERE stage_id = $1 AND stage_arn = $2`, [stageId, arn]);
      await m.query(`DELETE FROM ivs_stages WHERE stage_id = $1 AND kind = 'studio' AND arn = $2`, [stageId, arn]);
    });
  }

  /** Studio stages nobody asked for since `before`, oldest first, with their studio's live switches. */
  async unusedSince(before: Date, limit = 50): Promise<StudioStageRow[]> {
    const rows = await this.db.query(
      `SELECT i.stage_id, i.arn, i.last_used_at, s.is_live, d.document->'live'->'broadcast'->>'state' AS broadcast
         FROM ivs_stages i JOIN stages s ON s.id = i.stage_id LEFT JOIN studio_documents d ON d.stage_id = i.stage_id
        WHERE i.kind = 'studio' AND i.last_used_at < $1
        ORDER BY i.last_used_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRow);
  }

  /** IVS says someone is on the stage: that counts as a use. */
  async touch(stageId: string, arn: string): Promise<void> {
    await this.db.query(`UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND kind = 'studio' AND arn = $2`, [stageId, arn]);
  }

  /**
   * Deletes the IVS stage of a studio and forgets it with its tokens, if `stillIdle` agrees
   * once the row is locked (a member may have come back since it was judged). Returns whether
   * it was given back. A failed DeleteStage leaves everything as it was, for the next sweep.
   */
  async giveBack(stageId: string, arn: string, stillIdle: (row: StudioStageRow) => boolean): Promise<boolean> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(stageId)]);
      const rows = await m.query(
        `SELECT i.stage_id, i.arn, i.last_used_at, s.is_live, d.document->'live'->'broadcast'->>'state' AS broadcast
           FROM ivs_stages i JOIN stages s ON s.id = i.stage_id LEFT JOIN studio_documents d ON d.stage_id = i.stage_id
          WHERE i.stage_id = $1 AND i.kind = 'studio' FOR UPDATE OF i`,
        [stageId],
      );
      const row = rows[0] ? toRow(rows[0]) : null;
      if (!row || row.arn !== arn || !stillIdle(row)) return false;
      await this.media.deleteStage(arn);
      // Deleting the stage disconnected everyone on it: nothing left to disconnect there.
      await m.query(`UPDATE stage_disconnects SET done_at = now(), claimed_until = NULL WHERE stage_arn = $1 AND done_at IS NULL`, [arn]);
      await m.query(`DELETE FROM stage_tokens WHERE stage_id = $1 AND stage_arn = $2`, [stageId, arn]);
      await m.query(`DELETE FROM ivs_stages WHERE stage_id = $1 AND kind = 'studio'`, [stageId]);
      return true;
    });
  }

  /**
   * Creates the IVS stage under the studio's lock (a concurrent first use waits and reads the
   * row). A quota refusal leaves nothing behind; a row that cannot be stored after CreateStage
   * deletes the new stage again (or queues it for the orphan sweeper).
   */
  private async create(stage: Stage): Promise<string> {
    let made: string | null = null;
    try {
      return await this.db.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(stage.id)]);
        const existing = await this.current(stage.id, m);
        if (existing) {
          await m.query(`UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND kind = 'studio'`, [stage.id]);
          return existing;
        }
        made = (await this.media.createStage({ name: stage.name, tags: { app: 'streamcat', 'streamcat:studio': stage.id } })).arn;
        await m.query(`INSERT INTO ivs_stages (stage_id, kind, arn) VALUES ($1, 'studio', $2)`, [stage.id, made]);
        return made;
      });
    } catch (e) {
      if (made) await this.discard(made, e);
      throw e;
    }
  }

  private async discard(arn: string, cause: unknown): Promise<void> {
    try {
      await this.media.deleteStage(arn);
    } catch {
      this.log.warn(`Could not delete stage ${arn} after failing to store it; queued for retry`);
      await this.db
        .createQueryBuilder()
        .insert()
        .into(OrphanedMediaResource)
        .values({ kind: 'stage', arn, lastError: cause instanceof Error ? cause.message : String(cause) })
        .orIgnore()
        .execute()
        .catch(() => this.log.error(`Orphaned stage ${arn}: provider and database unavailable`));
    }
  }
}

function toRow(r: {
  stage_id: string;
  arn: string;
  last_used_at: Date;
  is_live: boolean;
  broadcast: BroadcastState | null;
}): StudioStageRow {
  return { stageId: r.stage_id, arn: r.arn, lastUsedAt: r.last_used_at, realtimeOpen: r.is_live, broadcast: r.broadcast ?? null };
}

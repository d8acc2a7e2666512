import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { BroadcastState } from '@streamcat/protocol';
import { IvsCallError } from '../media/ivs-errors';
import { MediaProvider } from '../media/media-provider';
import { OrphanedMediaResource } from '../media/orphaned-resource.entity';
import type { IvsStageKind } from './ivs-stage.entity';
import type { Stage } from './stage.entity';

/** Serialises creating and giving back one of a studio's IVS stages, across requests and replicas. */
const lockKey = (stageId: string, kind: IvsStageKind) => `ivs-stage:${stageId}:${kind}`;

/** One of a studio's IVS stages with what the idle sweeper needs to judge it. */
export interface StudioStageRow {
  stageId: string;
  kind: IvsStageKind;
  arn: string;
  lastUsedAt: Date;
  realtimeOpen: boolean;
  broadcast: BroadcastState | null;
}

/**
 * The IVS stages behind each studio: the private studio stage (made on a member's token or
 * studio join) and the public show stage (made when real-time viewing opens). Each is created
 * on first need under an advisory lock, so concurrent first uses make one stage, and given
 * back by the idle sweeper. A stage IVS no longer has (deleted outside StreamCat) is
 * forgotten and made again. `kind` defaults to the studio stage.
 */
@Injectable()
export class StudioStages {
  private readonly log = new Logger('StudioStages');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
  ) {}

  /** The stage's ARN, creating the IVS stage if the studio has none of that kind; counts as a use. */
  async ensure(stage: Stage, kind: IvsStageKind = 'studio'): Promise<string> {
    const [rows] = (await this.db.query(`UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND kind = $2 RETURNING arn`, [
      stage.id,
      kind,
    ])) as [{ arn: string }[], number];
    return rows[0]?.arn ?? this.create(stage, kind);
  }

  /** The stage's ARN if the studio has one of that kind now (never creates one). */
  async current(stageId: string, m: EntityManager = this.db.manager, kind: IvsStageKind = 'studio'): Promise<string | null> {
    const rows: { arn: string }[] = await m.query(`SELECT arn FROM ivs_stages WHERE stage_id = $1 AND kind = $2`, [stageId, kind]);
    return rows[0]?.arn ?? null;
  }

  /** Inside a transaction: the current ARN, held (FOR SHARE) so it cannot be given back before the transaction ends. */
  async lockCurrent(m: EntityManager, stageId: string, kind: IvsStageKind = 'studio'): Promise<string | null> {
    const rows: { arn: string }[] = await m.query(`SELECT arn FROM ivs_stages WHERE stage_id = $1 AND kind = $2 FOR SHARE`, [
      stageId,
      kind,
    ]);
    return rows[0]?.arn ?? null;
  }

  /**
   * Runs `use` with the studio stage's ARN (made if needed). When IVS says the stage is gone,
   * it is forgotten and `use` runs once more on a new one.
   */
  async withStage<T>(stage: Stage, use: (arn: string) => Promise<T>, kind: IvsStageKind = 'studio'): Promise<T> {
    const arn = await this.ensure(stage, kind);
    try {
      return await use(arn);
    } catch (e) {
      if (!(e instanceof IvsCallError && e.awsName === 'ResourceNotFoundException')) throw e;
      this.log.warn(`IVS no longer has stage ${arn} of studio ${stage.name}; making a new one`);
      await this.forget(stage.id, arn);
      return use(await this.ensure(stage, kind));
    }
  }

  /** Drops a stage IVS no longer has, with the tokens minted for it. */
  async forget(stageId: string, arn: string): Promise<void> {
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM stage_tokens WHERE stage_id = $1 AND stage_arn = $2`, [stageId, arn]);
      await m.query(`DELETE FROM ivs_stages WHERE stage_id = $1 AND arn = $2`, [stageId, arn]);
    });
  }

  /** Stages (of either kind) nobody asked for since `before`, oldest first, with their studio's live switches. */
  async unusedSince(before: Date, limit = 50): Promise<StudioStageRow[]> {
    const rows = await this.db.query(
      `SELECT i.stage_id, i.kind, i.arn, i.last_used_at, s.is_live, d.document->'live'->'broadcast'->>'state' AS broadcast
         FROM ivs_stages i JOIN stages s ON s.id = i.stage_id LEFT JOIN studio_documents d ON d.stage_id = i.stage_id
        WHERE i.last_used_at < $1
        ORDER BY i.last_used_at LIMIT $2`,
      [before, limit],
    );
    return rows.map(toRow);
  }

  /** IVS says someone is on the stage: that counts as a use. */
  async touch(stageId: string, arn: string): Promise<void> {
    await this.db.query(`UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND arn = $2`, [stageId, arn]);
  }

  /**
   * Deletes one IVS stage of a studio and forgets it with its tokens, if `stillIdle` agrees
   * once the row is locked (a member may have come back since it was judged). Returns whether
   * it was given back. A failed DeleteStage leaves everything as it was, for the next sweep.
   */
  async giveBack(
    stageId: string,
    arn: string,
    stillIdle: (row: StudioStageRow) => boolean,
    kind: IvsStageKind = 'studio',
  ): Promise<boolean> {
    return this.db.transaction(async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(stageId, kind)]);
      const rows = await m.query(
        `SELECT i.stage_id, i.kind, i.arn, i.last_used_at, s.is_live, d.document->'live'->'broadcast'->>'state' AS broadcast
           FROM ivs_stages i JOIN stages s ON s.id = i.stage_id LEFT JOIN studio_documents d ON d.stage_id = i.stage_id
          WHERE i.stage_id = $1 AND i.kind = $2 FOR UPDATE OF i`,
        [stageId, kind],
      );
      const row = rows[0] ? toRow(rows[0]) : null;
      if (!row || row.arn !== arn || !stillIdle(row)) return false;
      await this.media.deleteStage(arn);
      // Deleting the stage disconnected everyone on it: nothing left to disconnect there.
      await m.query(`UPDATE stage_disconnects SET done_at = now(), claimed_until = NULL WHERE stage_arn = $1 AND done_at IS NULL`, [arn]);
      await m.query(`DELETE FROM stage_tokens WHERE stage_id = $1 AND stage_arn = $2`, [stageId, arn]);
      await m.query(`DELETE FROM ivs_stages WHERE stage_id = $1 AND kind = $2`, [stageId, kind]);
      return true;
    });
  }

  /**
   * Creates the IVS stage under the studio's lock (a concurrent first use waits and reads the
   * row). A quota refusal leaves nothing behind; a row that cannot be stored after CreateStage
   * deletes the new stage again (or queues it for the orphan sweeper).
   */
  private async create(stage: Stage, kind: IvsStageKind): Promise<string> {
    let made: string | null = null;
    try {
      return await this.db.transaction(async (m) => {
        await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(stage.id, kind)]);
        const existing = await this.current(stage.id, m, kind);
        if (existing) {
          await m.query(`UPDATE ivs_stages SET last_used_at = now() WHERE stage_id = $1 AND kind = $2`, [stage.id, kind]);
          return existing;
        }
        // IVS stage names: the studio's name, with "-show" for the public one (≤ 128 characters, [A-Za-z0-9-_]).
        const name = kind === 'show' ? `${stage.name}-show` : stage.name;
        made = (
          await this.media.createStage({
            name,
            tags: { app: 'streamcat', 'streamcat:studio': stage.id, 'streamcat:kind': kind },
            // Only the private studio stage: every member publishes there for the whole session (the show stage repeats on-air members).
            recordParticipants: kind === 'studio',
          })
        ).arn;
        await m.query(`INSERT INTO ivs_stages (stage_id, kind, arn) VALUES ($1, $2, $3)`, [stage.id, kind, made]);
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
  kind: IvsStageKind;
  arn: string;
  last_used_at: Date;
  is_live: boolean;
  broadcast: BroadcastState | null;
}): StudioStageRow {
  return {
    stageId: r.stage_id,
    kind: r.kind,
    arn: r.arn,
    lastUsedAt: r.last_used_at,
    realtimeOpen: r.is_live,
    broadcast: r.broadcast ?? null,
  };
}

import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { initialStudioDocument, type StudioDocument, type StudioSnapshot } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { Stage } from '../stages/stage.entity';
import { StudioClock } from './studio.clock';
import { StudioDocumentRow } from './studio.entity';

export type StageRef = { name: string } | { id: string };

/** The studio documents in PostgreSQL: found by stage, created on first use, shown as snapshots. */
@Injectable()
export class StudioDocuments {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: StudioClock,
  ) {}

  async findStage(ref: StageRef): Promise<Stage> {
    const q = this.db.getRepository(Stage).createQueryBuilder('s');
    const stage = await (
      'id' in ref ? q.where('s.id = :id', { id: ref.id }) : q.where('lower(s.name) = lower(:name)', { name: ref.name })
    ).getOne();
    if (!stage) throw new AppError('stage/not-found');
    return stage;
  }

  /** The stored document, if the studio was ever opened (never creates one). */
  async peek(stageId: string): Promise<StudioDocumentRow | null> {
    return this.db.getRepository(StudioDocumentRow).findOne({ where: { stageId } });
  }

  /** The document as it is now, for a read outside any change (created on first use). */
  async current(ref: StageRef): Promise<StudioDocumentRow> {
    return this.ensure(this.db.manager, await this.findStage(ref));
  }

  /** Reads (optionally locks) the document, creating it with the owner as host on first use. */
  async ensure(m: EntityManager, stage: Stage, lock = false): Promise<StudioDocumentRow> {
    const repo = m.getRepository(StudioDocumentRow);
    const read = () => repo.findOne({ where: { stageId: stage.id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    const found = await read();
    if (found) return found;
    const owner = (
      await m.query(`SELECT u.username, c.is_live FROM users u LEFT JOIN channels c ON c.user_id = u.id WHERE u.id = $1`, [stage.userId])
    )[0] as { username: string; is_live: boolean | null } | undefined;
    const doc = initialStudioDocument({
      stageId: stage.id,
      stageName: stage.name,
      ownerId: stage.userId,
      ownerName: owner?.username ?? stage.name,
      now: this.clock.now(),
    });
    if (stage.isLive) doc.live.realtime.state = 'open';
    if (owner?.is_live) doc.live.broadcast.state = 'live';
    await m.query(`INSERT INTO studio_documents (stage_id, version, document) VALUES ($1, 0, $2) ON CONFLICT (stage_id) DO NOTHING`, [
      stage.id,
      JSON.stringify(doc),
    ]);
    return (await read())!;
  }

  /** Stages worth a moderator's attention: someone besides the owner seated, real-time open, or a broadcast not offline. */
  async listOpen(): Promise<StudioSnapshot[]> {
    const rows: { stage_id: string; version: number; document: StudioDocument }[] = await this.db.query(
      `SELECT d.stage_id, d.version, d.document FROM studio_documents d JOIN stages s ON s.id = d.stage_id
       WHERE s.is_live OR jsonb_array_length(d.document->'members') > 1
          OR d.document->'live'->'broadcast'->>'state' <> 'offline'
       ORDER BY d.updated_at DESC LIMIT 500`,
    );
    return rows.map((r) => this.view(r.stage_id, r.version, r.document));
  }

  /** Expiry is enforced on read too: a snapshot never shows an invite whose time is up. */
  view(stageId: string, version: number, document: StudioDocument): StudioSnapshot {
    const now = this.clock.now().getTime();
    return {
      stageId,
      version,
      document: {
        ...document,
        invites: document.invites.filter((i) => Date.parse(i.expiresAt) > now),
        greenRoom: document.greenRoom.filter((g) => Date.parse(g.expiresAt) > now),
      },
    };
  }
}

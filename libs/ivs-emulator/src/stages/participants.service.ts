import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IvsApiError, notFoundError } from '../aws-protocol/ivs-api.errors';
import { decodeNextToken, pageOf } from '../aws-protocol/ivs-pagination';
import { queryOne, queryRows, Sql } from '../database/emulator-sql';
import { newStageSessionId } from '../ivs-arns';
import { IVS_EMULATOR_CLOCK, IVS_EMULATOR_OPTIONS, IvsEmulatorClock, IvsEmulatorOptions } from '../ivs-emulator.options';
import { requireStage, StageRow } from './stage.rows';
import type { ListParticipantsRequest, ParticipantState } from './stages.schemas';

interface ParticipantRow {
  session_id: string;
  participant_id: string;
  user_id: string;
  state: ParticipantState;
  published: boolean;
  first_join_at: Date;
}

/** The `ParticipantSummary` structure ListParticipants returns. */
export interface ParticipantSummaryView {
  participantId: string;
  userId: string;
  state: ParticipantState;
  firstJoinTime: string;
  published: boolean;
  recordingState: 'DISABLED';
  replicationType: 'NONE';
}

/**
 * Who is connected to which stage session. Only the media plane knows when someone joins or
 * leaves, so it reports here; the control plane derives `activeSessionId` and ListParticipants.
 */
@Injectable()
export class ParticipantsService {
  constructor(
    private readonly db: DataSource,
    @Inject(IVS_EMULATOR_OPTIONS) private readonly options: IvsEmulatorOptions,
    @Inject(IVS_EMULATOR_CLOCK) private readonly now: IvsEmulatorClock,
  ) {}

  /** Records a connection; the first participant on an idle stage opens a new session. */
  async markJoined(participantId: string): Promise<{ sessionId: string }> {
    return this.db.transaction(async (tx) => {
      const token = await queryOne<{ stage_id: string; user_id: string; disconnected_at: Date | null }>(
        tx,
        `SELECT stage_id, user_id, disconnected_at FROM ivs_emu_participant_tokens WHERE participant_id = $1`,
        [participantId],
      );
      if (!token) throw notFoundError(`Participant ${participantId} is not known.`);
      if (token.disconnected_at) throw new IvsApiError('ConflictException', `Participant ${participantId} was disconnected.`);
      const stage = await queryOne<{ active_session_id: string }>(
        tx,
        `UPDATE ivs_emu_stages SET active_session_id = COALESCE(active_session_id, $2) WHERE id = $1 RETURNING active_session_id`,
        [token.stage_id, newStageSessionId()],
      );
      const sessionId = stage!.active_session_id;
      await tx.query(
        `INSERT INTO ivs_emu_participants (session_id, participant_id, stage_id, user_id, state, first_join_at)
         VALUES ($1, $2, $3, $4, 'CONNECTED', $5)
         ON CONFLICT (session_id, participant_id) DO UPDATE SET state = 'CONNECTED', left_at = NULL`,
        [sessionId, participantId, token.stage_id, token.user_id, this.now()],
      );
      return { sessionId };
    });
  }

  async markLeftById(participantId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const stage = await queryOne<StageRow>(
        tx,
        `SELECT s.* FROM ivs_emu_stages s JOIN ivs_emu_participant_tokens t ON t.stage_id = s.id
         WHERE t.participant_id = $1 FOR UPDATE OF s`,
        [participantId],
      );
      if (stage) await this.markLeft(tx, stage, participantId);
    });
  }

  /** Marks the participant gone; the session ends when its last participant leaves. */
  async markLeft(tx: Sql, stage: StageRow, participantId: string): Promise<void> {
    await tx.query(
      `UPDATE ivs_emu_participants SET state = 'DISCONNECTED', left_at = $3
       WHERE stage_id = $1 AND participant_id = $2 AND state = 'CONNECTED'`,
      [stage.id, participantId, this.now()],
    );
    await tx.query(
      `UPDATE ivs_emu_stages SET active_session_id = NULL
       WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM ivs_emu_participants WHERE stage_id = $1 AND state = 'CONNECTED')`,
      [stage.id],
    );
  }

  /** ListParticipants' `published` is whether the participant ever published in the session: it never goes back. */
  async setPublished(participantId: string, published: boolean): Promise<void> {
    await this.db.query(`UPDATE ivs_emu_participants SET published = published OR $2 WHERE participant_id = $1 AND state = 'CONNECTED'`, [
      participantId,
      published,
    ]);
  }

  async connected(sql: Sql, stageId: string): Promise<{ participantId: string; userId: string }[]> {
    const rows = await queryRows<{ participant_id: string; user_id: string }>(
      sql,
      `SELECT participant_id, user_id FROM ivs_emu_participants WHERE stage_id = $1 AND state = 'CONNECTED'`,
      [stageId],
    );
    return rows.map((r) => ({ participantId: r.participant_id, userId: r.user_id }));
  }

  async listParticipants(req: ListParticipantsRequest): Promise<{ participants: ParticipantSummaryView[]; nextToken?: string }> {
    const stage = await requireStage(this.db, req.stageArn, this.options.accountId);
    const after = decodeNextToken(req.nextToken);
    const where = ['stage_id = $1', 'session_id = $2'];
    const params: unknown[] = [stage.id, req.sessionId];
    if (after !== undefined) where.push(`participant_id > $${params.push(after)}`);
    if (req.filterByUserId !== undefined) where.push(`user_id = $${params.push(req.filterByUserId)}`);
    if (req.filterByPublished !== undefined) where.push(`published = $${params.push(req.filterByPublished)}`);
    if (req.filterByState !== undefined) where.push(`state = $${params.push(req.filterByState)}`);
    // No recording in the emulator: every participant's recording state is DISABLED.
    if (req.filterByRecordingState !== undefined) where.push('false');
    const rows = await queryRows<ParticipantRow>(
      this.db,
      `SELECT * FROM ivs_emu_participants WHERE ${where.join(' AND ')} ORDER BY participant_id LIMIT $${params.push(req.maxResults + 1)}`,
      params,
    );
    const page = pageOf(rows, req.maxResults, (r) => r.participant_id);
    return {
      participants: page.items.map((r) => ({
        participantId: r.participant_id,
        userId: r.user_id,
        state: r.state,
        firstJoinTime: r.first_join_at.toISOString(),
        published: r.published,
        recordingState: 'DISABLED',
        replicationType: 'NONE',
      })),
      nextToken: page.nextToken,
    };
  }
}

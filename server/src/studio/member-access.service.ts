import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Stage } from '../stages/stage.entity';
import { StageAccess, StagePrincipal, StageSeat } from '../stages/stage-access';
import { StageDisconnects } from '../stages/stage-disconnects.service';
import { StageTokensService } from '../stages/stage-tokens.service';
import { StudioStages } from '../stages/studio-stages.service';
import { StudioDocumentRow } from './studio.entity';
import type { StudioEffect } from './studio.reducer';

/**
 * The stages' seat check, read from the studio document (no lock: a token is refused at
 * once after a committed removal, and the removal deletes any token minted before it).
 */
@Injectable()
export class StudioStageAccess extends StageAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async seatOf(stage: Stage, principal: StagePrincipal): Promise<StageSeat | { refused: 'auth/forbidden' | 'studio/removed' }> {
    const row = await this.db.getRepository(StudioDocumentRow).findOne({ where: { stageId: stage.id } });
    const id = principal.kind === 'user' ? principal.user.id : principal.stageId === stage.id ? principal.guestId : null;
    if (!row || !id) return { refused: 'auth/forbidden' };
    const doc = row.document;
    const seat = doc.members.find((m) => m.id === id && m.kind === principal.kind);
    if (seat) return { memberId: seat.id, userId: seat.userId, displayName: seat.displayName, role: seat.role };
    if (doc.removed.some((r) => r.id === id)) return { refused: 'studio/removed' };
    return { refused: 'auth/forbidden' };
  }
}

/**
 * What a studio change means for stage tokens: a new seat gets its token in the same
 * transaction (while the studio holds a stage); a removal or a closed real-time gate deletes
 * tokens there and records their participants for disconnecting, which runs after commit at
 * the rate IVS allows (StageDisconnects).
 */
@Injectable()
export class MemberTokens {
  constructor(
    private readonly tokens: StageTokensService,
    private readonly stages: StudioStages,
    private readonly disconnects: StageDisconnects,
  ) {}

  /** Runs inside the studio transaction; returns whether participants wait to be disconnected (call `afterCommit`). */
  async applyInTransaction(m: EntityManager, stage: Stage, effects: StudioEffect[]): Promise<boolean> {
    let queued = false;
    for (const e of effects) {
      if (e.kind === 'mint-token') {
        // Minted ahead only while the studio holds a stage; otherwise the member's first token request makes one.
        const arn = await this.stages.current(stage.id, m);
        if (!arn) continue;
        await this.tokens.memberToken(
          m,
          stage,
          { memberId: e.member.id, userId: e.member.userId, displayName: e.member.displayName, role: e.member.role },
          arn,
        );
      } else if (e.kind === 'member-removed') {
        const held = await this.tokens.deleteMemberTokens(m, stage.id, e.member.id);
        await this.disconnects.enqueue(m, stage.id, held, 'member-removed');
        queued ||= held.length > 0;
      } else if (e.kind === 'realtime') {
        // Row lock on the stage: a viewer-token mint in flight (FOR SHARE) finishes first, then is revoked below.
        await m.query(`UPDATE stages SET is_live = $2 WHERE id = $1`, [stage.id, e.open]);
        if (e.open) continue;
        const held = await this.tokens.deleteViewerTokens(m, stage.id);
        await this.disconnects.enqueue(m, stage.id, held, 'realtime-closed');
        queued ||= held.length > 0;
      }
    }
    return queued;
  }

  /** After commit: start disconnecting (a deleted token already keeps them from joining again). */
  afterCommit(queued: boolean): void {
    if (queued) this.disconnects.kick();
  }
}

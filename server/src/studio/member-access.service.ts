import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MediaProvider } from '../media/media-provider';
import { Stage } from '../stages/stage.entity';
import { StageAccess, StagePrincipal, StageSeat } from '../stages/stage-access';
import { HeldParticipant, StageTokensService } from '../stages/stage-tokens.service';
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
 * transaction; a removal or a closed real-time gate deletes tokens there, and the
 * participants they were minted for are disconnected after commit.
 */
@Injectable()
export class MemberTokens {
  private readonly log = new Logger('Studio');

  constructor(
    private readonly tokens: StageTokensService,
    private readonly stages: StudioStages,
    private readonly media: MediaProvider,
  ) {}

  /** Runs inside the studio transaction; returns the participants to disconnect once it commits. */
  async applyInTransaction(m: EntityManager, stage: Stage, effects: StudioEffect[]): Promise<HeldParticipant[]> {
    const disconnect: HeldParticipant[] = [];
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
        disconnect.push(...(await this.tokens.deleteMemberTokens(m, stage.id, e.member.id)));
      } else if (e.kind === 'realtime') {
        // Row lock on the stage: a viewer-token mint in flight (FOR SHARE) finishes first, then is revoked below.
        await m.query(`UPDATE stages SET is_live = $2 WHERE id = $1`, [stage.id, e.open]);
        if (!e.open) disconnect.push(...(await this.tokens.deleteViewerTokens(m, stage.id)));
      }
    }
    return disconnect;
  }

  /** After commit: a failed DisconnectParticipant is logged; the deleted token already keeps them out. */
  disconnect(participants: HeldParticipant[]): void {
    for (const { participantId, stageArn } of participants) {
      this.media
        .disconnectParticipant({ stageArn, participantId, reason: 'Removed from the studio' })
        .catch((e) => this.log.warn(`DisconnectParticipant ${participantId}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}

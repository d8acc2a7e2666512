import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Stage } from '../stages/stage.entity';
import { StageAccess, StagePrincipal, StageSeat } from '../stages/stage-access';
import { StageDisconnects } from '../stages/stage-disconnects.service';
import { StageTokensService, stageTokenResponse } from '../stages/stage-tokens.service';
import { StudioStages } from '../stages/studio-stages.service';
import { stageCapabilities, type ErrorCode, type StageTokenResponse, type StudioMember } from '@streamcat/protocol';
import { screenSeat } from './screen-share.rules';
import { showTokenAttributes } from './cloud-programme.rules';
import { showSeat } from './show-stage.rules';
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
    if (seat)
      return {
        memberId: seat.id,
        userId: seat.userId,
        displayName: seat.displayName,
        role: seat.role,
        capabilities: stageCapabilities(doc, seat.id),
      };
    if (doc.removed.some((r) => r.id === id)) return { refused: 'studio/removed' };
    return { refused: 'auth/forbidden' };
  }

  async showSeatOf(m: EntityManager, stage: Stage, principal: StagePrincipal): Promise<StageSeat | { refused: ErrorCode }> {
    const row = await m.getRepository(StudioDocumentRow).findOne({ where: { stageId: stage.id }, lock: { mode: 'pessimistic_read' } });
    if (!row) return { refused: 'auth/forbidden' };
    const decided = showSeat(
      row.document,
      principal.kind === 'user'
        ? { kind: 'user', userId: principal.user.id }
        : { kind: 'guest', guestId: principal.guestId, stageId: principal.stageId },
    );
    if ('refused' in decided) return decided;
    const seat = decided.seat;
    return {
      memberId: seat.id,
      userId: seat.userId,
      displayName: seat.displayName,
      role: seat.role,
      attributes: showTokenAttributes(row.document, seat.id),
    };
  }

  async screenSeatOf(
    m: EntityManager,
    stage: Stage,
    principal: StagePrincipal,
    where: 'studio' | 'show',
  ): Promise<StageSeat | { refused: ErrorCode }> {
    // FOR SHARE: a stop (or leaving the air) waits for the token to be stored, then deletes it.
    const row = await m.getRepository(StudioDocumentRow).findOne({ where: { stageId: stage.id }, lock: { mode: 'pessimistic_read' } });
    if (!row) return { refused: 'auth/forbidden' };
    const decided = screenSeat(
      row.document,
      principal.kind === 'user'
        ? { kind: 'user', userId: principal.user.id }
        : { kind: 'guest', guestId: principal.guestId, stageId: principal.stageId },
      where,
    );
    if ('refused' in decided) return decided;
    const seat = decided.seat;
    return { memberId: seat.id, userId: seat.userId, displayName: seat.displayName, role: seat.role, capabilities: ['PUBLISH'] };
  }
}

/** What a change left to disconnect: batches to finish before the ack, and whether others wait for the background worker. */
export interface QueuedDisconnects {
  beforeAck: string[];
  background: boolean;
  /** Show tokens minted with the change, handed to their members right after commit. */
  showTokens: { member: StudioMember; token: StageTokenResponse }[];
}

/**
 * What a studio change means for stage tokens: a new seat gets its token in the same
 * transaction (while the studio holds a stage); a removal, someone leaving the air or a closed
 * real-time gate deletes tokens there and records their participants for disconnecting at the
 * rate IVS allows (StageDisconnects). Leaving the air and removals are disconnected before
 * the change is acknowledged (the show stage's invariant); a closed gate's viewers, possibly
 * thousands, in the background with progress pushed to the host.
 */
@Injectable()
export class MemberTokens {
  constructor(
    private readonly tokens: StageTokensService,
    private readonly stages: StudioStages,
    private readonly disconnects: StageDisconnects,
  ) {}

  /** Runs inside the studio transaction; returns the participants waiting to be disconnected (call `afterCommit`). */
  async applyInTransaction(m: EntityManager, stage: Stage, effects: StudioEffect[]): Promise<QueuedDisconnects> {
    const queued: QueuedDisconnects = { beforeAck: [], background: false, showTokens: [] };
    for (const e of effects) {
      if (e.kind === 'mint-token') {
        // Minted ahead only while the studio holds a stage; otherwise the member's first token request makes one.
        const arn = await this.stages.current(stage.id, m);
        if (!arn) continue;
        await this.tokens.memberToken(
          m,
          stage,
          {
            memberId: e.member.id,
            userId: e.member.userId,
            displayName: e.member.displayName,
            role: e.member.role,
            capabilities: e.capabilities,
          },
          arn,
        );
      } else if (e.kind === 'member-removed') {
        // Both stages: their studio-stage and show-stage participants.
        const held = await this.tokens.deleteMemberTokens(m, stage.id, e.member.id);
        const batch = await this.disconnects.enqueue(m, stage.id, held, 'member-removed');
        if (batch) queued.beforeAck.push(batch);
      } else if (e.kind === 'show-seat') {
        // Minted with the change that put them on the show: the member starts publishing there as
        // soon as they hear of it, without asking (the token route stays for retries and reloads).
        const arn = await this.stages.current(stage.id, m, 'show');
        if (!arn) continue;
        const seat = {
          memberId: e.member.id,
          userId: e.member.userId,
          displayName: e.member.displayName,
          role: e.member.role,
          attributes: e.attributes,
        };
        const row = await this.tokens.showMemberToken(m, stage, seat, arn);
        if (row) queued.showTokens.push({ member: e.member, token: stageTokenResponse(row) });
      } else if (e.kind === 'left-air') {
        const held = await this.tokens.deleteShowTokens(m, stage.id, e.member.id);
        const batch = await this.disconnects.enqueue(m, stage.id, held, 'member-off-air');
        if (batch) queued.beforeAck.push(batch);
      } else if (e.kind === 'screen-stopped') {
        // No new screen participant for them, and the ones they have are cut off before the ack:
        // "Stop sharing" must stop the screen reaching anyone even if the browser keeps sending.
        const held = await this.tokens.deleteScreenTokens(m, stage.id, e.member.id);
        const batch = await this.disconnects.enqueue(m, stage.id, held, 'screen-stopped');
        if (batch) queued.beforeAck.push(batch);
      } else if (e.kind === 'realtime') {
        // Row lock on the stage: a viewer-token mint in flight (FOR SHARE) finishes first, then is revoked below.
        await m.query(`UPDATE stages SET is_live = $2 WHERE id = $1`, [stage.id, e.open]);
        if (e.open) continue;
        // Nobody watches the show stage any more: its viewers go, and on-air members stop publishing there.
        const held = [...(await this.tokens.deleteViewerTokens(m, stage.id)), ...(await this.tokens.deleteShowTokens(m, stage.id))];
        queued.background ||= (await this.disconnects.enqueue(m, stage.id, held, 'realtime-closed')) !== null;
      }
    }
    return queued;
  }

  /**
   * After commit: disconnects what must be gone before the ack, then lets the background worker
   * take the rest (a deleted token already keeps them from joining again). Resolves once the
   * before-ack batches are done, or after a bounded wait when IVS fails them (the durable rows
   * keep being retried; the change itself is committed).
   */
  async afterCommit(queued: QueuedDisconnects): Promise<void> {
    if (queued.background) this.disconnects.kick();
    if (queued.beforeAck.length) await this.disconnects.finish(queued.beforeAck);
  }

  /** Before a retried command is answered: any before-ack disconnects of this studio still pending are done first. */
  async finishPending(stageId: string): Promise<void> {
    const batches = await this.disconnects.pendingBatches(stageId, ['member-off-air', 'member-removed', 'screen-stopped']);
    if (batches.length) await this.disconnects.finish(batches);
  }
}

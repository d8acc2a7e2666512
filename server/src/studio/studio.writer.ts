import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CommandName, StudioChange, StudioDocument } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { AppError } from '../http/app-error';
import type { SocketActor } from '../realtime/socket-actor';
import type { Stage } from '../stages/stage.entity';
import { MemberTokens, QueuedDisconnects } from './member-access.service';
import { StudioClock } from './studio.clock';
import { StageRef, StudioDocuments } from './studio.documents';
import { StudioCommandRecord, StudioDocumentRow } from './studio.entity';
import { StudioConflictError } from './studio.errors';
import { StudioPushes } from './studio.pushes';
import {
  ActorContext,
  actorContext,
  applyStudioCommand,
  mayReplay,
  nextExpiry,
  StudioAction,
  StudioActor,
  StudioEffect,
} from './studio.reducer';

/** What run() records and authorizes: a socket command, or one the server runs itself (never authorized by role). */
export type WriteCommand =
  | CommandName
  | 'studio:expire'
  | 'studio:broadcast-confirmed'
  | 'studio:broadcast-timed-out'
  | 'studio:composition-started'
  | 'studio:composition-state'
  | 'studio:failover-verdict'
  | 'invite-link:join';

export interface BuildContext {
  doc: StudioDocument;
  m: EntityManager;
  stage: Stage;
  now: Date;
  /** The actor as the reducer sees them (role, seat if any). */
  actor: ActorContext;
}

/** The ack of a change: the new version, and what the command adds to it. */
export type Acked<E> = { version: number } & E;

export interface RunInput<A extends StudioAction, E extends object> {
  command: WriteCommand;
  stage: StageRef;
  actor: StudioActor;
  commandId?: string;
  expectedVersion?: number;
  /** Resolves the command into a reducer action (may read or write rows in the same transaction). */
  build: (ctx: BuildContext) => Promise<A> | A;
  /** Extra fields of the ack's data, besides `version`. */
  ack?: (result: { doc: StudioDocument; action: A; change: StudioChange }) => E;
  /** What of the ack is kept for a retry, and how the retry's ack is rebuilt from it (secrets are never stored). */
  stored?: { save: (data: Acked<E>) => Record<string, unknown>; load: (kept: Record<string, unknown>) => Acked<E> };
}

/** The fields every change command carries, as the write path takes them. */
export function socketChange(
  command: CommandName,
  input: { stage: string; commandId: string; expectedVersion?: number },
  actor: SocketActor,
): Pick<RunInput<never, object>, 'command' | 'stage' | 'actor' | 'commandId' | 'expectedVersion'> {
  return { command, stage: { name: input.stage }, actor, commandId: input.commandId, expectedVersion: input.expectedVersion };
}

/**
 * The one write path of a studio: each change runs under a row lock on its document (one
 * writer per stage across all nodes), is authorized, checked against the expected version,
 * decided by the pure reducer, stored with its effects and recorded by command id in one
 * transaction, then pushed to every node after commit.
 */
@Injectable()
export class StudioWriter {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly documents: StudioDocuments,
    private readonly memberTokens: MemberTokens,
    private readonly pushes: StudioPushes,
    private readonly clock: StudioClock,
  ) {}

  async run<A extends StudioAction, E extends object = object>(input: RunInput<A, E>): Promise<Acked<E>> {
    const stage = await this.documents.findStage(input.stage);
    const actorKey = keyOf(input.actor);
    let after: (() => Promise<void>) | undefined;
    const data = await this.db.transaction(async (m): Promise<Acked<E>> => {
      const row = await this.documents.ensure(m, stage, true);
      const ctx = actorContext(input.actor, row.document);
      const checked = input.actor.kind !== 'system' && input.actor.kind !== 'moderator';
      if (input.commandId) {
        // A retry is answered from the record of this actor's command on this stage, and only
        // if they may still send it: a removed member's replay is refused like a new command.
        const done = await m
          .getRepository(StudioCommandRecord)
          .findOne({ where: { actorKey, stageId: stage.id, commandId: input.commandId } });
        if (done) {
          if (checked && !mayReplay(input.command, ctx, row.document)) throw new AppError('auth/forbidden');
          if (done.command !== input.command) throw new AppError('studio/command-id-reused');
          // The record holds what this same command acked the first time. Its first run may have
          // stopped between commit and ack: what had to be disconnected before the ack is, now.
          after = () => this.memberTokens.finishPending(stage.id);
          const kept = done.result as Record<string, unknown>;
          return input.stored ? input.stored.load(kept) : (kept as Acked<E>);
        }
      }
      const now = this.clock.now();
      if (checked && !isAllowed(input.command, ctx.role)) throw new AppError('auth/forbidden');
      if (input.expectedVersion !== undefined && input.expectedVersion !== row.version)
        throw new StudioConflictError(this.documents.view(row.stageId, row.version, row.document));

      const action = await input.build({ doc: row.document, m, stage, now, actor: ctx });
      const result = applyStudioCommand(row.document, action, ctx, now);
      if (!result.ok) throw new AppError(result.code, result.message);

      const disconnectsQueued = await this.applyInTransaction(m, stage, result.effects, now);
      const version = row.version + 1;
      await m
        .getRepository(StudioDocumentRow)
        .update({ stageId: stage.id }, { version, document: result.doc, nextExpiryAt: nextExpiry(result.doc), updatedAt: now });
      // Without `ack`, E is the empty default: the ack is the version alone.
      const acked = { version, ...(input.ack?.({ doc: result.doc, action, change: result.change }) ?? {}) } as Acked<E>;
      if (input.commandId)
        await m.getRepository(StudioCommandRecord).insert({
          actorKey,
          commandId: input.commandId,
          stageId: stage.id,
          command: input.command,
          version,
          result: input.stored ? input.stored.save(acked) : acked,
        });
      const snapshot = this.documents.view(stage.id, version, result.doc);
      after = async () => {
        // Someone who left the air (or the studio) is off the show stage before anyone hears of the change.
        await this.memberTokens.afterCommit(disconnectsQueued);
        // Before the document: a member's page that reads "on air" holds its show token already.
        this.pushes.showTokens(stage.id, disconnectsQueued.showTokens);
        this.pushes.toClients(stage, snapshot, result.change, result.effects);
        this.pushes.announce(stage.id, version);
        this.pushes.compositions(stage.id, result.effects);
      };
      return acked;
    });
    await after?.();
    return data;
  }

  private async applyInTransaction(m: EntityManager, stage: Stage, effects: StudioEffect[], now: Date): Promise<QueuedDisconnects> {
    for (const e of effects)
      if (e.kind === 'link-revoked')
        await m.query(`UPDATE studio_invite_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [e.linkId, now]);
    return this.memberTokens.applyInTransaction(m, stage, effects);
  }
}

/** The idempotency record's owner: the same person on any socket or node. */
function keyOf(actor: StudioActor): string {
  switch (actor.kind) {
    case 'user':
      return `user:${actor.id}`;
    case 'guest':
      return `guest:${actor.guestId}`;
    case 'moderator':
      return `moderator:${actor.userId}`;
    default:
      return actor.kind;
  }
}

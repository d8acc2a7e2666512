import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CommandName, StudioChange, StudioDocument } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { AppError } from '../http/app-error';
import type { SocketActor } from '../realtime/socket-actor';
import { Stage } from '../stages/stage.entity';
import { KnownDocuments } from './known-documents';
import { MemberTokens, QueuedDisconnects } from './member-access.service';
import { StudioClock } from './studio.clock';
import { StageRef, StudioDocuments } from './studio.documents';
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
  | 'studio:comment-taken-down'
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
  /** The sentence a role the command is not for is refused with (default: the generic one). */
  forbidden?: string;
  /** Extra fields of the ack's data, besides `version`. */
  ack?: (result: { doc: StudioDocument; action: A; change: StudioChange }) => E;
  /** What of the ack is kept for a retry, and how the retry's ack is rebuilt from it (secrets are never stored). */
  stored?: { save: (data: Acked<E>) => Record<string, unknown>; load: (kept: Record<string, unknown>) => Acked<E> };
  /**
   * `build` neither reads nor writes the database (it ignores `m`): the change may then be
   * decided on an unlocked read and stored by one conditional statement (see `runUnlocked`).
   */
  pureBuild?: boolean;
}

/** Effects that only tell people (pushes, domain events) after commit: a change with others writes rows in other tables. */
const PUSH_ONLY_EFFECTS = new Set<StudioEffect['kind']>([
  'invite-sent',
  'invite-closed',
  'admission',
  'composition-start',
  'composition-stop',
]);

/** What the unlocked path answers when the locked one must take the command. */
const RETRY_LOCKED = Symbol('retry locked');
/** What a decision on a remembered document answers when that document was not the stored one. */
const STALE = Symbol('stale');

interface DocumentRead {
  stageId: string;
  version: number;
  document: StudioDocument;
}

interface CommandRead {
  stage: Stage;
  row: DocumentRead;
  /** This actor's earlier run of the same command id on this stage. */
  done: { command: string; result: Record<string, unknown> } | null;
}

interface ReadRow {
  id: string;
  user_id: string;
  name: string;
  is_live: boolean;
  created_at: Date;
  version: number;
  document: StudioDocument;
  done_command: string | null;
  done_result: unknown;
}

/** A change the reducer accepted, not stored yet. */
interface Decided<A extends StudioAction> {
  action: A;
  doc: StudioDocument;
  change: StudioChange;
  effects: StudioEffect[];
  version: number;
  now: Date;
}

const isUniqueViolation = (e: unknown) => (e as { code?: unknown })?.code === '23505';

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

  /** The last committed document per studio this node read or wrote (see KnownDocuments: never trusted unchecked). */
  private readonly known = new KnownDocuments();

  async run<A extends StudioAction, E extends object = object>(input: RunInput<A, E>): Promise<Acked<E>> {
    const actorKey = keyOf(input.actor);
    if (input.pureBuild) {
      const fast = await this.runUnlocked(input, actorKey);
      if (fast !== RETRY_LOCKED) return fast;
    }
    return this.runLocked(input, actorKey);
  }

  /**
   * The common case without a transaction: the pure decision on the document this node last
   * saw (or, when it has none or that one is stale, on one read of stage, document and this
   * command id's record), then one conditional write that stores the document only if its
   * version is still the one decided on and records the command id in the same statement
   * (autocommit: durable when it returns). A refusal decided on a remembered document is
   * decided again on a fresh read. Anything it cannot finish that way (a change with effects
   * in other tables, a writer in between, a concurrent retry of the same command id) is
   * handed to the locked path, which decides again from scratch.
   */
  private async runUnlocked<A extends StudioAction, E extends object>(
    input: RunInput<A, E>,
    actorKey: string,
  ): Promise<Acked<E> | typeof RETRY_LOCKED> {
    const known = this.known.get(input.stage);
    if (known) {
      const row = { stageId: known.stage.id, version: known.version, document: known.document };
      const fromMemory = await this.decideAndWrite(input, actorKey, known.stage, row, true);
      if (fromMemory !== STALE) return fromMemory;
      this.known.forget(known.stage.id);
    }
    const read = await this.readForCommand(this.db.manager, input.stage, actorKey, input.commandId, false);
    if (!read) return RETRY_LOCKED; // No document yet (or no such stage): the locked path creates it or refuses.
    const { stage, row, done } = read;
    this.known.remember({ stage, version: row.version, document: row.document });
    if (done) return this.replay(input, actorContext(input.actor, row.document), stage, row.document, done);
    const fresh = await this.decideAndWrite(input, actorKey, stage, row);
    return fresh === STALE ? RETRY_LOCKED : fresh;
  }

  /**
   * Decides on `row` and stores the result if the studio is still at `row.version`; STALE when
   * it is not (or when the command id was recorded meanwhile, or a `remembered` row gives a
   * refusal), RETRY_LOCKED for a change that writes other tables. Other refusals and database
   * errors throw (a write that may have landed is never tried again without its record).
   */
  private async decideAndWrite<A extends StudioAction, E extends object>(
    input: RunInput<A, E>,
    actorKey: string,
    stage: Stage,
    row: DocumentRead,
    remembered = false,
  ): Promise<Acked<E> | typeof RETRY_LOCKED | typeof STALE> {
    let decided: Decided<A>;
    try {
      decided = await this.decide(input, actorContext(input.actor, row.document), stage, row, this.db.manager);
    } catch (e) {
      // A refusal is only answered from a document read now (the remembered one may be behind).
      if (remembered) return STALE;
      throw e;
    }
    if (!decided.effects.every((e) => PUSH_ONLY_EFFECTS.has(e.kind))) return RETRY_LOCKED;
    const acked = this.ackOf(input, decided);
    try {
      if (!(await this.write(this.db.manager, stage.id, row.version, decided.doc, decided.now, input, actorKey, acked))) return STALE;
    } catch (e) {
      // The same command id recorded meanwhile (its retry, or its first run): answered from the record.
      if (isUniqueViolation(e)) return STALE;
      throw e;
    }
    this.known.remember({ stage, version: decided.version, document: decided.doc });
    await this.pushAfterCommit(stage, decided, { beforeAck: [], background: false, showTokens: [] });
    return acked;
  }

  /**
   * Every change can go this way: the document row locked for the whole transaction (one
   * writer per stage across all nodes), effects in other tables (tokens, disconnects, links)
   * written with it. Still one read and one write for the document and the command record.
   */
  private async runLocked<A extends StudioAction, E extends object>(input: RunInput<A, E>, actorKey: string): Promise<Acked<E>> {
    let after: (() => Promise<void>) | undefined;
    const data = await this.db.transaction(async (m): Promise<Acked<E>> => {
      const read =
        (await this.readForCommand(m, input.stage, actorKey, input.commandId, true)) ??
        (await this.firstRead(m, input.stage, actorKey, input.commandId));
      const { stage, row, done } = read;
      const ctx = actorContext(input.actor, row.document);
      if (done) {
        const kept = await this.replay(input, ctx, stage, row.document, done, false);
        after = () => this.memberTokens.finishPending(stage.id);
        this.known.remember({ stage, version: row.version, document: row.document });
        return kept;
      }
      const decided = await this.decide(input, ctx, stage, row, m);
      const disconnectsQueued = await this.applyInTransaction(m, stage, decided.effects, decided.now);
      const acked = this.ackOf(input, decided);
      if (!(await this.write(m, stage.id, row.version, decided.doc, decided.now, input, actorKey, acked)))
        throw new Error(`studio document ${stage.id} changed under its row lock`);
      after = async () => {
        this.known.remember({ stage, version: decided.version, document: decided.doc });
        await this.pushAfterCommit(stage, decided, disconnectsQueued);
      };
      return acked;
    });
    await after?.();
    return data;
  }

  /**
   * One statement: the stage, its document (locked for the transaction with `lock`) and the
   * record of this actor's command id if it ran before. Null when the studio has no document yet.
   */
  private async readForCommand(
    m: EntityManager,
    ref: StageRef,
    actorKey: string,
    commandId: string | undefined,
    lock: boolean,
  ): Promise<CommandRead | null> {
    const rows = (await m.query(
      `SELECT s.id, s.user_id, s.name, s.is_live, s.created_at, d.version, d.document,
              c.command AS done_command, c.result AS done_result
         FROM stages s
         JOIN studio_documents d ON d.stage_id = s.id
         LEFT JOIN studio_commands c ON c.stage_id = s.id AND c.actor_key = $2 AND c.command_id = $3
        WHERE ${'id' in ref ? 's.id = $1' : 'lower(s.name) = lower($1)'}
        ${lock ? 'FOR UPDATE OF d' : ''}`,
      ['id' in ref ? ref.id : ref.name, actorKey, commandId ?? null],
    )) as ReadRow[];
    const r = rows[0];
    if (!r) return null;
    const stage = Object.assign(new Stage(), { id: r.id, userId: r.user_id, name: r.name, isLive: r.is_live, createdAt: r.created_at });
    return {
      stage,
      row: { stageId: r.id, version: r.version, document: r.document },
      done: r.done_command === null ? null : { command: r.done_command, result: r.done_result as Record<string, unknown> },
    };
  }

  /** A studio's first change: its document is created (owner as host) and locked. */
  private async firstRead(m: EntityManager, ref: StageRef, actorKey: string, commandId: string | undefined): Promise<CommandRead> {
    const stage = await this.documents.findStage(ref);
    await this.documents.ensure(m, stage, true);
    const read = await this.readForCommand(m, { id: stage.id }, actorKey, commandId, true);
    if (!read) throw new Error(`studio document ${stage.id} missing after ensure`);
    return read;
  }

  /**
   * A retry is answered from the record of this actor's command on this stage, and only if
   * they may still send it: a removed member's replay is refused like a new command. The
   * record holds what this same command acked the first time. Its first run may have stopped
   * between commit and ack: what had to be disconnected before the ack is, now.
   */
  private async replay<A extends StudioAction, E extends object>(
    input: RunInput<A, E>,
    ctx: ActorContext,
    stage: Stage,
    doc: StudioDocument,
    done: { command: string; result: Record<string, unknown> },
    finish = true,
  ): Promise<Acked<E>> {
    const checked = input.actor.kind !== 'system' && input.actor.kind !== 'moderator';
    if (checked && !mayReplay(input.command, ctx, doc)) throw new AppError('auth/forbidden');
    if (done.command !== input.command) throw new AppError('studio/command-id-reused');
    if (finish) await this.memberTokens.finishPending(stage.id);
    return input.stored ? input.stored.load(done.result) : (done.result as Acked<E>);
  }

  /** Authorization, the expected version, then the command's action and the pure reducer. */
  private async decide<A extends StudioAction, E extends object>(
    input: RunInput<A, E>,
    ctx: ActorContext,
    stage: Stage,
    row: DocumentRead,
    m: EntityManager,
  ): Promise<Decided<A>> {
    const checked = input.actor.kind !== 'system' && input.actor.kind !== 'moderator';
    const now = this.clock.now();
    if (checked && !isAllowed(input.command, ctx.role)) throw new AppError('auth/forbidden', input.forbidden);
    if (input.expectedVersion !== undefined && input.expectedVersion !== row.version)
      throw new StudioConflictError(this.documents.view(row.stageId, row.version, row.document));
    const action = await input.build({ doc: row.document, m, stage, now, actor: ctx });
    const result = applyStudioCommand(row.document, action, ctx, now);
    if (!result.ok) throw new AppError(result.code, result.message);
    return { action, doc: result.doc, change: result.change, effects: result.effects, version: row.version + 1, now };
  }

  private ackOf<A extends StudioAction, E extends object>(input: RunInput<A, E>, d: Decided<A>): Acked<E> {
    // Without `ack`, E is the empty default: the ack is the version alone.
    return { version: d.version, ...(input.ack?.({ doc: d.doc, action: d.action, change: d.change }) ?? {}) } as Acked<E>;
  }

  /**
   * One statement: the document at version + 1 if it is still at `version`, and the command
   * id's record with it (data-modifying CTEs run in full whatever the outer query reads).
   * Whether the document was written.
   */
  private async write<A extends StudioAction, E extends object>(
    m: EntityManager,
    stageId: string,
    version: number,
    doc: StudioDocument,
    now: Date,
    input: RunInput<A, E>,
    actorKey: string,
    acked: Acked<E>,
  ): Promise<boolean> {
    const rows = (await m.query(
      `WITH upd AS (
         UPDATE studio_documents SET version = $2::int + 1, document = $3, next_expiry_at = $4, updated_at = $5
          WHERE stage_id = $1 AND version = $2::int
          RETURNING stage_id
       ), rec AS (
         INSERT INTO studio_commands (actor_key, stage_id, command_id, command, version, result)
         SELECT $6, stage_id, $7, $8, $2::int + 1, $9 FROM upd WHERE $7::text IS NOT NULL
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM upd)::int AS written`,
      [
        stageId,
        version,
        JSON.stringify(doc),
        nextExpiry(doc),
        now,
        actorKey,
        input.commandId ?? null,
        input.command,
        JSON.stringify(input.stored ? input.stored.save(acked) : acked),
      ],
    )) as { written: number }[];
    return rows[0]?.written === 1;
  }

  /** After commit, never before: a change nobody could read back is never announced. */
  private async pushAfterCommit(stage: Stage, d: Decided<StudioAction>, disconnectsQueued: QueuedDisconnects): Promise<void> {
    const snapshot = this.documents.view(stage.id, d.version, d.doc);
    // Someone who left the air (or the studio) is off the show stage before anyone hears of the change.
    await this.memberTokens.afterCommit(disconnectsQueued);
    // Before the document: a member's page that reads "on air" holds its show token already.
    this.pushes.showTokens(stage.id, disconnectsQueued.showTokens);
    this.pushes.toClients(stage, snapshot, d.change, d.effects);
    this.pushes.announce(stage.id, d.version);
    this.pushes.compositions(stage.id, d.effects);
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

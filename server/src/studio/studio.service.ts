import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  GREEN_ROOM_TTL_SECONDS,
  INVITE_TTL_SECONDS,
  InviteLinkInfo,
  JoinInviteResponse,
  StudioChange,
  StudioCommands,
  StudioDocument,
  StudioSnapshot,
} from '@streamcat/protocol';
import type { z } from 'zod';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { isAllowed } from '../auth/authorization';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { MediaProvider } from '../media/media-provider';
import { Broadcaster } from '../realtime/broadcaster';
import { GuestTokens } from '../realtime/guest-tokens';
import { rooms, SocketActor } from '../realtime/socket-actor';
import { Stage } from '../stages/stage.entity';
import { StageAccess, StagePrincipal, StageSeat } from '../stages/stage-access';
import { StageTokensService } from '../stages/stage-tokens.service';
import { StudioConflictError } from './studio.errors';
import { InviteLinkRow, StudioCommandRecord, StudioDocumentRow } from './studio.entity';
import {
  ActorContext,
  applyStudioCommand,
  initialStudioDocument,
  mayReplay,
  nextExpiry,
  resolveStudioRole,
  StudioAction,
  StudioEffect,
} from './studio.reducer';

/** Personal room of an invite-link guest (green-room admission, removal). */
export const guestRoom = (guestId: string) => `guest:${guestId}`;

/** Who changes a studio: a socket's actor, the server itself, or site staff via the moderation panel. */
export type StudioActor = SocketActor | { kind: 'system' } | { kind: 'moderator'; userId: string };

type Cmd = typeof StudioCommands;
type In<K extends keyof Cmd> = z.output<Cmd[K]['schema']>;

/** Every sweep: expired invites and green-room requests are dropped and pushed as expired. */
const SWEEP_INTERVAL_MS = 2_000;
/** Processed-command records are kept this long (retries come within seconds). */
const COMMAND_RECORD_TTL = '24 hours';

interface RunInput {
  command: string;
  stage: { name: string } | { id: string };
  actor: StudioActor;
  commandId?: string;
  expectedVersion?: number;
  build: (ctx: { doc: StudioDocument; m: EntityManager; stage: Stage; now: Date }) => Promise<StudioAction> | StudioAction;
  /** Extra fields of the ack's data, besides `version`. */
  extra?: (ctx: { doc: StudioDocument; action: StudioAction; change: StudioChange }) => Record<string, unknown>;
  /** What of the ack is kept for a retry, and how the retry's ack is rebuilt from it (secrets are never stored). */
  stored?: {
    save: (data: Record<string, unknown>) => Record<string, unknown>;
    load: (kept: Record<string, unknown>) => Record<string, unknown>;
  };
}

interface AfterCommit {
  stage: Stage;
  snapshot: StudioSnapshot;
  change: ReturnType<typeof applyStudioCommand> & { ok: true };
  participantsToDisconnect: string[];
}

/**
 * The studio document of each stage: commands are applied under a row lock on the
 * document (one writer per stage across all nodes), recorded by commandId in the same
 * transaction, and pushed to every studio member on every node after commit.
 */
@Injectable()
export class StudioService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Studio');
  private sweeper?: NodeJS.Timeout;
  private sweeps = 0;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: StageTokensService,
    private readonly media: MediaProvider,
    private readonly broadcaster: Broadcaster,
    private readonly events: DomainEvents,
    private readonly guestTokens: GuestTokens,
  ) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('channel.live', (e) => void this.confirmBroadcast(e.channelId, 'live', e.at)),
      this.events.on('channel.offline', (e) => void this.confirmBroadcast(e.channelId, 'offline', e.at)),
    );
    this.sweeper = setInterval(() => void this.sweepExpired().catch((e) => this.log.warn(`sweep: ${String(e)}`)), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const off of this.unsubscribe) off();
  }

  // ------------------------------------------------------------ reads

  /** The current snapshot (expired invites already hidden); creates the document on first use. */
  async snapshot(stageId: string): Promise<StudioSnapshot> {
    const stage = await this.findStage({ id: stageId });
    const row = await this.ensureDocument(this.db.manager, stage);
    return this.view(row.stageId, row.version, row.document);
  }

  /** `studio:join` / `studio:snapshot`: the snapshot, if the actor may see this studio. */
  async snapshotFor(stageName: string, actor: SocketActor, command: string): Promise<StudioSnapshot> {
    const stage = await this.findStage({ name: stageName });
    const row = await this.ensureDocument(this.db.manager, stage);
    if (!isAllowed(command, resolveStudioRole(actor, row.document))) throw new AppError('auth/forbidden');
    return this.view(row.stageId, row.version, row.document);
  }

  async stageIdOf(stageName: string): Promise<string> {
    return (await this.findStage({ name: stageName })).id;
  }

  /** Stages worth a moderator's attention: someone besides the owner seated, real-time open, or a broadcast not offline. */
  async listOpenStages(): Promise<StudioSnapshot[]> {
    const rows = await this.db.getRepository(StudioDocumentRow).query(
      `SELECT d.stage_id, d.version, d.document FROM studio_documents d JOIN stages s ON s.id = d.stage_id
       WHERE s.is_live OR jsonb_array_length(d.document->'members') > 1
          OR d.document->'live'->'broadcast'->>'state' <> 'offline'
       ORDER BY d.updated_at DESC LIMIT 500`,
    );
    return (rows as { stage_id: string; version: number; document: StudioDocument }[]).map((r) =>
      this.view(r.stage_id, r.version, r.document),
    );
  }

  // ------------------------------------------------------------ socket commands

  /** One entry point per socket command; returns the ack's data. */
  async execute(name: string, input: Record<string, unknown>, actor: SocketActor): Promise<Record<string, unknown>> {
    const base = {
      command: name,
      stage: { name: input.stage as string },
      actor,
      commandId: input.commandId as string,
      expectedVersion: input.expectedVersion as number | undefined,
    };
    switch (name) {
      case StudioCommands.invite.name: {
        const i = input as In<'invite'>;
        return this.run({
          ...base,
          build: async ({ m, doc, now }) => {
            const user = (await m.query(`SELECT id, username FROM users WHERE username = $1`, [i.username]))[0] as
              { id: string; username: string } | undefined;
            if (!user) throw new AppError('user/not-found');
            const by = this.memberIdOf(actor, doc) ?? 'unknown';
            return {
              type: 'invite',
              invite: {
                id: randomUUID(),
                userId: user.id,
                username: user.username,
                role: i.role,
                invitedBy: by,
                createdAt: now.toISOString(),
                expiresAt: new Date(now.getTime() + (i.expiresInSeconds ?? INVITE_TTL_SECONDS) * 1000).toISOString(),
              },
            };
          },
          extra: ({ action }) => ({ inviteId: action.type === 'invite' ? action.invite.id : null }),
        });
      }
      case StudioCommands.revokeInvite.name:
        return this.run({ ...base, build: () => ({ type: 'revoke-invite', inviteId: (input as In<'revokeInvite'>).inviteId }) });
      case StudioCommands.respondInvite.name: {
        const i = input as In<'respondInvite'>;
        return this.run({
          ...base,
          build: () => ({ type: 'respond-invite', inviteId: i.inviteId, accept: i.accept }),
          extra: () => ({ accepted: i.accept }),
        });
      }
      case StudioCommands.createLink.name: {
        const i = input as In<'createLink'>;
        const linkId = randomUUID();
        const code = this.linkCode(linkId);
        const expiresAt = new Date(Date.now() + i.expiresInMinutes * 60_000);
        return this.run({
          ...base,
          build: async ({ m, stage, doc }) => {
            await m.getRepository(InviteLinkRow).insert({
              id: linkId,
              stageId: stage.id,
              codeHash: hashCode(code),
              maxUses: i.maxUses,
              uses: 0,
              expiresAt,
              revokedAt: null,
              createdBy: actor.kind === 'user' ? actor.id : null,
            });
            return {
              type: 'add-link',
              link: {
                id: linkId,
                maxUses: i.maxUses,
                uses: 0,
                expiresAt: expiresAt.toISOString(),
                revoked: false,
                createdBy: this.memberIdOf(actor, doc),
              },
            };
          },
          extra: () => ({ linkId, code, expiresAt: expiresAt.toISOString() }),
          // The code is a credential: a retry re-derives it from the link id instead of reading it back.
          stored: {
            save: ({ code: _code, ...kept }) => kept,
            load: (kept) => ({ ...kept, code: this.linkCode(kept.linkId as string) }),
          },
        });
      }
      case StudioCommands.revokeLink.name:
        return this.run({ ...base, build: () => ({ type: 'revoke-link', linkId: (input as In<'revokeLink'>).linkId }) });
      case StudioCommands.admit.name: {
        const i = input as In<'admit'>;
        return this.run({ ...base, build: () => ({ type: 'admit', guestId: i.guestId, admit: i.admit }) });
      }
      case StudioCommands.remove.name: {
        const i = input as In<'remove'>;
        return this.run({ ...base, build: () => ({ type: 'remove', memberId: i.memberId, reason: i.reason ?? 'Removed by a host.' }) });
      }
      case StudioCommands.setRole.name: {
        const i = input as In<'setRole'>;
        return this.run({ ...base, build: () => ({ type: 'set-role', memberId: i.memberId, role: i.role }) });
      }
      case StudioCommands.setStatus.name: {
        const i = input as In<'setStatus'>;
        return this.run({ ...base, build: () => ({ type: 'set-status', memberId: i.memberId, status: i.status }) });
      }
      case StudioCommands.layout.name:
        return this.run({ ...base, build: () => ({ type: 'layout', patch: (input as In<'layout'>).patch }) });
      case StudioCommands.raiseHand.name:
        return this.run({ ...base, build: () => ({ type: 'hand', raised: (input as In<'raiseHand'>).raised }) });
      case StudioCommands.mute.name: {
        const i = input as In<'mute'>;
        return this.run({ ...base, build: () => ({ type: 'mute', memberId: i.memberId, muted: i.muted }) });
      }
      case StudioCommands.broadcast.name:
        return this.run({ ...base, build: () => ({ type: 'broadcast', action: (input as In<'broadcast'>).action }) });
      case StudioCommands.realtime.name:
        return this.run({ ...base, build: () => ({ type: 'realtime', open: (input as In<'realtime'>).open }) });
    }
    throw new AppError('request/unknown-event');
  }

  // ------------------------------------------------------------ moderation (the caller checked the moderator role)

  async moderatorRemoveMember(input: {
    stageId: string;
    memberId: string;
    reason: string;
    actor: { id: string };
  }): Promise<{ version: number }> {
    return this.run({
      command: 'moderation:remove-member',
      stage: { id: input.stageId },
      actor: { kind: 'moderator', userId: input.actor.id },
      build: () => ({ type: 'remove', memberId: input.memberId, reason: input.reason }),
    }) as Promise<{ version: number }>;
  }

  async moderatorCloseRealtime(input: { stageId: string; reason: string; actor: { id: string } }): Promise<{ version: number }> {
    return this.run({
      command: 'moderation:close-realtime',
      stage: { id: input.stageId },
      actor: { kind: 'moderator', userId: input.actor.id },
      build: () => ({ type: 'realtime', open: false }),
    }) as Promise<{ version: number }>;
  }

  // ------------------------------------------------------------ invite links (REST)

  async inviteLinkInfo(code: string): Promise<InviteLinkInfo> {
    const row = await this.db.query(
      `SELECT l.*, s.name AS stage_name, u.username FROM studio_invite_links l
       JOIN stages s ON s.id = l.stage_id JOIN users u ON u.id = s.user_id WHERE l.code_hash = $1`,
      [hashCode(code)],
    );
    const link = row[0] as
      { max_uses: number; uses: number; expires_at: Date; revoked_at: Date | null; stage_name: string; username: string } | undefined;
    if (!link) throw new AppError('invite/not-found');
    checkLink({ revokedAt: link.revoked_at, expiresAt: link.expires_at, uses: link.uses, maxUses: link.max_uses });
    return {
      stageName: link.stage_name,
      hostUsername: link.username,
      expiresAt: link.expires_at.toISOString(),
      usesLeft: link.max_uses - link.uses,
    };
  }

  /**
   * Uses the link once, puts the holder in the green room and gives them a guest token.
   * `earlierToken`: the guest token their browser kept from a visit to this stage, if any
   * (how a removed guest is recognised; a forged or foreign one is ignored).
   */
  async joinByLink(code: string, displayName: string, earlierToken?: (stageId: string) => string | undefined): Promise<JoinInviteResponse> {
    const found = await this.db.getRepository(InviteLinkRow).findOne({ where: { codeHash: hashCode(code) } });
    if (!found) throw new AppError('invite/not-found');
    const knownGuestId = this.guestIdFrom(earlierToken?.(found.stageId), found.stageId);
    let stageName = '';
    const { guestId } = (await this.run({
      command: 'invite-link:join',
      stage: { id: found.stageId },
      actor: { kind: 'system' },
      build: async ({ m, now, stage }) => {
        stageName = stage.name;
        const link = await m.getRepository(InviteLinkRow).findOne({ where: { id: found.id }, lock: { mode: 'pessimistic_write' } });
        if (!link) throw new AppError('invite/not-found');
        checkLink(link);
        link.uses += 1;
        await m.getRepository(InviteLinkRow).update({ id: link.id }, { uses: link.uses });
        return {
          type: 'green-room-enter',
          linkUses: link.uses,
          knownGuestId,
          entry: {
            guestId: randomUUID(),
            displayName,
            linkId: link.id,
            requestedAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + GREEN_ROOM_TTL_SECONDS * 1000).toISOString(),
          },
        };
      },
      extra: ({ change }) => ({ guestId: change.subject }),
    })) as { guestId: string };
    const { token } = this.guestTokens.issue({ stageId: found.stageId, displayName, guestId });
    return { guestId, guestToken: token, stageName, stageId: found.stageId };
  }

  private guestIdFrom(token: string | undefined, stageId: string): string | null {
    if (!token) return null;
    try {
      const guest = this.guestTokens.verify(token);
      return guest.stageId === stageId ? guest.guestId : null;
    } catch {
      return null;
    }
  }

  // ------------------------------------------------------------ background

  /** Drops expired invites / green-room requests on every stage that has one (any node may run it). */
  async sweepExpired(): Promise<number> {
    this.sweeps += 1;
    if (this.sweeps % 300 === 0)
      await this.db.query(`DELETE FROM studio_commands WHERE created_at < now() - interval '${COMMAND_RECORD_TTL}'`);
    const due: { stage_id: string }[] = await this.db.query(
      `SELECT stage_id FROM studio_documents WHERE next_expiry_at <= now() ORDER BY next_expiry_at LIMIT 50`,
    );
    let swept = 0;
    for (const { stage_id } of due) {
      try {
        await this.run({ command: 'studio:expire', stage: { id: stage_id }, actor: { kind: 'system' }, build: () => ({ type: 'expire' }) });
        swept += 1;
      } catch (e) {
        // Another node swept it first, or nothing was due any more.
        if (!(e instanceof AppError)) throw e;
      }
    }
    return swept;
  }

  /** Stream Start / End (from the events pipeline) confirm the broadcast switch. */
  async confirmBroadcast(channelId: string, state: 'live' | 'offline', at: Date): Promise<void> {
    try {
      const rows: { id: string }[] = await this.db.query(
        `SELECT s.id FROM stages s JOIN channels c ON c.user_id = s.user_id WHERE c.id = $1`,
        [channelId],
      );
      if (!rows[0]) return;
      await this.run({
        command: 'studio:broadcast-confirmed',
        stage: { id: rows[0].id },
        actor: { kind: 'system' },
        build: () => ({ type: 'broadcast-confirmed', state, at: at.toISOString() }),
      });
    } catch (e) {
      if (e instanceof AppError && e.code === 'studio/invalid-transition') return;
      this.log.warn(`broadcast ${state} for channel ${channelId}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // ------------------------------------------------------------ the one write path

  private async run(input: RunInput): Promise<Record<string, unknown>> {
    const stage = await this.findStage(input.stage);
    const actorKey = keyOf(input.actor);
    let after: AfterCommit | undefined;
    const data = await this.db.transaction(async (m) => {
      const row = await this.ensureDocument(m, stage, true);
      const ctx = this.contextOf(input.actor, row.document);
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
          const kept = done.result as Record<string, unknown>;
          return input.stored ? input.stored.load(kept) : kept;
        }
      }
      const now = new Date();
      if (checked && !isAllowed(input.command, ctx.role)) throw new AppError('auth/forbidden');
      if (input.expectedVersion !== undefined && input.expectedVersion !== row.version)
        throw new StudioConflictError(this.view(row.stageId, row.version, row.document));

      const action = await input.build({ doc: row.document, m, stage, now });
      const result = applyStudioCommand(row.document, action, ctx, now);
      if (!result.ok) throw new AppError(result.code, result.message);

      const participantsToDisconnect = await this.applyEffectsInTransaction(m, stage, result.effects);
      const version = row.version + 1;
      await m
        .getRepository(StudioDocumentRow)
        .update({ stageId: stage.id }, { version, document: result.doc, nextExpiryAt: nextExpiry(result.doc), updatedAt: now });
      const data = { version, ...(input.extra?.({ doc: result.doc, action, change: result.change }) ?? {}) };
      if (input.commandId)
        await m.getRepository(StudioCommandRecord).insert({
          actorKey,
          commandId: input.commandId,
          stageId: stage.id,
          command: input.command,
          version,
          result: input.stored ? input.stored.save(data) : data,
        });
      after = { stage, snapshot: this.view(stage.id, version, result.doc), change: result, participantsToDisconnect };
      return data;
    });
    if (after) this.afterCommit(after);
    return data;
  }

  private async applyEffectsInTransaction(m: EntityManager, stage: Stage, effects: StudioEffect[]): Promise<string[]> {
    const disconnect: string[] = [];
    for (const e of effects) {
      if (e.kind === 'mint-token') {
        await this.tokens.memberToken(m, stage, {
          memberId: e.member.id,
          userId: e.member.userId,
          displayName: e.member.displayName,
          role: e.member.role,
        });
      } else if (e.kind === 'member-removed') {
        disconnect.push(...(await this.tokens.deleteMemberTokens(m, stage.id, e.member.id)));
        if (e.linkId) await m.query(`UPDATE studio_invite_links SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [e.linkId]);
      } else if (e.kind === 'link-revoked') {
        await m.query(`UPDATE studio_invite_links SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [e.linkId]);
      } else if (e.kind === 'realtime') {
        // Row lock on the stage: a viewer-token mint in flight (FOR SHARE) finishes first, then is revoked below.
        await m.query(`UPDATE stages SET is_live = $2 WHERE id = $1`, [stage.id, e.open]);
        if (!e.open) disconnect.push(...(await this.tokens.deleteViewerTokens(m, stage.id)));
      }
    }
    return disconnect;
  }

  /** Pushes run after commit; a failed push never undoes a committed change (clients resync by version). */
  private afterCommit({ stage, snapshot, change, participantsToDisconnect }: AfterCommit): void {
    const stageId = stage.id;
    try {
      this.broadcaster.toRoom(rooms.studio(stageId), 'studio:changed', {
        stageId,
        version: snapshot.version,
        change: change.change,
        document: snapshot.document,
      });
      for (const e of change.effects) {
        if (e.kind === 'invite-sent') {
          this.broadcaster.toRoom(rooms.user(e.invite.userId), 'studio:invited', {
            inviteId: e.invite.id,
            stageId,
            stageName: stage.name,
            from: snapshot.document.members.find((x) => x.id === e.invite.invitedBy)?.displayName ?? stage.name,
            role: e.invite.role,
            expiresAt: e.invite.expiresAt,
          });
        } else if (e.kind === 'invite-closed') {
          this.broadcaster.toRoom(rooms.user(e.invite.userId), 'studio:invite-closed', {
            inviteId: e.invite.id,
            stageId,
            reason: e.reason,
          });
        } else if (e.kind === 'admission') {
          this.broadcaster.toRoom(guestRoom(e.guestId), 'studio:admission', { stageId, stageName: stage.name, admitted: e.admitted });
        } else if (e.kind === 'member-removed') {
          const personal = e.member.kind === 'user' && e.member.userId ? rooms.user(e.member.userId) : guestRoom(e.member.id);
          this.broadcaster.toRoom(personal, 'studio:removed', { stageId, reason: e.reason });
          // A guest token is scoped to this stage: nothing else to keep the socket for.
          if (e.member.kind === 'guest') setTimeout(() => this.broadcaster.disconnectRoom(personal), 50).unref();
          else this.broadcaster.io().in(personal).socketsLeave(rooms.studio(stageId));
        }
      }
    } catch (e) {
      this.log.warn(`push after commit failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const participantId of participantsToDisconnect) {
      this.media
        .disconnectParticipant({ stageArn: stage.arn, participantId, reason: 'Removed from the studio' })
        .catch((e) => this.log.warn(`DisconnectParticipant ${participantId}: ${e instanceof Error ? e.message : String(e)}`));
    }
    this.events.emit('studio.changed', { stageId, version: snapshot.version });
  }

  // ------------------------------------------------------------ helpers

  private contextOf(actor: StudioActor, doc: StudioDocument): ActorContext {
    if (actor.kind === 'system') return { role: 'admin', memberId: null, userId: null, label: 'system' };
    if (actor.kind === 'moderator') return { role: 'moderator', memberId: null, userId: actor.userId, label: `moderator:${actor.userId}` };
    const memberId = this.memberIdOf(actor, doc);
    return {
      role: resolveStudioRole(actor, doc),
      memberId,
      userId: actor.kind === 'user' ? actor.id : null,
      label: memberId ?? (actor.kind === 'user' ? `user:${actor.id}` : actor.kind),
    };
  }

  private memberIdOf(actor: StudioActor, doc: StudioDocument): string | null {
    if (actor.kind === 'user') return doc.members.find((m) => m.kind === 'user' && m.userId === actor.id)?.id ?? null;
    if (actor.kind === 'guest' && actor.stageId === doc.stageId)
      return doc.members.find((m) => m.kind === 'guest' && m.id === actor.guestId)?.id ?? null;
    return null;
  }

  private async findStage(ref: { name: string } | { id: string }): Promise<Stage> {
    const q = this.db.getRepository(Stage).createQueryBuilder('s');
    const stage = await (
      'id' in ref ? q.where('s.id = :id', { id: ref.id }) : q.where('lower(s.name) = lower(:name)', { name: ref.name })
    ).getOne();
    if (!stage) throw new AppError('stage/not-found');
    return stage;
  }

  /** Reads (optionally locks) the document, creating it with the owner as host on first use. */
  private async ensureDocument(m: EntityManager, stage: Stage, lock = false): Promise<StudioDocumentRow> {
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
      now: new Date(),
    });
    if (stage.isLive) doc.live.realtime.state = 'open';
    if (owner?.is_live) doc.live.broadcast.state = 'live';
    await m.query(`INSERT INTO studio_documents (stage_id, version, document) VALUES ($1, 0, $2) ON CONFLICT (stage_id) DO NOTHING`, [
      stage.id,
      JSON.stringify(doc),
    ]);
    return (await read())!;
  }

  /** Expiry is enforced on read too: a snapshot never shows an invite whose time is up. */
  private view(stageId: string, version: number, document: StudioDocument): StudioSnapshot {
    const now = Date.now();
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

  /** Link codes are derived from the link id with the server secret: only their hash is stored, and a retried create returns the same code. */
  private linkCode(linkId: string): string {
    return createHmac('sha256', this.config.jwtSecret).update(`invite-link:${linkId}`).digest('base64url').slice(0, 32);
  }
}

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

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

function checkLink(link: { revokedAt: Date | null; expiresAt: Date; uses: number; maxUses: number }): void {
  if (link.revokedAt) throw new AppError('invite/revoked');
  if (link.expiresAt.getTime() <= Date.now()) throw new AppError('invite/expired');
  if (link.uses >= link.maxUses) throw new AppError('invite/used-up');
}

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

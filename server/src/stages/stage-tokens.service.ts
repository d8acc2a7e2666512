import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, FindOperator, In, IsNull, Like, MoreThan } from 'typeorm';
import { SCREEN_SHARE_ATTRIBUTE, StageTokenResponse, type StageCapability } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { IvsQueueFullError } from '../media/ivs-call-queue';
import { MediaProvider } from '../media/media-provider';
import { RateLimits } from '../rate-limits/rate-limits.service';
import { User } from '../users/user.entity';
import { Stage } from './stage.entity';
import { StageAccess, StagePrincipal, StageSeat } from './stage-access';
import { StageToken } from './stage-token.entity';
import { StudioStages } from './studio-stages.service';

/** A real-time viewer: signed in, a link guest, or anonymous with a viewer session (cookie) and client address (for the mint limit). */
export type ViewerPrincipal = StagePrincipal | { kind: 'anonymous'; session: string; address: string };

/** A token is reused only while it has at least this long left (seed lesson 4.3). */
export const MIN_TOKEN_LIFETIME_MS = 60_000;
/** IVS's default participant token lifetime. */
export const TOKEN_DURATION_MINUTES = 720;
/**
 * A viewer waits at most this long in line for a CreateParticipantToken turn; beyond it the
 * page is told when to come back (503 + Retry-After) instead of holding a request open.
 */
export const VIEWER_MINT_MAX_WAIT_MS = 4_000;

/**
 * Stage participant tokens: reuse the caller's latest valid token, else mint one through
 * the provider. The sample minted a new token on every page view; here a per-(stage, user)
 * advisory lock makes concurrent calls return the same token.
 */
@Injectable()
export class StageTokensService {
  private readonly flights = new SingleFlight();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly media: MediaProvider,
    private readonly limits: RateLimits,
    private readonly stages: StudioStages,
    @Optional() private readonly access?: StageAccess,
  ) {}

  /** `POST /api/stages/:name/token`: the owner's token, or an admitted member's (user or link guest). */
  async tokenFor(principal: StagePrincipal, stageName: string): Promise<StageTokenResponse> {
    const stage = await this.findStage(stageName);
    if (principal.kind === 'user' && stage.userId === principal.user.id) return this.ownerToken(principal.user, stageName);
    const seat = this.access ? await this.access.seatOf(stage, principal) : { refused: 'auth/forbidden' as const };
    if ('refused' in seat) throw new AppError(seat.refused);
    // The studio stage is made on first need: a member's first token may be that need.
    return this.stages.withStage(stage, (arn) =>
      this.db.transaction(async (m) => {
        const row = await this.memberToken(m, stage, seat, arn);
        if (!row) throw new AppError('media/conflict', 'The studio stage was just given back; please try again.');
        return stageTokenResponse(row);
      }),
    );
  }

  /**
   * A member's PUBLISH+SUBSCRIBE token on the studio stage `arn`: the latest valid one, else a
   * new one. The studio calls this inside its own transaction on accept / admit. Null when the
   * studio holds no stage at `arn` any more (given back meanwhile); nothing is minted then.
   */
  async memberToken(m: EntityManager, stage: Stage, seat: StageSeat, arn: string): Promise<StageToken | null> {
    const holder = `member:${seat.memberId}`;
    // Held until commit: the idle sweeper cannot give the stage back under a token being stored.
    if ((await this.stages.lockCurrent(m, stage.id)) !== arn) return null;
    await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${holder}`]);
    const current = await m.getRepository(StageToken).findOne({
      where: { stageId: stage.id, stageArn: arn, holder, expiresAt: MoreThan(new Date(Date.now() + MIN_TOKEN_LIFETIME_MS)) },
      order: { expiresAt: 'DESC' },
    });
    const capabilities = seat.capabilities ?? ['PUBLISH', 'SUBSCRIBE'];
    // A camera-less member given a freed publisher seat needs a new token that may publish.
    if (current && sameCapabilities(current.capabilities, capabilities)) return current;
    return this.mintSeatToken(m, { stage, arn, seat, holder, capabilities });
  }

  /**
   * Mints a token for a seated member's participant (`holder`: their camera, show-stage or
   * screen participant) and stores it in the caller's transaction. userId is the member id and
   * the attributes `{username, role, …extra}` on every stage, so pages map participants to tiles.
   */
  private async mintSeatToken(
    m: EntityManager,
    t: { stage: Stage; arn: string; seat: StageSeat; holder: string; capabilities: StageCapability[]; extra?: Record<string, string> },
  ): Promise<StageToken> {
    const minted = await this.media.createParticipantToken({
      stageArn: t.arn,
      userId: t.seat.memberId,
      capabilities: t.capabilities,
      durationMinutes: TOKEN_DURATION_MINUTES,
      attributes: { ...t.seat.attributes, username: t.seat.displayName, role: t.seat.role, ...t.extra },
    });
    return m.getRepository(StageToken).save({
      stageId: t.stage.id,
      stageArn: t.arn,
      userId: t.seat.userId,
      holder: t.holder,
      participantId: minted.participantId,
      token: minted.token,
      capabilities: minted.capabilities,
      expiresAt: minted.expiresAt,
    });
  }

  /** Deletes a member's tokens on both stages; returns their participants (to disconnect after commit). */
  async deleteMemberTokens(m: EntityManager, stageId: string, memberId: string): Promise<HeldParticipant[]> {
    return this.deleteHeld(
      m,
      stageId,
      In([`member:${memberId}`, showHolder(memberId), screenHolder(memberId, 'studio'), screenHolder(memberId, 'show')]),
    );
  }

  /** Deletes the show-stage tokens of one member (left the air), or of every member (nobody watches any more). */
  async deleteShowTokens(m: EntityManager, stageId: string, memberId?: string): Promise<HeldParticipant[]> {
    // `show:%` holds the show-stage screens (`show:screen:<id>`) too.
    return this.deleteHeld(m, stageId, memberId ? In([showHolder(memberId), screenHolder(memberId, 'show')]) : Like('show:%'));
  }

  /** Deletes a member's screen-share tokens on both stages (they stopped sharing). */
  async deleteScreenTokens(m: EntityManager, stageId: string, memberId: string): Promise<HeldParticipant[]> {
    return this.deleteHeld(m, stageId, In([screenHolder(memberId, 'studio'), screenHolder(memberId, 'show')]));
  }

  /**
   * `POST /api/stages/:name/screen-token` (studio stage) and `…/show-screen-token` (show stage):
   * a PUBLISH-only token for the member's screen share, a participant of its own beside their
   * camera (IVS carries one video per participant). userId = the member id, attributes
   * `{username, role, screen-share: "true"}` (the attribute IVS server-side composition features
   * the screen by). Only while the member's share is declared in the document (and, on the show
   * stage, while they publish there: on air, show stage needed), decided by the studio holding
   * its document FOR SHARE until the token is stored; stopping the share deletes it.
   */
  async screenTokenFor(principal: StagePrincipal, stageName: string, where: 'studio' | 'show'): Promise<StageTokenResponse> {
    const stage = await this.findStage(stageName);
    const access = this.access;
    if (!access) throw new AppError('auth/forbidden');
    // Refused before anything is made: a refusal creates no stage.
    const early = await this.db.transaction((m) => access.screenSeatOf(m, stage, principal, where));
    if ('refused' in early) throw new AppError(early.refused);
    return this.stages.withStage(
      stage,
      (arn) =>
        this.db.transaction(async (m) => {
          const seat = await access.screenSeatOf(m, stage, principal, where);
          if ('refused' in seat) throw new AppError(seat.refused);
          if ((await this.stages.lockCurrent(m, stage.id, where)) !== arn)
            throw new AppError('media/conflict', 'The stage was just given back; please try again.');
          const holder = screenHolder(seat.memberId, where);
          await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${holder}`]);
          const current = await this.validToken(m, stage.id, arn, holder);
          if (current) return stageTokenResponse(current);
          const extra = { [SCREEN_SHARE_ATTRIBUTE]: 'true' };
          return stageTokenResponse(await this.mintSeatToken(m, { stage, arn, seat, holder, capabilities: ['PUBLISH'], extra }));
        }),
      where,
    );
  }

  /**
   * `POST /api/stages/:name/show-token`: a PUBLISH-only token on the show stage, for a member
   * who is on air while the show stage is needed (the studio decides, holding its document
   * FOR SHARE until the token is stored: a change taking them off air waits, then deletes it
   * and disconnects its participant). The participant's userId is the member id and its
   * attributes `{username, role}`, as on the studio stage, so viewers map it to a layout tile.
   */
  async showTokenFor(principal: StagePrincipal, stageName: string): Promise<StageTokenResponse> {
    const stage = await this.findStage(stageName);
    const access = this.access;
    if (!access) throw new AppError('auth/forbidden');
    // Refused before anything is made: a refusal (not on air, nobody watching) creates no stage.
    const early = await this.db.transaction((m) => access.showSeatOf(m, stage, principal));
    if ('refused' in early) throw new AppError(early.refused);
    return this.stages.withStage(
      stage,
      (arn) =>
        this.db.transaction(async (m) => {
          const seat = await access.showSeatOf(m, stage, principal);
          if ('refused' in seat) throw new AppError(seat.refused);
          const row = await this.showMemberToken(m, stage, seat, arn);
          if (!row) throw new AppError('media/conflict', 'The show stage was just given back; please try again.');
          return stageTokenResponse(row);
        }),
      'show',
    );
  }

  /**
   * A member's PUBLISH-only token on the show stage `arn`: the valid one, else a new one. The
   * caller has decided they are on air while the show stage is needed (the token route above,
   * or the studio inside the change that put them there). Null when the show stage at `arn`
   * was given back meanwhile.
   */
  async showMemberToken(m: EntityManager, stage: Stage, seat: StageSeat, arn: string): Promise<StageToken | null> {
    if ((await this.stages.lockCurrent(m, stage.id, 'show')) !== arn) return null;
    const holder = showHolder(seat.memberId);
    await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${holder}`]);
    const current = await this.validToken(m, stage.id, arn, holder);
    if (current) return current;
    return this.mintSeatToken(m, { stage, arn, seat, holder, capabilities: ['PUBLISH'] });
  }

  /**
   * `POST /api/stages/:name/viewer-token`: SUBSCRIBE only, on the show stage (where only
   * on-air members publish), and only while real-time viewing is open. One token per viewer session (the user, the link guest, or the anonymous
   * viewer's cookie session), reused while it has ≥ 60 s left. New anonymous mints are
   * limited per client address, since a client that drops its cookie starts a new session.
   *
   * No database connection is held while the provider mints: in local mode the emulator
   * writes its own row through the same pool, and a burst of waiting transactions would
   * starve it (every call then fails after the pool timeout). Identical concurrent calls on
   * this node share one run; the row is written under the stage row FOR SHARE (a concurrent
   * close waits, then disconnects it too) and a per-(stage, session) advisory lock, where a
   * token another node stored meanwhile wins and ours is dropped unused.
   */
  async viewerToken(viewer: ViewerPrincipal, stageName: string): Promise<StageTokenResponse> {
    const holder = `viewer:${viewer.kind === 'anonymous' ? `anon-${viewer.session}` : viewer.kind === 'user' ? viewer.user.id : viewer.guestId}`;
    return this.flights.run(`${stageName.toLowerCase()}|${holder}`, async () => {
      const stage = await this.findStage(stageName);
      // Opening real-time viewing made the show stage, and the sweeper keeps it while open.
      const arn = stage.isLive ? await this.stages.current(stage.id, this.db.manager, 'show') : null;
      if (!arn) throw new AppError('stage/not-live');
      const current = await this.validToken(this.db.manager, stage.id, arn, holder);
      if (current) return stageTokenResponse(current);
      // In line before the per-address count: a viewer told to come back has not spent a mint.
      this.admitViewerMint(this.media.callQueue().waitMs('CreateParticipantToken'));
      if (viewer.kind === 'anonymous') await this.limits.consume('viewer-token-per-address', viewer.address);
      const minted = await this.media
        .createParticipantToken(
          {
            stageArn: arn,
            // Other participants see this id: an anonymous viewer's is random, never their session.
            userId: viewer.kind === 'user' ? viewer.user.id : viewer.kind === 'guest' ? viewer.guestId : `anon-${randomUUID()}`,
            capabilities: ['SUBSCRIBE'],
            durationMinutes: TOKEN_DURATION_MINUTES,
            attributes: { role: 'viewer' },
          },
          { maxWaitMs: VIEWER_MINT_MAX_WAIT_MS },
        )
        .catch((e: unknown) => {
          if (e instanceof IvsQueueFullError) this.admitViewerMint(e.waitMs);
          throw e;
        });
      return this.db.transaction(async (m) => {
        const locked = await m.getRepository(Stage).findOne({ where: { id: stage.id }, lock: { mode: 'pessimistic_read' } });
        // Closed while we minted: the new token was never handed out, so dropping it is enough.
        if (!locked?.isLive || (await this.stages.lockCurrent(m, stage.id, 'show')) !== arn) throw new AppError('stage/not-live');
        await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${holder}`]);
        const raced = await this.validToken(m, stage.id, arn, holder);
        if (raced) return stageTokenResponse(raced);
        const row = await m.getRepository(StageToken).save({
          stageId: stage.id,
          stageArn: arn,
          userId: null,
          holder,
          participantId: minted.participantId,
          token: minted.token,
          capabilities: minted.capabilities,
          expiresAt: minted.expiresAt,
        });
        return stageTokenResponse(row);
      });
    });
  }

  /** Refuses a viewer whose mint would wait too long for its turn, saying when to come back. */
  private admitViewerMint(waitMs: number): void {
    if (waitMs <= VIEWER_MINT_MAX_WAIT_MS) return;
    const seconds = Math.max(1, Math.ceil((waitMs - VIEWER_MINT_MAX_WAIT_MS) / 1000));
    throw new IvsQueueFullError(
      'CreateParticipantToken',
      waitMs,
      seconds,
      `Many viewers are joining this stage right now: you are in line, and this page joins by itself in about ${seconds} s.`,
    );
  }

  private validToken(m: EntityManager, stageId: string, stageArn: string, holder: string): Promise<StageToken | null> {
    return m.getRepository(StageToken).findOne({
      where: { stageId, stageArn, holder, expiresAt: MoreThan(new Date(Date.now() + MIN_TOKEN_LIFETIME_MS)) },
      order: { expiresAt: 'DESC' },
    });
  }

  /** Deletes every viewer token of a stage; returns their participants (closing real-time viewing). */
  async deleteViewerTokens(m: EntityManager, stageId: string): Promise<HeldParticipant[]> {
    return this.deleteHeld(m, stageId, Like('viewer:%'));
  }

  private async deleteHeld(m: EntityManager, stageId: string, holder: string | FindOperator<string>): Promise<HeldParticipant[]> {
    const rows = await m
      .getRepository(StageToken)
      .find({ where: { stageId, holder }, select: { id: true, participantId: true, stageArn: true } });
    if (rows.length) await m.getRepository(StageToken).delete(rows.map((r) => r.id));
    return rows.map((r) => ({ participantId: r.participantId, stageArn: r.stageArn }));
  }

  private async findStage(stageName: string): Promise<Stage> {
    const stage = await this.db
      .getRepository(Stage)
      .createQueryBuilder('s')
      .where('lower(s.name) = lower(:name)', { name: stageName })
      .getOne();
    if (!stage) throw new AppError('stage/not-found');
    return stage;
  }

  /** The owner's token; identical concurrent calls on this node share one run (see viewerToken). */
  ownerToken(user: User, stageName: string): Promise<StageTokenResponse> {
    return this.flights.run(`owner|${stageName.toLowerCase()}|${user.id}`, () => this.ownerTokenOnce(user, stageName));
  }

  private async ownerTokenOnce(user: User, stageName: string): Promise<StageTokenResponse> {
    const stage = await this.db
      .getRepository(Stage)
      .createQueryBuilder('s')
      .where('lower(s.name) = lower(:name)', { name: stageName })
      .getOne();
    if (!stage) throw new AppError('stage/not-found');
    // Guests and viewers get tokens through the studio (invites) and the real-time gate.
    if (stage.userId !== user.id) throw new AppError('auth/forbidden');

    return this.stages.withStage(stage, (arn) =>
      this.db.transaction(async (m) => {
        if ((await this.stages.lockCurrent(m, stage.id)) !== arn)
          throw new AppError('media/conflict', 'The studio stage was just given back; please try again.');
        await m.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`stage-token:${stage.id}:${user.id}`]);
        const current = await m.getRepository(StageToken).findOne({
          where: {
            stageId: stage.id,
            stageArn: arn,
            userId: user.id,
            holder: IsNull(),
            expiresAt: MoreThan(new Date(Date.now() + MIN_TOKEN_LIFETIME_MS)),
          },
          order: { expiresAt: 'DESC' },
        });
        if (current) return stageTokenResponse(current);
        const minted = await this.media.createParticipantToken({
          stageArn: arn,
          userId: user.id,
          capabilities: ['PUBLISH', 'SUBSCRIBE'],
          durationMinutes: TOKEN_DURATION_MINUTES,
          attributes: { username: user.username, role: 'host' },
        });
        const row = await m.getRepository(StageToken).save({
          stageId: stage.id,
          stageArn: arn,
          userId: user.id,
          participantId: minted.participantId,
          token: minted.token,
          capabilities: minted.capabilities,
          expiresAt: minted.expiresAt,
        });
        return stageTokenResponse(row);
      }),
    );
  }
}

/** Who a member's show-stage token is for (their studio-stage token is `member:<id>`). */
function showHolder(memberId: string): string {
  return `show:${memberId}`;
}

/** Who a member's screen-share token is for: `screen:<id>` on the studio stage, `show:screen:<id>` on the show stage. */
function screenHolder(memberId: string, where: 'studio' | 'show'): string {
  return where === 'studio' ? `screen:${memberId}` : `show:screen:${memberId}`;
}

/** A participant a deleted token was minted for, on the stage it was minted for. */
export interface HeldParticipant {
  participantId: string;
  stageArn: string;
}

export function stageTokenResponse(t: StageToken): StageTokenResponse {
  return {
    participantId: t.participantId,
    token: t.token,
    capabilities: t.capabilities,
    expiresAt: t.expiresAt.toISOString(),
    stageArn: t.stageArn,
  };
}

/** Concurrent calls with the same key share one run in this process (N identical requests use one connection, not N). */
class SingleFlight {
  private readonly runs = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.runs.get(key) as Promise<T> | undefined;
    if (running) return running;
    const run = fn().finally(() => this.runs.delete(key));
    this.runs.set(key, run);
    return run;
  }
}

function sameCapabilities(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

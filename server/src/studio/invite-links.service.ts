import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { GREEN_ROOM_TTL_SECONDS, InviteLinkInfo, JoinInviteResponse, StudioCommands } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { GuestTokens } from '../realtime/guest-tokens';
import type { SocketActor } from '../realtime/socket-actor';
import { linkRefusal } from './invite-links.rules';
import { InviteLinkRow } from './studio.entity';
import { StudioClock } from './studio.clock';
import type { StudioAck, StudioInput } from './studio.handlers';
import { socketChange, StudioWriter } from './studio.writer';

/**
 * Invite links, for people without an account: a host or co-host creates one, whoever holds
 * the code waits in the green room with a guest token until someone admits them. Only the
 * hash of a code is stored; the code itself is derived from the link id with the server secret.
 */
@Injectable()
export class InviteLinksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: StudioWriter,
    private readonly guestTokens: GuestTokens,
    private readonly clock: StudioClock,
  ) {}

  create(input: StudioInput<'createLink'>, actor: SocketActor): Promise<StudioAck<'createLink'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.createLink.name, input, actor),
      build: async ({ m, stage, now, actor: by }) => {
        const id: string = randomUUID();
        const expiresAt = new Date(now.getTime() + input.expiresInMinutes * 60_000);
        await m.getRepository(InviteLinkRow).insert({
          id,
          stageId: stage.id,
          codeHash: hashCode(this.linkCode(id)),
          maxUses: input.maxUses,
          uses: 0,
          expiresAt,
          revokedAt: null,
          createdBy: actor.kind === 'user' ? actor.id : null,
        });
        return {
          type: 'add-link',
          link: { id, maxUses: input.maxUses, uses: 0, expiresAt: expiresAt.toISOString(), revoked: false, createdBy: by.memberId },
        };
      },
      ack: ({ action: { link } }) => ({ linkId: link.id, code: this.linkCode(link.id), expiresAt: link.expiresAt }),
      // The code is a credential: a retry re-derives it from the link id instead of reading it back.
      stored: {
        save: ({ code: _code, ...kept }) => kept,
        load: (kept) => {
          const { version, linkId, expiresAt } = kept as { version: number; linkId: string; expiresAt: string };
          return { version, linkId, expiresAt, code: this.linkCode(linkId) };
        },
      },
    });
  }

  revoke(input: StudioInput<'revokeLink'>, actor: SocketActor): Promise<StudioAck<'revokeLink'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.revokeLink.name, input, actor),
      build: () => ({ type: 'revoke-link', linkId: input.linkId }),
    });
  }

  /** Admit or send away someone waiting in the green room. */
  admit(input: StudioInput<'admit'>, actor: SocketActor): Promise<StudioAck<'admit'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.admit.name, input, actor),
      build: () => ({ type: 'admit', guestId: input.guestId, admit: input.admit }),
    });
  }

  /** What the link is for, before entering a name. */
  async info(code: string): Promise<InviteLinkInfo> {
    const rows: { max_uses: number; uses: number; expires_at: Date; revoked_at: Date | null; stage_name: string; username: string }[] =
      await this.db.query(
        `SELECT l.*, s.name AS stage_name, u.username FROM studio_invite_links l
         JOIN stages s ON s.id = l.stage_id JOIN users u ON u.id = s.user_id WHERE l.code_hash = $1`,
        [hashCode(code)],
      );
    const link = rows[0];
    if (!link) throw new AppError('invite/not-found');
    const refused = linkRefusal(
      { revokedAt: link.revoked_at, expiresAt: link.expires_at, uses: link.uses, maxUses: link.max_uses },
      this.clock.now(),
    );
    if (refused) throw new AppError(refused);
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
  async join(code: string, displayName: string, earlierToken?: (stageId: string) => string | undefined): Promise<JoinInviteResponse> {
    const found = await this.db.getRepository(InviteLinkRow).findOne({ where: { codeHash: hashCode(code) } });
    if (!found) throw new AppError('invite/not-found');
    const knownGuestId = this.guestIdFrom(earlierToken?.(found.stageId), found.stageId);
    let stageName = '';
    const { guestId } = await this.writer.run({
      command: 'invite-link:join',
      stage: { id: found.stageId },
      actor: { kind: 'system' },
      build: async ({ m, now, stage }) => {
        stageName = stage.name;
        const link = await m.getRepository(InviteLinkRow).findOne({ where: { id: found.id }, lock: { mode: 'pessimistic_write' } });
        if (!link) throw new AppError('invite/not-found');
        const refused = linkRefusal(link, now);
        if (refused) throw new AppError(refused);
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
      // The reducer decides under which id they wait (their old one when they come back).
      ack: ({ change }) => ({ guestId: change.subject ?? '' }),
    });
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

  private linkCode(linkId: string): string {
    return createHmac('sha256', this.config.jwtSecret).update(`invite-link:${linkId}`).digest('base64url').slice(0, 32);
  }
}

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

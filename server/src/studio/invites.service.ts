import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { INVITE_TTL_SECONDS, StudioCommands } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import type { SocketActor } from '../realtime/socket-actor';
import type { StudioAck, StudioInput } from './studio.handlers';
import { socketChange, StudioWriter } from './studio.writer';

/** Live invites: a host or co-host invites a registered user by name; the invitee answers from any tab. */
@Injectable()
export class InvitesService {
  constructor(private readonly writer: StudioWriter) {}

  invite(input: StudioInput<'invite'>, actor: SocketActor): Promise<StudioAck<'invite'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.invite.name, input, actor),
      build: async ({ m, now, actor: by }) => {
        const user = (await m.query(`SELECT id, username FROM users WHERE username = $1`, [input.username]))[0] as
          { id: string; username: string } | undefined;
        if (!user) throw new AppError('user/not-found');
        return {
          type: 'invite',
          invite: {
            id: randomUUID(),
            userId: user.id,
            username: user.username,
            role: input.role,
            invitedBy: by.memberId ?? 'unknown',
            createdAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + (input.expiresInSeconds ?? INVITE_TTL_SECONDS) * 1000).toISOString(),
          },
        };
      },
      ack: ({ action }) => ({ inviteId: action.invite.id }),
    });
  }

  revoke(input: StudioInput<'revokeInvite'>, actor: SocketActor): Promise<StudioAck<'revokeInvite'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.revokeInvite.name, input, actor),
      build: () => ({ type: 'revoke-invite', inviteId: input.inviteId }),
    });
  }

  respond(input: StudioInput<'respondInvite'>, actor: SocketActor): Promise<StudioAck<'respondInvite'>> {
    return this.writer.run({
      ...socketChange(StudioCommands.respondInvite.name, input, actor),
      build: () => ({ type: 'respond-invite', inviteId: input.inviteId, accept: input.accept }),
      ack: () => ({ accepted: input.accept }),
    });
  }
}

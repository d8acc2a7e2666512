import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { ModerationCommands } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { staffRole } from '../chat/chat.rules';
import { ChatService, Moderator } from '../chat/chat.service';
import { AppError } from '../http/app-error';
import { CommandRunner } from '../realtime/command-runner';
import { rooms, SocketActor } from '../realtime/socket-actor';
import { ModerationFeed } from './moderation.feed';
import { ModerationService } from './moderation.service';
import { ModerationStages } from './moderation.stages';

/** The moderation panel: the live feed and the actions, site moderators and admins only. */
@WebSocketGateway()
export class ModerationGateway {
  constructor(
    private readonly commands: CommandRunner,
    private readonly feed: ModerationFeed,
    private readonly moderation: ModerationService,
    private readonly stages: ModerationStages,
    private readonly chat: ChatService,
  ) {}

  @SubscribeMessage(ModerationCommands.subscribe.name)
  subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.subscribe, socket, body, async (_input, actor) => {
      authorize(ModerationCommands.subscribe.name, actor);
      // Join first: an update racing the snapshot query is then delivered, never lost.
      await socket.join(rooms.moderation);
      return this.feed.snapshot();
    });
  }

  @SubscribeMessage(ModerationCommands.unsubscribe.name)
  unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.unsubscribe, socket, body, async (_input, actor) => {
      authorize(ModerationCommands.unsubscribe.name, actor);
      await socket.leave(rooms.moderation);
      return { unsubscribed: true };
    });
  }

  @SubscribeMessage(ModerationCommands.stopStream.name)
  stopStream(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.stopStream, socket, body, (input, actor) =>
      this.moderation.stopStream(authorize(ModerationCommands.stopStream.name, actor), input.channel, input.rotateKey, input.reason),
    );
  }

  @SubscribeMessage(ModerationCommands.removeMember.name)
  removeMember(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.removeMember, socket, body, (input, actor) =>
      this.stages.removeMember(authorize(ModerationCommands.removeMember.name, actor), input.stage, input.memberId, input.reason),
    );
  }

  @SubscribeMessage(ModerationCommands.closeRealtime.name)
  closeRealtime(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.closeRealtime, socket, body, (input, actor) =>
      this.stages.closeRealtime(authorize(ModerationCommands.closeRealtime.name, actor), input.stage, input.reason),
    );
  }

  @SubscribeMessage(ModerationCommands.banSite.name)
  banSite(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.banSite, socket, body, (input, actor) =>
      this.chat.sanction(authorize(ModerationCommands.banSite.name, actor), null, input.username, {
        kind: input.seconds ? 'timeout' : 'ban',
        seconds: input.seconds,
        reason: input.reason,
      }),
    );
  }

  @SubscribeMessage(ModerationCommands.unbanSite.name)
  unbanSite(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ModerationCommands.unbanSite, socket, body, (input, actor) =>
      this.chat.lift(authorize(ModerationCommands.unbanSite.name, actor), null, input.username, input.reason ?? ''),
    );
  }
}

function authorize(command: string, actor: SocketActor): Moderator {
  if (!isAllowed(command, staffRole(actor)) || actor.kind !== 'user') throw new AppError('auth/forbidden');
  return { id: actor.id, username: actor.username };
}

import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { ChatCommands } from '@streamcat/protocol';
import { ActorRole, isAllowed } from '../auth/authorization';
import { AppError } from '../http/app-error';
import { CommandRunner } from '../realtime/command-runner';
import { SocketActor } from '../realtime/socket-actor';
import { channelRole } from './chat.rules';
import { ChatChannel, ChatService, Moderator } from './chat.service';

/** Chat commands on a channel: sending (logged-in users) and the owner's / staff's moderation. */
@WebSocketGateway()
export class ChatGateway {
  constructor(
    private readonly commands: CommandRunner,
    private readonly chat: ChatService,
  ) {}

  @SubscribeMessage(ChatCommands.send.name)
  send(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.send, socket, body, async (input, actor) => {
      const { channel, role } = await this.authorize(ChatCommands.send.name, input.channel, actor);
      if (actor.kind !== 'user') throw new AppError('auth/unauthenticated');
      return this.chat.send(actor, channel, input.text, role === 'host' || role === 'moderator' || role === 'admin');
    });
  }

  @SubscribeMessage(ChatCommands.delete.name)
  delete(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.delete, socket, body, async (input, actor) => {
      const { channel, moderator } = await this.authorizeModerator(ChatCommands.delete.name, input.channel, actor);
      return this.chat.deleteMessage(moderator, channel, input.messageId, input.reason ?? '');
    });
  }

  @SubscribeMessage(ChatCommands.timeout.name)
  timeout(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.timeout, socket, body, async (input, actor) => {
      const { channel, moderator } = await this.authorizeModerator(ChatCommands.timeout.name, input.channel, actor);
      return this.chat.sanction(moderator, channel, input.username, { kind: 'timeout', seconds: input.seconds, reason: input.reason });
    });
  }

  @SubscribeMessage(ChatCommands.ban.name)
  ban(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.ban, socket, body, async (input, actor) => {
      const { channel, moderator } = await this.authorizeModerator(ChatCommands.ban.name, input.channel, actor);
      return this.chat.sanction(moderator, channel, input.username, { kind: 'ban', reason: input.reason });
    });
  }

  @SubscribeMessage(ChatCommands.unban.name)
  unban(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.unban, socket, body, async (input, actor) => {
      const { channel, moderator } = await this.authorizeModerator(ChatCommands.unban.name, input.channel, actor);
      return this.chat.lift(moderator, channel, input.username, input.reason ?? '');
    });
  }

  @SubscribeMessage(ChatCommands.slowMode.name)
  slowMode(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(ChatCommands.slowMode, socket, body, async (input, actor) => {
      const { channel, moderator } = await this.authorizeModerator(ChatCommands.slowMode.name, input.channel, actor);
      return this.chat.setSlowMode(moderator, channel, input.seconds, input.reason ?? '');
    });
  }

  private async authorize(command: string, channelName: string, actor: SocketActor): Promise<{ channel: ChatChannel; role: ActorRole }> {
    const channel = await this.chat.channel(channelName);
    const role = channelRole(actor, channel.ownerId);
    if (!isAllowed(command, role)) throw new AppError('auth/forbidden');
    return { channel, role };
  }

  private async authorizeModerator(
    command: string,
    channelName: string,
    actor: SocketActor,
  ): Promise<{ channel: ChatChannel; moderator: Moderator }> {
    const { channel } = await this.authorize(command, channelName, actor);
    if (actor.kind !== 'user') throw new AppError('auth/forbidden');
    return { channel, moderator: { id: actor.id, username: actor.username } };
  }
}

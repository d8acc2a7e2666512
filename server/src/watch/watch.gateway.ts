import { ConnectedSocket, MessageBody, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { WatchCommands } from '@streamcat/protocol';
import { isAllowed } from '../auth/authorization';
import { channelRole } from '../chat/chat.rules';
import { AppError } from '../http/app-error';
import { CommandRunner } from '../realtime/command-runner';
import { SocketActor } from '../realtime/socket-actor';
import { ViewerSessions } from '../viewer-sessions/viewer-sessions.service';
import { ShowLayouts } from './show-layout.service';
import { ChannelRow, WatchService } from './watch.service';

/** Joining and leaving a channel's watch room (anyone, logged in or not). */
@WebSocketGateway()
export class WatchGateway implements OnGatewayInit, OnGatewayDisconnect {
  constructor(
    private readonly commands: CommandRunner,
    private readonly watch: WatchService,
    private readonly viewers: ViewerSessions,
    private readonly shows: ShowLayouts,
  ) {}

  /** Anonymous browsers get their viewer-session cookie with the socket handshake, so a reload counts once. */
  afterInit(server: Server): void {
    this.viewers.issueOnHandshake(server);
  }

  @SubscribeMessage(WatchCommands.join.name)
  join(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(WatchCommands.join, socket, body, async (input, actor) => {
      const channel = await this.authorize(WatchCommands.join.name, input.channel, actor);
      return this.watch.join(socket, channel, input.as);
    });
  }

  @SubscribeMessage(WatchCommands.leave.name)
  leave(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(WatchCommands.leave, socket, body, async (input, actor) => {
      const channel = await this.authorize(WatchCommands.leave.name, input.channel, actor);
      const unfollowed = await this.shows.unfollow(socket, input.channel);
      const { left } = await this.watch.leave(socket, channel);
      return { left: left || unfollowed };
    });
  }

  @SubscribeMessage(WatchCommands.show.name)
  show(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(WatchCommands.show, socket, body, async (input, actor) => {
      await this.authorize(WatchCommands.show.name, input.channel, actor);
      return this.shows.follow(socket, input.channel);
    });
  }

  handleDisconnect(socket: Socket): void {
    void this.watch.disconnected(socket);
  }

  /** The channel, once the actor may run this command on it (join and leave go on with this row). */
  private async authorize(command: string, channelName: string, actor: SocketActor): Promise<ChannelRow> {
    const channel = await this.watch.rowByName(channelName);
    if (!isAllowed(command, channelRole(actor, channel.user_id))) throw new AppError('auth/forbidden');
    return channel;
  }
}

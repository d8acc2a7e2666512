import { ConnectedSocket, MessageBody, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { StudioCommands } from '@streamcat/protocol';
import { CommandRunner } from '../realtime/command-runner';
import { actorOf, rooms } from '../realtime/socket-actor';
import { StudioChangeKey, StudioHandlers } from './studio.handlers';
import { guestRoom } from './studio.pushes';
import { StudioService } from './studio.service';

/**
 * Studio commands over the shared socket. Thin: parse/limit/ack via CommandRunner, then the
 * command's handler (typed by its schema) runs it through the one write path, which decides
 * (role, version, reducer) and pushes `studio:changed` to every node.
 */
@WebSocketGateway()
export class StudioGateway implements OnGatewayConnection {
  constructor(
    private readonly commands: CommandRunner,
    private readonly studio: StudioService,
    private readonly handlers: StudioHandlers,
  ) {}

  handleConnection(socket: Socket): void {
    // Invite-link guests have no user room: this one carries admission and removal.
    const actor = actorOf(socket);
    if (actor.kind === 'guest') void socket.join(guestRoom(actor.guestId));
  }

  @SubscribeMessage(StudioCommands.join.name)
  join(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(StudioCommands.join, socket, body, async (input, actor) => {
      const first = await this.studio.snapshotFor(input.stage, actor, StudioCommands.join.name);
      await socket.join(rooms.studio(first.stageId));
      // Read again after joining: a change committed in between is either in this snapshot or pushed to the room.
      return this.studio.snapshot(first.stageId);
    });
  }

  @SubscribeMessage(StudioCommands.snapshot.name)
  snapshot(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(StudioCommands.snapshot, socket, body, (input, actor) =>
      this.studio.snapshotFor(input.stage, actor, StudioCommands.snapshot.name),
    );
  }

  @SubscribeMessage(StudioCommands.leave.name)
  leave(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(StudioCommands.leave, socket, body, async (input) => {
      await socket.leave(rooms.studio(await this.studio.stageIdOf(input.stage)));
      return { left: true as const };
    });
  }

  @SubscribeMessage(StudioCommands.invite.name)
  invite(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('invite', s, b);
  }

  @SubscribeMessage(StudioCommands.revokeInvite.name)
  revokeInvite(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('revokeInvite', s, b);
  }

  @SubscribeMessage(StudioCommands.respondInvite.name)
  respondInvite(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('respondInvite', s, b);
  }

  @SubscribeMessage(StudioCommands.createLink.name)
  createLink(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('createLink', s, b);
  }

  @SubscribeMessage(StudioCommands.revokeLink.name)
  revokeLink(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('revokeLink', s, b);
  }

  @SubscribeMessage(StudioCommands.comment.name)
  comment(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('comment', s, b);
  }

  @SubscribeMessage(StudioCommands.admit.name)
  admit(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('admit', s, b);
  }

  @SubscribeMessage(StudioCommands.remove.name)
  remove(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('remove', s, b);
  }

  @SubscribeMessage(StudioCommands.setRole.name)
  setRole(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('setRole', s, b);
  }

  @SubscribeMessage(StudioCommands.setStatus.name)
  setStatus(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('setStatus', s, b);
  }

  @SubscribeMessage(StudioCommands.layout.name)
  layout(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('layout', s, b);
  }

  @SubscribeMessage(StudioCommands.brand.name)
  brand(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('brand', s, b);
  }

  @SubscribeMessage(StudioCommands.raiseHand.name)
  raiseHand(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('raiseHand', s, b);
  }

  @SubscribeMessage(StudioCommands.screenShare.name)
  screenShare(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('screenShare', s, b);
  }

  @SubscribeMessage(StudioCommands.mute.name)
  mute(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('mute', s, b);
  }

  @SubscribeMessage(StudioCommands.broadcast.name)
  broadcast(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('broadcast', s, b);
  }

  @SubscribeMessage(StudioCommands.realtime.name)
  realtime(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('realtime', s, b);
  }

  @SubscribeMessage(StudioCommands.programme.name)
  programme(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('programme', s, b);
  }

  @SubscribeMessage(StudioCommands.failover.name)
  failover(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('failover', s, b);
  }

  @SubscribeMessage(StudioCommands.scene.name)
  scene(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('scene', s, b);
  }

  @SubscribeMessage(StudioCommands.programmeVolume.name)
  programmeVolume(@ConnectedSocket() s: Socket, @MessageBody() b: unknown) {
    return this.change('programmeVolume', s, b);
  }

  private change<K extends StudioChangeKey>(key: K, socket: Socket, body: unknown) {
    return this.commands.run(StudioCommands[key], socket, body, this.handlers.map[key]);
  }
}

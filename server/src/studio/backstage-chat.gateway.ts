import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { BackstageCommands } from '@streamcat/protocol';
import { CommandRunner } from '../realtime/command-runner';
import { rooms } from '../realtime/socket-actor';
import { BackstageChatService } from './backstage-chat.service';

/** The studio's backstage chat over the shared socket; new messages go out to the studio room. */
@WebSocketGateway()
export class BackstageChatGateway {
  constructor(
    private readonly commands: CommandRunner,
    private readonly backstage: BackstageChatService,
  ) {}

  @SubscribeMessage(BackstageCommands.send.name)
  send(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(BackstageCommands.send, socket, body, (input, actor) =>
      this.backstage.send(input.stage, actor, { commandId: input.commandId, text: input.text }),
    );
  }

  @SubscribeMessage(BackstageCommands.history.name)
  history(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const name = BackstageCommands.history.name;
    return this.commands.run(BackstageCommands.history, socket, body, async (input, actor) => {
      const stageId = await this.backstage.authorize(name, input.stage, actor);
      // Room first, then read: a message sent in between is in the history or pushed, never lost.
      const room = rooms.studio(stageId);
      await socket.join(room);
      try {
        // Checked again now that we are in the room: a removal that landed in between must not leave us listening.
        await this.backstage.authorize(name, input.stage, actor);
      } catch (e) {
        await socket.leave(room);
        throw e;
      }
      return { messages: await this.backstage.latest(stageId) };
    });
  }
}

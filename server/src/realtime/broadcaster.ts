import { Injectable } from '@nestjs/common';
import type { Server } from 'socket.io';
import type { ServerEvents } from '@streamcat/protocol';

/**
 * Typed server→client emits to rooms, on every node (through the Redis adapter when
 * configured). Services use this instead of holding a Socket.IO server themselves.
 */
@Injectable()
export class Broadcaster {
  private server?: Server;

  attach(server: Server): void {
    this.server = server;
  }

  toRoom<E extends keyof ServerEvents>(room: string | string[], event: E, payload: ServerEvents[E]): void {
    this.io().to(room).emit(event, payload);
  }

  /** Disconnect every socket in a room, on every node (e.g. a removed member, a closed stage). */
  disconnectRoom(room: string): void {
    this.io().in(room).disconnectSockets(true);
  }

  /** Distinct sockets in a room across all nodes. */
  async countRoom(room: string): Promise<number> {
    return (await this.io().in(room).fetchSockets()).length;
  }

  io(): Server {
    if (!this.server) throw new Error('Socket.IO is not initialised yet');
    return this.server;
  }
}

import type { Socket } from 'socket.io';
import type { UserRole } from '../users/user.entity';
import type { HeldIdentity } from './identity.policy';

/** Who is on the other end of a socket, decided once at the handshake. */
export type SocketActor =
  | { kind: 'anonymous' }
  | { kind: 'user'; id: string; username: string; role: UserRole }
  /** An invite-link guest without an account: a short-lived guest token scoped to one stage. */
  | { kind: 'guest'; guestId: string; stageId: string; displayName: string };

export interface SocketData {
  actor: SocketActor;
  /** What the handshake learnt about the login behind it; IdentitySweep keeps it current. None: anonymous. */
  identity?: HeldIdentity;
}

export function actorOf(socket: Socket): SocketActor {
  return (socket.data as Partial<SocketData>).actor ?? { kind: 'anonymous' };
}

/** Room names, in one place so every node and feature agrees on them. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  studio: (stageId: string) => `studio:${stageId}`,
  watch: (channelId: string) => `watch:${channelId}`,
  moderation: 'moderation',
} as const;

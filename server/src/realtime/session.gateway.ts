import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Server, Socket } from 'socket.io';
import { COMMANDS_BY_NAME, SessionCommands, SessionInfo } from '@streamcat/protocol';
import { AccessTokenService } from '../auth/access-token.service';
import { AppError } from '../http/app-error';
import { CommandRunner } from './command-runner';
import { actorOf, rooms, SocketActor } from './socket-actor';
import { GuestTokens } from './guest-tokens';
import { Broadcaster } from './broadcaster';
import type { HeldIdentity } from './identity.policy';
import { HandshakeAccounts } from './handshake-accounts';

/**
 * The socket entry point shared by every feature gateway (one namespace, rooms per audience):
 * authenticates the handshake, answers unknown events, joins the user's personal room.
 */
@WebSocketGateway()
export class SessionGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly log = new Logger('Realtime');

  constructor(
    private readonly tokens: AccessTokenService,
    private readonly guests: GuestTokens,
    private readonly accounts: HandshakeAccounts,
    private readonly commands: CommandRunner,
    private readonly broadcaster: Broadcaster,
  ) {}

  afterInit(server: Server): void {
    this.broadcaster.attach(server);
    server.use((socket, next) => {
      this.authenticate(socket.handshake.auth as Record<string, unknown> | undefined)
        .then(({ actor, identity }) => {
          socket.data.actor = actor;
          socket.data.identity = identity;
          next();
        })
        .catch((e: unknown) => {
          const err = e instanceof AppError ? e : new AppError('auth/invalid-token');
          const refusal = new Error(err.message) as Error & { data: unknown };
          refusal.data = err.toBody().error;
          next(refusal);
        });
    });
    this.log.log('Socket.IO ready');
  }

  handleConnection(socket: Socket): void {
    socket.use(refuseUnknownEvents);
    const actor = actorOf(socket);
    // The one room joined at connect, without I/O (a local join, even with the Redis adapter):
    // it carries pushes a socket cannot ask for (an invite, a sanction), so it cannot wait for a
    // command. Every other room (watch, studio, moderation) is joined by the command that needs it.
    if (actor.kind === 'user') void socket.join(rooms.user(actor.id));
  }

  @SubscribeMessage(SessionCommands.whoami.name)
  whoami(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    return this.commands.run(SessionCommands.whoami, socket, body, (_input, actor): SessionInfo => ({
      user: actor.kind === 'user' ? { id: actor.id, username: actor.username, role: actor.role } : null,
    }));
  }

  /** `auth.token`: the REST access token; `auth.guestToken`: an invite-link guest's token; none: anonymous. */
  private async authenticate(auth: Record<string, unknown> | undefined): Promise<{ actor: SocketActor; identity?: HeldIdentity }> {
    const token = auth?.token;
    const guestToken = auth?.guestToken;
    if (typeof token === 'string' && token.length > 0 && token.length <= 4096) {
      const claims = this.tokens.verify(token);
      // One read shared by every handshake in flight (HandshakeAccounts says why a read at all).
      const role = await this.accounts.roleOf(claims.sub);
      if (!role) throw new AppError('auth/invalid-token');
      return {
        // Usernames never change after sign-up, so the signed claim is the row's.
        actor: { kind: 'user', id: claims.sub, username: claims.username, role },
        identity: { role, expiresAt: claims.expiresAt },
      };
    }
    if (typeof guestToken === 'string' && guestToken.length > 0 && guestToken.length <= 4096) {
      return { actor: this.guests.verify(guestToken) };
    }
    if (token !== undefined || guestToken !== undefined) throw new AppError('auth/invalid-token');
    return { actor: { kind: 'anonymous' } };
  }
}

/** Unknown events get an error ack instead of silence; known ones go on to their gateway. One function for every socket. */
function refuseUnknownEvents([event, ...args]: unknown[], next: (err?: Error) => void): void {
  if (typeof event === 'string' && COMMANDS_BY_NAME.has(event)) return next();
  const ack = args[args.length - 1];
  if (typeof ack === 'function') {
    ack({
      ok: false,
      error: new AppError('request/unknown-event', `The server does not know "${String(event).slice(0, 64)}".`).toBody().error,
    });
  }
}

import { Global, Module } from '@nestjs/common';
import { Broadcaster } from './broadcaster';
import { CommandRunner } from './command-runner';
import { GuestTokens } from './guest-tokens';
import { HandshakeAccounts } from './handshake-accounts';
import { IdentitySweep } from './identity-sweep.service';
import { SessionGateway } from './session.gateway';

/** Socket.IO transport shared by every feature gateway (studio, watch, chat, moderation). */
@Global()
@Module({
  providers: [SessionGateway, CommandRunner, GuestTokens, Broadcaster, IdentitySweep, HandshakeAccounts],
  exports: [CommandRunner, GuestTokens, Broadcaster],
})
export class RealtimeModule {}

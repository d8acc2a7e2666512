import { Global, Module } from '@nestjs/common';
import { StageAccess } from '../stages/stage-access';
import { ChatModule } from '../chat/chat.module';
import { StagesModule } from '../stages/stages.module';
import { BackstageChatGateway } from './backstage-chat.gateway';
import { BackstageChatService } from './backstage-chat.service';
import { BroadcastConfirmations } from './broadcast-confirmations';
import { CloudProgramme } from './cloud-programme.service';
import { GoLiveWatch } from './go-live.watch';
import { InviteLinksService } from './invite-links.service';
import { InvitesController } from './invites.controller';
import { InvitesService } from './invites.service';
import { MemberTokens, StudioStageAccess } from './member-access.service';
import { StudioComments } from './studio-comments.service';
import { StudioExpirySweeper } from './studio-expiry.sweeper';
import { StudioClock } from './studio.clock';
import { StudioDocuments } from './studio.documents';
import { StudioGateway } from './studio.gateway';
import { StudioHandlers } from './studio.handlers';
import { StudioPushes } from './studio.pushes';
import { StudioService } from './studio.service';
import { StudioWriter } from './studio.writer';

/** Global so stage tokens can ask who holds a seat, and moderation can call StudioService. */
@Global()
@Module({
  imports: [StagesModule, ChatModule],
  controllers: [InvitesController],
  providers: [
    StudioClock,
    StudioDocuments,
    StudioPushes,
    MemberTokens,
    StudioWriter,
    InvitesService,
    InviteLinksService,
    StudioHandlers,
    StudioComments,
    StudioExpirySweeper,
    BroadcastConfirmations,
    GoLiveWatch,
    CloudProgramme,
    StudioService,
    StudioGateway,
    BackstageChatService,
    BackstageChatGateway,
    { provide: StageAccess, useClass: StudioStageAccess },
  ],
  exports: [StudioService, StageAccess, GoLiveWatch, CloudProgramme],
})
export class StudioModule {}

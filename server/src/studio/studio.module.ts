import { Global, Module } from '@nestjs/common';
import { StageAccess } from '../stages/stage-access';
import { StagesModule } from '../stages/stages.module';
import { BackstageChatGateway } from './backstage-chat.gateway';
import { BackstageChatService } from './backstage-chat.service';
import { InvitesController } from './invites.controller';
import { StudioGateway } from './studio.gateway';
import { StudioService, StudioStageAccess } from './studio.service';

/** Global so stage tokens can ask who holds a seat, and moderation can call StudioService. */
@Global()
@Module({
  imports: [StagesModule],
  controllers: [InvitesController],
  providers: [
    StudioService,
    StudioGateway,
    BackstageChatService,
    BackstageChatGateway,
    { provide: StageAccess, useClass: StudioStageAccess },
  ],
  exports: [StudioService, StageAccess],
})
export class StudioModule {}

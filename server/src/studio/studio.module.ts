import { Global, Module } from '@nestjs/common';
import { StageAccess } from '../stages/stage-access';
import { StagesModule } from '../stages/stages.module';
import { InvitesController } from './invites.controller';
import { StudioGateway } from './studio.gateway';
import { StudioService, StudioStageAccess } from './studio.service';

/** Global so stage tokens can ask who holds a seat, and moderation can call StudioService. */
@Global()
@Module({
  imports: [StagesModule],
  controllers: [InvitesController],
  providers: [StudioService, StudioGateway, { provide: StageAccess, useClass: StudioStageAccess }],
  exports: [StudioService, StageAccess],
})
export class StudioModule {}

import { Module } from '@nestjs/common';
import { IdleStagesSweeper } from './idle-stages.sweeper';
import { StageDisconnects } from './stage-disconnects.service';
import { StageTokensService } from './stage-tokens.service';
import { StagesController } from './stages.controller';
import { StudioStages } from './studio-stages.service';
import { ViewerSessionsModule } from '../viewer-sessions/viewer-sessions.module';

@Module({
  imports: [ViewerSessionsModule],
  controllers: [StagesController],
  providers: [StageTokensService, StudioStages, IdleStagesSweeper, StageDisconnects],
  exports: [StageTokensService, StudioStages, IdleStagesSweeper, StageDisconnects],
})
export class StagesModule {}

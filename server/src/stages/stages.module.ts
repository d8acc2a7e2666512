import { Module } from '@nestjs/common';
import { StageTokensService } from './stage-tokens.service';
import { StagesController } from './stages.controller';
import { ViewerSessionsModule } from '../viewer-sessions/viewer-sessions.module';

@Module({
  imports: [ViewerSessionsModule],
  controllers: [StagesController],
  providers: [StageTokensService],
  exports: [StageTokensService],
})
export class StagesModule {}

import { Module } from '@nestjs/common';
import { StageTokensService } from './stage-tokens.service';
import { StagesController } from './stages.controller';

@Module({
  controllers: [StagesController],
  providers: [StageTokensService],
  exports: [StageTokensService],
})
export class StagesModule {}

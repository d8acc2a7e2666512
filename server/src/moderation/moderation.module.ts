import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { WatchModule } from '../watch/watch.module';
import { ModerationAuditModule } from './moderation-audit.module';
import { ModerationFeed } from './moderation.feed';
import { ModerationGateway } from './moderation.gateway';
import { ModerationService } from './moderation.service';
import { ModerationStages } from './moderation.stages';

@Module({
  imports: [ModerationAuditModule, ChatModule, WatchModule],
  providers: [ModerationFeed, ModerationService, ModerationStages, ModerationGateway],
})
export class ModerationModule {}

import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { ViewerSessionsModule } from '../viewer-sessions/viewer-sessions.module';
import { WatchGateway } from './watch.gateway';
import { WatchPresence } from './watch-presence';
import { WatchService } from './watch.service';

@Module({
  imports: [ChatModule, ViewerSessionsModule],
  providers: [WatchPresence, WatchService, WatchGateway],
  exports: [WatchService],
})
export class WatchModule {}

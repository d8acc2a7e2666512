import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { ViewerSessionsModule } from '../viewer-sessions/viewer-sessions.module';
import { ShowLayouts } from './show-layout.service';
import { WatchGateway } from './watch.gateway';
import { WatchPresence } from './watch-presence';
import { WatchService } from './watch.service';

@Module({
  imports: [ChatModule, ViewerSessionsModule],
  providers: [WatchPresence, WatchService, ShowLayouts, WatchGateway],
  exports: [WatchService],
})
export class WatchModule {}

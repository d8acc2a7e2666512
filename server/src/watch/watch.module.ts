import { Module } from '@nestjs/common';
import { ChatModule } from '../chat/chat.module';
import { WatchGateway } from './watch.gateway';
import { WatchPresence } from './watch-presence';
import { WatchService } from './watch.service';

@Module({
  imports: [ChatModule],
  providers: [WatchPresence, WatchService, WatchGateway],
  exports: [WatchService],
})
export class WatchModule {}

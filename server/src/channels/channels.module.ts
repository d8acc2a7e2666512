import { Module } from '@nestjs/common';
import { ChannelsController, MeController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';
import { RecordingUrls } from './recording-urls';

@Module({
  controllers: [MeController, ChannelsController, DiscoveryController],
  providers: [ChannelsService, RecordingUrls, DiscoveryService],
  exports: [ChannelsService, RecordingUrls],
})
export class ChannelsModule {}

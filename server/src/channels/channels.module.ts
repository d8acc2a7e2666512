import { Module } from '@nestjs/common';
import { ChannelsController, MeController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { RecordingUrls } from './recording-urls';

@Module({
  controllers: [MeController, ChannelsController],
  providers: [ChannelsService, RecordingUrls],
  exports: [ChannelsService, RecordingUrls],
})
export class ChannelsModule {}

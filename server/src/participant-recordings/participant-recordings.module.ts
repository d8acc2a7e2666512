import { Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { ParticipantRecordingsController } from './participant-recordings.controller';
import { ParticipantRecordings } from './participant-recordings.service';

/** Members' individual recordings (written by the IVS events pipeline), listed on a broadcast's page. */
@Module({
  imports: [ChannelsModule],
  controllers: [ParticipantRecordingsController],
  providers: [ParticipantRecordings],
})
export class ParticipantRecordingsModule {}

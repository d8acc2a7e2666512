import { Module } from '@nestjs/common';
import { MultistreamDestinations } from './multistream-destinations.service';
import { MultistreamController } from './multistream.controller';
import { MultistreamRelays } from './multistream-relays.service';

/** Multistream: destinations (REST, keys sealed at rest) and the relays that push the programme to them. */
@Module({
  controllers: [MultistreamController],
  providers: [MultistreamDestinations, MultistreamRelays],
  exports: [MultistreamRelays],
})
export class MultistreamModule {}

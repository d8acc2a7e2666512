import { Global, Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { DomainEventsModule } from '../domain-events/domain-events.module';
import { IvsEventsReconciliationService } from './ivs-events-reconciliation.service';
import { IvsEventsController } from './ivs-events.controller';
import { IVS_EVENT_SINK } from '@streamcat/ivs-emulator';
import { IvsEventsService } from './ivs-events.service';

/** Global so the local media plane injects IVS_EVENT_SINK (bound to this pipeline) without importing it. */
@Global()
@Module({
  imports: [ChannelsModule, DomainEventsModule],
  controllers: [IvsEventsController],
  providers: [IvsEventsService, IvsEventsReconciliationService, { provide: IVS_EVENT_SINK, useExisting: IvsEventsService }],
  exports: [IvsEventsService, IvsEventsReconciliationService, IVS_EVENT_SINK],
})
export class IvsEventsModule {}

import { Global, Module } from '@nestjs/common';
import { ChannelsModule } from '../channels/channels.module';
import { DomainEventsModule } from '../domain-events/domain-events.module';
import { IvsEventsReconciliationService } from './ivs-events-reconciliation.service';
import { IvsEventsController } from './ivs-events.controller';
import { IVS_EVENT_SINK, IvsEventsService } from './ivs-events.service';

/** Global so the emulator (or any module) can inject IVS_EVENT_SINK without importing this one. */
@Global()
@Module({
  imports: [ChannelsModule, DomainEventsModule],
  controllers: [IvsEventsController],
  providers: [IvsEventsService, IvsEventsReconciliationService, { provide: IVS_EVENT_SINK, useExisting: IvsEventsService }],
  exports: [IvsEventsService, IvsEventsReconciliationService, IVS_EVENT_SINK],
})
export class IvsEventsModule {}

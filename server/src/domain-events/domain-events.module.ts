import { Global, Module } from '@nestjs/common';
import { DomainEvents } from './domain-events';

/** Global so any gateway can subscribe without importing the modules that publish. */
@Global()
@Module({ providers: [DomainEvents], exports: [DomainEvents] })
export class DomainEventsModule {}

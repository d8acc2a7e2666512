import { Module } from '@nestjs/common';
import { EventLoopMonitor } from './event-loop.monitor';
import { HealthController } from './health.controller';

@Module({ controllers: [HealthController], providers: [EventLoopMonitor], exports: [EventLoopMonitor] })
export class HealthModule {}

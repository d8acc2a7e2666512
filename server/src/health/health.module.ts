import { Module } from '@nestjs/common';
import { EventLoopMonitor } from './event-loop.monitor';
import { HealthController } from './health.controller';
import { MediaHealth } from './media-health';

@Module({ controllers: [HealthController], providers: [EventLoopMonitor, MediaHealth], exports: [EventLoopMonitor] })
export class HealthModule {}

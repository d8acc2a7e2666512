import { Module } from '@nestjs/common';
import { ViewerSessions } from './viewer-sessions.service';

/** Anonymous viewer sessions: used by real-time viewer tokens (stages) and watch presence. */
@Module({ providers: [ViewerSessions], exports: [ViewerSessions] })
export class ViewerSessionsModule {}

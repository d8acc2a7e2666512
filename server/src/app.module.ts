import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from './accounts/accounts.module';
import { AuthModule } from './auth/auth.module';
import { BrandModule } from './brand/brand.module';
import { ChannelsModule } from './channels/channels.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { DomainEventsModule } from './domain-events/domain-events.module';
import { HealthModule } from './health/health.module';
import { RealtimeModule } from './realtime/realtime.module';
import { IvsEventsModule } from './ivs-events/ivs-events.module';
import { MediaModule } from './media/media.module';
import { ParticipantRecordingsModule } from './participant-recordings/participant-recordings.module';
import { RateLimitsModule } from './rate-limits/rate-limits.module';
import { StagesModule } from './stages/stages.module';
import { StudioModule } from './studio/studio.module';
import { UsersModule } from './users/users.module';
import { ChatModule } from './chat/chat.module';
import { ModerationModule } from './moderation/moderation.module';
import { MultistreamModule } from './multistream/multistream.module';
import { WatchModule } from './watch/watch.module';

@Module({})
export class AppModule {
  /** `databaseUrl` is resolved before this (embedded PostgreSQL or DATABASE_URL). */
  static forRoot(config: AppConfig & { databaseUrl: string }, extra: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config.databaseUrl)),
        MediaModule,
        RateLimitsModule,
        UsersModule,
        AuthModule,
        AccountsModule,
        ChannelsModule,
        StagesModule,
        StudioModule,
        BrandModule,
        ParticipantRecordingsModule,
        HealthModule,
        RealtimeModule,
        DomainEventsModule,
        IvsEventsModule,
        ChatModule,
        WatchModule,
        ModerationModule,
        MultistreamModule,
        ...extra,
      ],
    };
  }
}

import type { AddressInfo } from 'node:net';
import { DynamicModule, Global, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IVS_EVENT_SINK, IvsEmulatorModule, ivsEmulatorMigrations, LOCAL_PARTICIPANT_STORAGE } from '@streamcat/ivs-emulator';
import { AppLogger } from '../logging/app-logger';
import { packagedFfmpegPath } from '../media/packaged-ffmpeg';
import type { EmulatorConfig } from './emulator.config';
import { EmulatorStatusController } from './emulator-status.controller';
import { HttpEventSink } from './http-event-sink';

/** Binds the media plane's event sink to HTTP delivery (global: the emulator module injects it). */
@Global()
@Module({})
class EmulatorEventsModule {
  static forRoot(events: EmulatorConfig['events']): DynamicModule {
    return {
      module: EmulatorEventsModule,
      providers: [{ provide: IVS_EVENT_SINK, useFactory: () => new HttpEventSink(events) }],
      exports: [IVS_EVENT_SINK],
    };
  }
}

@Module({})
class EmulatorAppModule {
  static forRoot(config: EmulatorConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: EmulatorAppModule,
      imports: [
        EmulatorEventsModule.forRoot(config.events),
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: config.databaseUrl,
          // Its own history table: the emulator's tables may share a database with the server's.
          migrationsTableName: 'ivs_emulator_migrations',
          migrations: ivsEmulatorMigrations,
          migrationsRun: true,
          synchronize: false,
        }),
        IvsEmulatorModule.forRoot({
          dataDir: config.dataDir,
          region: config.region,
          accountId: '123456789012',
          publicUrl: config.publicUrl,
          credentials: config.credentials,
          limits: config.limits,
          storageConfigurations: [LOCAL_PARTICIPANT_STORAGE],
          media: {
            ffmpegPath: config.ffmpegPath,
            packagedFfmpegPath: packagedFfmpegPath(),
            maxSubscribers: config.maxSubscribers,
            rtmpPort: config.rtmpPort,
            rtmpHost: config.rtmpHost,
            reconnectGraceMs: config.reconnectGraceMs,
          },
        }),
      ],
      controllers: [EmulatorStatusController],
    };
  }
}

/**
 * The IVS emulator as its own service (`npm run emulator`): control plane, token signer, stage
 * SFU, ingest, HLS and recordings in one process that every server replica calls, as replicas
 * call AWS. Its events go to the servers over HTTP (http-event-sink.ts). Used by
 * emulator.main.ts and by the tests that start it in-process.
 */
export async function createEmulatorApp(config: EmulatorConfig & { databaseUrl: string }): Promise<INestApplication> {
  // No body parser: the emulator verifies each request's SigV4 signature over its exact bytes.
  const app = await NestFactory.create(EmulatorAppModule.forRoot(config), { bodyParser: false, logger: new AppLogger(config.logLevel) });
  (app.getHttpAdapter().getInstance() as { disable(name: string): void }).disable('x-powered-by');
  await app.listen(config.port, config.host);
  return app;
}

/** The port actually bound (PORT may be 0). */
export function boundPort(app: INestApplication): number {
  return (app.getHttpServer().address() as AddressInfo).port;
}

import { DynamicModule, Inject, MiddlewareConsumer, Module, NestModule, OnModuleInit, RequestMethod } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ivsBodyParseErrorHandler } from './aws-protocol/ivs-json-body.middleware';
import { IvsSignedRequestMiddleware } from './aws-protocol/ivs-signed-request.middleware';
import { IvsChannelsController } from './channels/channels.controller';
import { CompositionConfigurationsService } from './compositions/composition-configurations.service';
import { CompositionLifecycle } from './compositions/composition-lifecycle.service';
import { COMPOSITION_OPTIONS, DEFAULT_COMPOSITION_OPTIONS } from './compositions/compositions.options';
import { IvsCompositionsController } from './compositions/compositions.controller';
import { CompositionsService } from './compositions/compositions.service';
import { ChannelsService } from './channels/channels.service';
import { StreamsService } from './channels/streams.service';
import { IvsEmulatorEvents } from './ivs-emulator.events';
import {
  emulatorLimitsOf,
  IVS_EMULATOR_CLOCK,
  IVS_EMULATOR_OPTIONS,
  IvsEmulatorClock,
  IvsEmulatorOptions,
  parseIvsEmulatorOptions,
} from './ivs-emulator.options';
import { CallBudgets, IVS_EMULATOR_LIMITS, IvsCallLimitsMiddleware } from './limits/call-limits.middleware';
import { IvsEmulatorService } from './ivs-emulator.service';
import { ChannelIngestService } from './media/ingest/channel-ingest.service';
import { mediaPlaneProviders } from './media/media-plane.providers';
import { RtmpIngestServer } from './media/rtmp/rtmp-ingest.server';
import { ParticipantTokensService } from './stages/participant-tokens.service';
import { ParticipantsService } from './stages/participants.service';
import { IvsRealtimeController } from './stages/stages.controller';
import { StagesService } from './stages/stages.service';
import { ParticipantTokenSigner } from './tokens/participant-token.signer';

/**
 * The local stand-in for Amazon IVS (control plane). Needs a global TypeORM DataSource whose
 * migrations include `ivsEmulatorMigrations`. With `media` options it also runs the local media plane
 * (see docs/local-media.md); its IVS events go to the host's `IVS_EVENT_SINK` binding.
 */
@Module({})
export class IvsEmulatorModule implements NestModule, OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  static forRoot(options: IvsEmulatorOptions): DynamicModule {
    const parsed = parseIvsEmulatorOptions(options);
    return {
      module: IvsEmulatorModule,
      // IvsCompositionsController before IvsRealtimeController: the latter ends with the `*path` 501 catch-all.
      controllers: [IvsChannelsController, IvsCompositionsController, IvsRealtimeController],
      providers: [
        { provide: IVS_EMULATOR_OPTIONS, useValue: parsed },
        { provide: IVS_EMULATOR_CLOCK, useValue: (() => new Date()) satisfies IvsEmulatorClock },
        { provide: IVS_EMULATOR_LIMITS, useValue: emulatorLimitsOf(parsed) },
        CallBudgets,
        {
          provide: ParticipantTokenSigner,
          useFactory: (o: IvsEmulatorOptions) => ParticipantTokenSigner.fromDataDir(o.dataDir),
          inject: [IVS_EMULATOR_OPTIONS],
        },
        IvsEmulatorEvents,
        ChannelsService,
        StreamsService,
        ParticipantsService,
        ParticipantTokensService,
        StagesService,
        { provide: COMPOSITION_OPTIONS, useValue: DEFAULT_COMPOSITION_OPTIONS },
        CompositionConfigurationsService,
        CompositionLifecycle,
        CompositionsService,
        IvsEmulatorService,
        ...(parsed.media ? mediaPlaneProviders(parsed.dataDir, parsed.media) : []),
      ],
      // With a media plane, its ingest and RTMP server too: the host reads ffmpeg's status and the RTMP port.
      exports: [
        IvsEmulatorService,
        IvsEmulatorEvents,
        IVS_EMULATOR_OPTIONS,
        ...(parsed.media ? [ChannelIngestService, RtmpIngestServer] : []),
      ],
    };
  }

  /**
   * Both API prefixes as a whole (every operation, tags, unknown paths, any method) go through
   * the signature check, so nothing under them is reachable unsigned; then each operation's call
   * rate and the account's standing (limits/), before any handler.
   */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IvsSignedRequestMiddleware, IvsCallLimitsMiddleware).forRoutes(
      ...['_ivs/channels', '_ivs/channels/*path', '_ivs/realtime', '_ivs/realtime/*path'].map((path) => ({
        path,
        method: RequestMethod.ALL,
      })),
    );
  }

  /**
   * Runs after routes are registered and before Nest's final error handler, so this error
   * layer sees JSON-parse failures for `/_ivs` that an app-level body parser raises.
   */
  onModuleInit(): void {
    const app = this.adapterHost.httpAdapter?.getInstance?.() as { use?: (path: string, fn: unknown) => void } | undefined;
    app?.use?.('/_ivs', ivsBodyParseErrorHandler);
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import {
  ChannelIngestService,
  IvsEmulatorModule,
  ivsEmulatorMigrations,
  LOCAL_PARTICIPANT_STORAGE,
  RtmpIngestServer,
} from '@streamcat/ivs-emulator';
import type { AppConfig } from '../config/config';
import { ffmpegHealth, LocalFfmpegStatus, LocalMediaPlane } from './local-media-plane';
import { RemoteMediaPlane } from './remote-media-plane';
import { packagedFfmpegPath } from './packaged-ffmpeg';

/** LocalMediaPlane read from the emulator's channel ingest and RTMP server. */
class EmulatorMediaPlane extends LocalMediaPlane {
  constructor(
    private readonly ingest: ChannelIngestService,
    private readonly rtmp: RtmpIngestServer,
  ) {
    super();
  }

  rtmpUrl(ingestEndpoint: string): string | null {
    // The bound port: RTMP_PORT may be 0 (any free port).
    const port = this.rtmp.port;
    return port === undefined ? null : `rtmp://${ingestEndpoint}:${port}/app/`;
  }

  ffmpeg(): LocalFfmpegStatus {
    return ffmpegHealth(this.ingest.ffmpegStatus());
  }
}

/** Holds the emulator and offers LocalMediaPlane to every module (global: only local mode has one). */
@Global()
@Module({})
class LocalMediaPlaneModule {}

/**
 * What local mode adds to the server: the embedded IVS emulator (mounted under /_ivs) with
 * its media plane (stage SFU, browser and RTMP ingest → HLS + recordings; docs/local-media.md),
 * its migrations, and the LocalMediaPlane port; with IVS_EMULATOR_URL only the port, read from
 * that emulator (server/src/emulator is its standalone form). On AWS nothing is added. The media plane's IVS
 * events go to IVS_EVENT_SINK.
 */
export function mediaPlaneFor(config: AppConfig): { imports: NonNullable<DynamicModule['imports']>; migrations: Function[] } {
  if (config.mediaProvider !== 'local') return { imports: [], migrations: [] };
  if (!config.ivsEmulatorCredentials) throw new Error('Local mode needs the emulator credentials (loadConfig provides them).');
  // A standalone emulator (npm run emulator) holds the media and its own tables; this server only calls it.
  if (config.ivsEmulator) {
    const url = config.ivsEmulator.url;
    return {
      imports: [
        {
          module: LocalMediaPlaneModule,
          providers: [{ provide: LocalMediaPlane, useFactory: () => new RemoteMediaPlane(url) }],
          exports: [LocalMediaPlane],
        },
      ],
      migrations: [],
    };
  }
  const emulator = IvsEmulatorModule.forRoot({
    dataDir: config.dataDir,
    region: config.awsRegion,
    accountId: config.awsAccountId,
    publicUrl: config.publicUrl,
    credentials: config.ivsEmulatorCredentials,
    limits: config.ivsEmulatorLimits,
    // The local account's storage for participant recordings (what the CloudFormation stack makes on AWS).
    storageConfigurations: [LOCAL_PARTICIPANT_STORAGE],
    media: {
      ffmpegPath: config.ffmpegPath,
      packagedFfmpegPath: packagedFfmpegPath(),
      maxSubscribers: config.stageMaxSubscribers,
      rtmpPort: config.rtmpPort,
      rtmpHost: config.host,
      reconnectGraceMs: config.ingestReconnectGraceSeconds * 1000,
    },
  });
  return {
    imports: [
      {
        module: LocalMediaPlaneModule,
        imports: [emulator],
        providers: [
          {
            provide: LocalMediaPlane,
            inject: [ChannelIngestService, RtmpIngestServer],
            useFactory: (ingest: ChannelIngestService, rtmp: RtmpIngestServer) => new EmulatorMediaPlane(ingest, rtmp),
          },
        ],
        exports: [LocalMediaPlane],
      },
    ],
    migrations: ivsEmulatorMigrations,
  };
}

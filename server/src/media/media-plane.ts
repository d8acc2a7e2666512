import { DynamicModule } from '@nestjs/common';
import { IvsEmulatorModule, ivsEmulatorMigrations } from '@streamcat/ivs-emulator';
import type { AppConfig } from '../config/config';

/**
 * What local mode adds to the server: the embedded IVS emulator (mounted under /_ivs) with
 * its media plane (stage SFU, browser and RTMP ingest → HLS + recordings; docs/local-media.md) and its
 * migrations. On AWS nothing is added. The media plane's IVS events go to IVS_EVENT_SINK.
 */
export function mediaPlaneFor(config: AppConfig): { imports: NonNullable<DynamicModule['imports']>; migrations: Function[] } {
  if (config.mediaProvider !== 'local') return { imports: [], migrations: [] };
  if (!config.ivsEmulatorCredentials) throw new Error('Local mode needs the emulator credentials (loadConfig provides them).');
  return {
    imports: [
      IvsEmulatorModule.forRoot({
        dataDir: config.dataDir,
        region: config.awsRegion,
        accountId: config.awsAccountId,
        publicUrl: config.publicUrl,
        credentials: config.ivsEmulatorCredentials,
        media: {
          ffmpegPath: config.ffmpegPath,
          maxSubscribers: config.stageMaxSubscribers,
          rtmpPort: config.rtmpPort,
          rtmpHost: config.host,
        },
      }),
    ],
    migrations: ivsEmulatorMigrations,
  };
}

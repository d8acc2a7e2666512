import { Global, Module } from '@nestjs/common';
import type { ChannelType } from '@aws-sdk/client-ivs';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { IvsMediaProvider } from './ivs-media.provider';
import { MediaProvider } from './media-provider';
import { ServerAddress } from './server-address';

/** The one MediaProvider: real AWS, or the same SDK clients pointed at the emulator (embedded, or IVS_EMULATOR_URL). */
@Global()
@Module({
  providers: [
    ServerAddress,
    {
      provide: MediaProvider,
      inject: [APP_CONFIG, ServerAddress],
      useFactory: (config: AppConfig, address: ServerAddress) =>
        new IvsMediaProvider({
          region: config.awsRegion,
          channelType: config.ivsChannelType as ChannelType,
          recordingConfigurationArn: config.ivsRecordingConfigurationArn,
          storageConfigurationArn: config.ivsStorageConfigurationArn,
          rates: config.ivsApiRates,
          emulator:
            config.mediaProvider === 'local' && config.ivsEmulatorCredentials
              ? {
                  url: () => `${config.ivsEmulator?.url ?? address.loopbackUrl()}/_ivs`,
                  credentials: config.ivsEmulatorCredentials,
                }
              : undefined,
        }),
    },
  ],
  exports: [MediaProvider, ServerAddress],
})
export class MediaModule {}

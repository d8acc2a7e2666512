import { DynamicModule } from '@nestjs/common';
import { IvsEmulatorModule, ivsEmulatorMigrations } from '@streamcat/ivs-emulator';
import type { AppConfig } from '../config/config';

/**
 * What local mode adds to the server: the embedded IVS emulator (mounted under /_ivs)
 * and its migrations. On AWS nothing is added.
 */
export function mediaPlaneFor(config: AppConfig): { imports: NonNullable<DynamicModule['imports']>; migrations: Function[] } {
  if (config.mediaProvider !== 'local') return { imports: [], migrations: [] };
  return {
    imports: [
      IvsEmulatorModule.forRoot({
        dataDir: config.dataDir,
        region: config.awsRegion,
        accountId: config.awsAccountId,
        publicUrl: config.publicUrl,
      }),
    ],
    migrations: ivsEmulatorMigrations,
  };
}

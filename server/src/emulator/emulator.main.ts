import { Logger } from '@nestjs/common';
import { ConfigError } from '../config/config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../database/embedded-postgres';
import { AppLogger } from '../logging/app-logger';
import { createEmulatorApp } from './emulator.app';
import { loadEmulatorConfig } from './emulator.config';

/** `npm run emulator`: the IVS emulator alone, for replicas to share (see docs/local-media.md). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadEmulatorConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message.replace('Invalid configuration', 'Invalid IVS emulator configuration'));
      process.exit(1);
    }
    throw e;
  }
  Logger.overrideLogger(new AppLogger(config.logLevel));
  const log = new Logger('IvsEmulator');

  let embedded: EmbeddedPostgresHandle | undefined;
  const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort)).url;
  let app;
  try {
    app = await createEmulatorApp({ ...config, databaseUrl });
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
  log.log(
    `IVS emulator is up at ${config.publicUrl} (events to ${config.events.urls.join(', ')}; database: ${embedded ? 'embedded' : 'DATABASE_URL'})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal} received, shutting down`);
    await app.close().catch((e) => log.error(e));
    await embedded?.stop().catch((e) => log.error(e));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

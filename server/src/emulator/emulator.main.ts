import { Logger } from '@nestjs/common';
import { AppLogger } from '../logging/app-logger';
import { createEmulatorApp } from './emulator.app';
import { loadEmulatorConfig } from './emulator.config';
import { configOrExit, startOnDatabase, stopOnSignals } from '../process/process-lifecycle';

/** `npm run emulator`: the IVS emulator alone, for replicas to share (see docs/local-media.md). */
async function main(): Promise<void> {
  const config = configOrExit(() => loadEmulatorConfig(), 'IVS emulator configuration');
  Logger.overrideLogger(new AppLogger(config.logLevel));
  const log = new Logger('IvsEmulator');

  const { app, embedded } = await startOnDatabase(
    { url: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPostgresPort },
    (databaseUrl) => createEmulatorApp({ ...config, databaseUrl }),
  );
  log.log(
    `IVS emulator is up at ${config.publicUrl} (events to ${config.events.urls.join(', ')}; database: ${embedded ? 'embedded' : 'DATABASE_URL'})`,
  );

  stopOnSignals(log, [app, ...(embedded ? [{ close: () => embedded.stop() }] : [])]);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

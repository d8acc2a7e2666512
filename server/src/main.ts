// The pinned AWS SDK warns that Node 20 support ends in 2027; documented in the README.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppLogger } from './logging/app-logger';
import { loadConfig } from './config/config';
import { configOrExit, startOnDatabase, stopOnSignals } from './process/process-lifecycle';

async function main(): Promise<void> {
  const config = configOrExit(() => loadConfig());
  const log = new Logger('StreamCat');
  Logger.overrideLogger(new AppLogger(config.logLevel));

  const { app, embedded } = await startOnDatabase(
    { url: config.databaseUrl, dataDir: config.dataDir, embeddedPort: config.embeddedPostgresPort },
    (databaseUrl) => createApp({ ...config, databaseUrl }),
  );
  log.log(
    `StreamCat is up at ${config.publicUrl} (media: ${config.mediaProvider === 'local' ? 'local IVS emulation' : 'Amazon IVS'}; database: ${embedded ? `embedded, data in ${config.dataDir}` : 'DATABASE_URL'})`,
  );

  stopOnSignals(log, [app, ...(embedded ? [{ close: () => embedded.stop() }] : [])]);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

// The pinned AWS SDK warns that Node 20 support ends in 2027; documented in the README.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppLogger } from './logging/app-logger';
import { ConfigError, loadConfig } from './config/config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './database/embedded-postgres';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const log = new Logger('StreamCat');
  Logger.overrideLogger(new AppLogger(config.logLevel));

  let embedded: EmbeddedPostgresHandle | undefined;
  const databaseUrl = config.databaseUrl ?? (embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort)).url;

  let app;
  try {
    app = await createApp({ ...config, databaseUrl });
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
  log.log(
    `StreamCat is up at ${config.publicUrl} (media: ${config.mediaProvider === 'local' ? 'local IVS emulation' : 'Amazon IVS'}; database: ${embedded ? `embedded, data in ${config.dataDir}` : 'DATABASE_URL'})`,
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

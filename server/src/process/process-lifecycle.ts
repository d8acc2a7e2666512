import type { Logger } from '@nestjs/common';
import { ConfigError } from '../config/config';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../database/embedded-postgres';

/** The configuration, or the process ends printing every bad variable (a bad start must not look like a crash). */
export function configOrExit<T>(load: () => T, what = 'configuration'): T {
  try {
    return load();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message.replace('Invalid configuration', `Invalid ${what}`));
      process.exit(1);
    }
    throw e;
  }
}

/**
 * Ctrl-C and `docker stop`: close the app (its shutdown hooks end streams, sockets, timers), then
 * stop what it ran on (embedded PostgreSQL), then exit 0. A second signal meanwhile is ignored.
 */
export function stopOnSignals(log: Logger, steps: { close(): Promise<unknown> }[]): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal} received, shutting down`);
    for (const step of steps) await step.close().catch((e) => log.error(e));
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Creates the app on DATABASE_URL, or on an embedded PostgreSQL started first (stopped again if
 * the app cannot start, so a failed start leaves no database server behind).
 */
export async function startOnDatabase<A>(
  db: { url?: string; dataDir: string; embeddedPort: number },
  create: (url: string) => Promise<A>,
): Promise<{ app: A; embedded?: EmbeddedPostgresHandle }> {
  const embedded = db.url ? undefined : await startEmbeddedPostgres(db.dataDir, db.embeddedPort);
  try {
    return { app: await create(db.url ?? embedded!.url), embedded };
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
}

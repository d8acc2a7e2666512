// The pinned AWS SDK warns that Node 20 support ends in 2027; documented in the README.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Role } from '@streamcat/protocol';
import { AppConfig, loadConfig } from '../config/config';
import { dataSourceOptions } from '../database/data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from '../database/embedded-postgres';
import { runMigrations } from '../database/migrate';
import { RecordingUrls } from '../channels/recording-urls';
import { DomainEvents } from '../domain-events/domain-events';
import { AppError } from '../http/app-error';
import { IvsEventsService } from '../ivs-events/ivs-events.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { runningEmbeddedCluster } from './running-postgres';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  role <username> <user|moderator|admin>   set a user's role
  ivs-event <file.json>                    apply an IVS EventBridge event (or an array of them)
                                           through the same pipeline as POST /api/ivs/events
`;

/** Operator commands. Uses DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (running or not). */
export async function runCli(argv: string[], out: (s: string) => void = console.log): Promise<number> {
  const [command, ...args] = argv;
  if (command === 'role') {
    const [username, role] = args;
    const parsedRole = Role.safeParse(role);
    if (!username || !parsedRole.success) {
      out(USAGE);
      return 2;
    }
    return withDatabase(async (ds) => {
      const user = await new UsersService(ds.getRepository(User)).setRole(username, parsedRole.data).catch(() => null);
      if (!user) {
        out(`No user named "${username}".`);
        return 1;
      }
      out(`${user.username} is now ${user.role}.`);
      return 0;
    });
  }
  if (command === 'ivs-event') return ivsEvent(args[0], out);
  out(USAGE);
  return command ? 2 : 0;
}

/**
 * Runs the event service in this process on the same database. Domain events it publishes
 * stay in this process: a running server sees the new rows, not a push.
 */
async function ivsEvent(file: string | undefined, out: (s: string) => void): Promise<number> {
  if (!file) {
    out(USAGE);
    return 2;
  }
  let body: unknown;
  try {
    body = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    out(`Cannot read ${file}: ${(e as Error).message}`);
    return 1;
  }
  const config = loadConfig();
  return withDatabase(async (ds) => {
    const service = new IvsEventsService(ds, new RecordingUrls(config), new DomainEvents());
    try {
      const report = await service.ingest(body, 'cli');
      for (const r of report.results) out(`${r.id}: ${r.outcome}`);
      return 0;
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out(`${e.code}: ${e.message}`);
      return 1;
    }
  });
}

async function withDatabase(fn: (ds: DataSource) => Promise<number>): Promise<number> {
  const config = loadConfig();
  let embedded: EmbeddedPostgresHandle | undefined;
  const url = config.databaseUrl ?? (await runningEmbeddedUrl(config)) ?? (embedded = await startOwnEmbedded(config)).url;
  try {
    await runMigrations(url);
    const ds = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  } finally {
    await embedded?.stop();
  }
}

/**
 * If `npm start` is running, its embedded PostgreSQL is already up: use it rather than a second
 * copy. Its port is read from the cluster's lock file, since the server may have been started
 * with another EMBEDDED_POSTGRES_PORT than this shell has.
 */
async function runningEmbeddedUrl(config: AppConfig): Promise<string | undefined> {
  const secret = join(config.dataDir, 'secrets', 'postgres-password');
  const lock = runningEmbeddedCluster(config.dataDir);
  if (!lock || !existsSync(secret)) return undefined;
  const url = `postgres://postgres:${encodeURIComponent(readFileSync(secret, 'utf8').trim())}@127.0.0.1:${lock.port}/streamcat`;
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await c.connect();
    await c.end();
    return url;
  } catch (e) {
    throw new Error(
      `The embedded PostgreSQL of ${config.dataDir} runs (pid ${lock.pid}, port ${lock.port}) but refused this tool's connection ` +
        `(${(e as Error).message}); run the CLI with the same DATA_DIR as the server, or set DATABASE_URL.`,
    );
  }
}

/** No server running: start the cluster for the length of the command. */
async function startOwnEmbedded(config: AppConfig): Promise<EmbeddedPostgresHandle> {
  try {
    return await startEmbeddedPostgres(config.dataDir, config.embeddedPostgresPort);
  } catch (e) {
    // The package rejects with nothing when postgres exits at once: say what we tried.
    const why = e instanceof Error ? e.message : 'PostgreSQL exited at once';
    throw new Error(
      `Could not start the embedded PostgreSQL of ${config.dataDir} on port ${config.embeddedPostgresPort} (${why}); ` +
        `if it is in use, set EMBEDDED_POSTGRES_PORT, or set DATABASE_URL.`,
    );
  }
}

if (require.main === module) {
  Logger.overrideLogger(['fatal', 'error', 'warn']);
  runCli(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : `Failed: ${String(e)}`);
      process.exit(1);
    });
}

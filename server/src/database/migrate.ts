import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';

// Any constant works; it only has to be the same for every replica of this app.
const MIGRATION_LOCK = 7_316_824_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so replicas starting
 * together apply each migration exactly once.
 */
export async function runMigrations(url: string, extraMigrations: DataSourceOptions['migrations'] = []): Promise<string[]> {
  const base = dataSourceOptions(url);
  const ds = new DataSource({ ...base, migrations: [...(base.migrations as []), ...(extraMigrations as [])] } as DataSourceOptions);
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const done = await ds.runMigrations({ transaction: 'each' });
      return done.map((m) => m.name);
    } finally {
      await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await ds.destroy();
  }
}

type DataSourceOptions = import('typeorm').DataSourceOptions;

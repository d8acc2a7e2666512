import type { DataSource, EntityManager } from 'typeorm';

/** Either the DataSource or a transaction's manager: both run raw SQL the same way. */
export type Sql = Pick<DataSource | EntityManager, 'query'>;

/**
 * Runs SQL and returns its rows. TypeORM's postgres driver answers UPDATE/DELETE with
 * `[rows, rowCount]` but SELECT/INSERT with `rows`; this hides the difference.
 */
export async function queryRows<T>(sql: Sql, text: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await sql.query(text, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return (result ?? []) as T[];
}

export async function queryOne<T>(sql: Sql, text: string, params: unknown[] = []): Promise<T | undefined> {
  return (await queryRows<T>(sql, text, params))[0];
}

/** PostgreSQL's unique_violation, surfaced through TypeORM's QueryFailedError. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = e?.driverError?.code ?? e?.code;
  const name = e?.driverError?.constraint ?? e?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}

/**
 * Serialises transactions that share `key` until they end (pg_advisory_xact_lock): a quota is
 * counted and the new row inserted under it, so replicas creating at once cannot both fit.
 */
export async function lockForTransaction(tx: Sql, key: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [key]);
}

/** A count(*) query's single number. */
export async function countOf(sql: Sql, text: string, params: unknown[] = []): Promise<number> {
  const row = await queryOne<{ n: string | number }>(sql, text, params);
  return Number(row?.n ?? 0);
}

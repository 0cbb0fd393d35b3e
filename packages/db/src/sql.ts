import pg from 'pg';

/**
 * A plain pg pool for the hot paths (authentication, ingest, delivery).
 * Prisma's query compiler costs about 1 ms of CPU per query here; these few
 * statements run thousands of times a second, so they are written as SQL
 * against the same database. Everything else goes through Prisma.
 *
 * Each hot statement carries a `name` (`herald_…`), so pg prepares it once per
 * connection: parsing, analysis and planning were ~45 % of PostgreSQL's CPU
 * per event before (bench/results/2026-11-23.md). A name must stay unique to
 * its text: pg refuses a known name with different text.
 */
export type Sql = pg.Pool;

/** What runs a statement: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

/** Runs `fn` in one transaction on one client of the pool (committed when it resolves, rolled back when it throws). */
export async function withTransaction<T>(sql: Sql, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface CreateSqlPoolOptions {
  databaseUrl: string;
  max?: number;
  applicationName?: string;
}

export function createSqlPool({ databaseUrl, max = 10, applicationName }: CreateSqlPoolOptions): Sql {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: applicationName });
  // An idle client that loses its connection emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

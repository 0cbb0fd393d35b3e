import pg from 'pg';

/**
 * A plain pg pool for the hot paths (authentication, ingest, delivery).
 * Prisma's query compiler costs about 1 ms of CPU per query here; these few
 * statements run thousands of times a second, so they are written as SQL
 * against the same database. Everything else goes through Prisma.
 */
export type Sql = pg.Pool;

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

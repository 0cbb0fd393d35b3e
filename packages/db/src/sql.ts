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
  /**
   * Settings every connection of the pool takes for its whole session
   * (`set_config(name, value, false)`) as part of connecting, so before its
   * first statement. A connection whose settings fail is closed, and the
   * statement waiting for it fails as if PostgreSQL had refused it.
   */
  settings?: Readonly<Record<string, string>>;
}

export function createSqlPool({ databaseUrl, max = 10, applicationName, settings = {} }: CreateSqlPoolOptions): Sql {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    application_name: applicationName,
    ...(Object.keys(settings).length > 0 ? { Client: clientWithSettings(settings) } : {}),
  });
  // An idle client that loses its connection emits 'error' on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * A pg client whose connect() also gives its session `settings`: the pool
 * hands a connection out only once connect() is done, so no statement runs
 * before them. A connection whose settings fail is closed and its connect()
 * fails, as if PostgreSQL had refused it.
 */
function clientWithSettings(settings: Readonly<Record<string, string>>): typeof pg.Client {
  const names = Object.keys(settings);
  const text = `SELECT ${names.map((_, i) => `set_config($${2 * i + 1}, $${2 * i + 2}, false)`).join(', ')}`;
  const values = names.flatMap((name) => [name, settings[name]]);
  return class ClientWithSettings extends pg.Client {
    override connect(): Promise<pg.Client>;
    override connect(callback: ((error: Error) => void) | ((error: null, client: pg.Client) => void)): void;
    override connect(callback?: ((error: Error) => void) | ((error: null, client: pg.Client) => void)): Promise<pg.Client> | void {
      const ready = super.connect().then(async () => {
        try {
          await this.query(text, values);
        } catch (error) {
          await this.end().catch(() => undefined);
          throw error;
        }
        return this;
      });
      if (!callback) return ready;
      ready.then(
        (client) => (callback as (error: null, client: pg.Client) => void)(null, client),
        (error: Error) => (callback as (error: Error) => void)(error),
      );
    }
  };
}

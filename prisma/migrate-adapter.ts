// The driver adapter the Prisma CLI (WASM schema engine, `engine: "js"`) migrates with.
// Used only by prisma.config.ts; the applications use a plain PrismaPg (packages/db).
//
// It works around three bugs of @prisma/adapter-pg 6.19.3 (docs/development.md):
//  1. catalog columns of type `name` (OID 19) and `"char"` (OID 18) are rejected
//     ("Column type 'name' could not be deserialized", prisma/orm#27403): every pg
//     client of our pools reports them as `text` (and `name[]` as `text[]`), and the
//     adapter then reports a `"char"` column to the engine as Character (on text the
//     engine panics reading pg_constraint.contype: `migrate diff` with a CHECK constraint);
//  2. `executeScript` splits scripts on every `;` (breaks `DEFAULT 'a;b'` and `$$` bodies):
//     the whole script is sent as one simple-protocol query, as the native engine does;
//  3. the shadow database is dropped before its pool is closed ("being accessed by other
//     users"): we create it ourselves and, on dispose, close its pool first, then drop it.
// It connects with discrete host/port/user/password/database fields (with `pg`, a
// connection string overrides `database`, which would aim the shadow pool at the real
// database) and `allowExitOnIdle`, so CLI commands exit as soon as they are done.
import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;
type PgFieldLike = { dataTypeID: number };
type PgResultLike = { fields?: PgFieldLike[]; rows?: unknown[][] | Record<string, unknown>[] };

const OID_CHAR = 18;
const OID_NAME = 19;
const OID_TEXT = 25;
const OID_NAME_ARRAY = 1003;
const OID_TEXT_ARRAY = 1009;
// ColumnTypeEnum.Character of @prisma/driver-adapter-utils 6.19.3 (adapter-pg never reports it).
const COLUMN_TYPE_CHARACTER = 6;
/** Marks a field that PostgreSQL sent as `"char"` and this module reports as text. */
const CATALOG_CHAR = Symbol('catalogChar');
const parseTextArray = (pg.types.getTypeParser as (oid: number) => (value: string) => unknown)(OID_TEXT_ARRAY);

class AdapterInternalsChanged extends Error {
  constructor(what: string) {
    super(
      `prisma/migrate-adapter.ts: @prisma/adapter-pg no longer behaves as this workaround expects ` +
        `(${what}). It was written for @prisma/adapter-pg 6.19.3; review the workarounds against ` +
        `the installed version before migrating.`,
    );
    this.name = 'AdapterInternalsChanged';
  }
}

/** Reports `name`/`"char"` columns as `text` (and `name[]` as `text[]`) in one pg result. */
function catalogTypesAsText(result: unknown): unknown {
  for (const res of Array.isArray(result) ? result : [result]) {
    const { fields, rows } = (res ?? {}) as PgResultLike;
    if (!Array.isArray(fields)) continue;
    fields.forEach((field, i) => {
      if (field.dataTypeID === OID_NAME || field.dataTypeID === OID_CHAR) {
        if (field.dataTypeID === OID_CHAR) (field as unknown as Record<symbol, boolean>)[CATALOG_CHAR] = true;
        field.dataTypeID = OID_TEXT;
      } else if (field.dataTypeID === OID_NAME_ARRAY) {
        // pg leaves name[] unparsed ("{a,b}"); parse it as the text[] it is reported as.
        field.dataTypeID = OID_TEXT_ARRAY;
        for (const row of rows ?? []) {
          const cells = row as Record<string | number, unknown>;
          const key = Array.isArray(row) ? i : (fields[i] as unknown as { name: string }).name;
          if (typeof cells[key] === 'string') cells[key] = parseTextArray(cells[key] as string);
        }
      }
    });
  }
  return result;
}

/** A pg client whose query results never carry the `name`/`"char"` types adapter-pg rejects. */
class CatalogTypesAsTextClient extends pg.Client {
  // pg's query() has many overloads; this wrapper keeps every call form working.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config?.submit === 'function') return super.query(config, values, callback);
    if (typeof values === 'function') {
      callback = values;
      values = undefined;
    }
    if (typeof callback === 'function') {
      const done = callback as (err: Error | null, res: unknown) => void;
      return super.query(config, values, (err: Error | null, res: unknown) =>
        done(err, err ? res : catalogTypesAsText(res)),
      );
    }
    const pending = super.query(config, values) as unknown;
    return pending instanceof Promise ? pending.then(catalogTypesAsText) : pending;
  }
}

export type ConnectionFields = pg.PoolConfig & { database: string };

/** Splits a postgres:// URL into the discrete fields `pg` takes (plus the `schema` param). */
export function connectionFields(databaseUrl: string): { config: ConnectionFields; schema?: string } {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgresql://user@host:port/database)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// (got ${url.protocol}//)`);
  }
  const params = url.searchParams;
  const user = decodeURIComponent(url.username) || undefined;
  const config: ConnectionFields = {
    host: params.get('host') ?? (url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    user,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || user || 'postgres',
    application_name: params.get('application_name') ?? 'prisma-migrate',
  };
  const sslmode = params.get('sslmode');
  if (sslmode === 'require' || sslmode === 'prefer' || sslmode === 'no-verify') {
    config.ssl = { rejectUnauthorized: false };
  } else if (sslmode === 'verify-ca' || sslmode === 'verify-full') {
    config.ssl = true;
  }
  const timeout = params.get('connect_timeout');
  if (timeout) config.connectionTimeoutMillis = Number(timeout) * 1000;
  return { config, schema: params.get('schema') ?? undefined };
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** PrismaPg for the Prisma CLI, with the three migrate workarounds described above. */
export class MigratePg extends PrismaPg {
  readonly #config: ConnectionFields;
  readonly #schema: string | undefined;

  constructor(databaseUrl: string) {
    const { config, schema } = connectionFields(databaseUrl);
    const poolConfig: ConnectionFields = {
      ...config,
      max: 4,
      allowExitOnIdle: true,
      Client: CatalogTypesAsTextClient as unknown as typeof pg.Client,
    };
    super(poolConfig, { schema });
    this.#config = poolConfig;
    this.#schema = schema;
    for (const method of ['connect', 'connectToShadowDb'] as const) {
      if (typeof PrismaPg.prototype[method] !== 'function') {
        throw new AdapterInternalsChanged(`PrismaPg.prototype.${method} is missing`);
      }
    }
  }

  override async connect(): Promise<PgAdapter> {
    return this.#patch(await super.connect());
  }

  override async connectToShadowDb(): Promise<PgAdapter> {
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await this.#admin(`CREATE DATABASE ${quoteIdent(database)}`);
    try {
      const pool = new pg.Pool({ ...this.#config, database });
      const adapter = this.#patch(
        await new PrismaPg(pool, { schema: this.#schema, disposeExternalPool: true }).connect(),
        pool,
      );
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        try {
          await dispose(); // ends the shadow pool (disposeExternalPool) ...
        } finally {
          await this.#admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`); // ... then drops it
        }
      };
      return adapter;
    } catch (error) {
      await this.#admin(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`).catch(() => undefined);
      throw error;
    }
  }

  /** One statement on a short-lived connection to the configured (main) database. */
  async #admin(sql: string): Promise<void> {
    const client = new pg.Client(this.#config);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  #patch(adapter: PgAdapter, expectedPool?: pg.Pool): PgAdapter {
    for (const method of ['executeScript', 'executeRaw', 'dispose', 'underlyingDriver'] as const) {
      if (typeof adapter[method] !== 'function') {
        throw new AdapterInternalsChanged(`the adapter has no ${method}() method`);
      }
    }
    const pool = adapter.underlyingDriver() as pg.Pool & { Client?: unknown };
    if (!(pool instanceof pg.Pool) || (expectedPool ? pool !== expectedPool : pool.Client !== CatalogTypesAsTextClient)) {
      // Workaround 1 relies on the adapter querying through a pg.Pool built from our config.
      throw new AdapterInternalsChanged('the adapter does not query through a pg.Pool built from our config');
    }
    // Workaround 2: the whole script in one query. With no parameters pg uses the simple query
    // protocol, which runs a multi-statement script (in one implicit transaction unless the
    // script has its own BEGIN/COMMIT), exactly as the native schema engine sends migrations.
    // executeRaw converts PostgreSQL errors into the adapter's errors, as executeScript did.
    adapter.executeScript = async (script: string): Promise<void> => {
      if (script.trim() === '') return;
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    };
    // Workaround 1, second half: the schema engine reads a `"char"` catalog column (e.g.
    // pg_constraint.contype, which it reads for CHECK constraints) as a character and panics
    // ("RuntimeError: unreachable") on text. Report those columns as Character: performIO
    // still sees which fields were `"char"`, queryRaw's result then gets their type back.
    const io = adapter as unknown as { performIO?: (query: object) => Promise<{ fields?: object[] }> };
    if (typeof io.performIO !== 'function' || typeof adapter.queryRaw !== 'function') {
      throw new AdapterInternalsChanged('the adapter has no performIO() or queryRaw() method');
    }
    const performIO = io.performIO.bind(adapter);
    const charColumns = new WeakMap<object, number[]>();
    io.performIO = async (query) => {
      const result = await performIO(query);
      // A multi-statement script (executeScript above) answers with an array: no catalog read.
      const chars = (Array.isArray(result?.fields) ? result.fields : []).flatMap((field, i) => ((field as Record<symbol, boolean>)[CATALOG_CHAR] ? [i] : []));
      if (chars.length > 0) charColumns.set(query, chars);
      return result;
    };
    const queryRaw = adapter.queryRaw.bind(adapter);
    adapter.queryRaw = async (query) => {
      const result = await queryRaw(query);
      for (const i of charColumns.get(query) ?? []) {
        (result.columnTypes as number[])[i] = COLUMN_TYPE_CHARACTER;
      }
      return result;
    };
    return adapter;
  }
}

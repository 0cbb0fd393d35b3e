// Database creation and migrations. Migrations are applied by the Prisma CLI
// (`prisma migrate deploy`, configured by the repository's prisma.config.ts); the admin
// statements around it (CREATE/DROP DATABASE, locks) use `pg` directly.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/herald';
const DEFAULT_TEST_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Serialises the building of test template databases across processes (jest workers). */
const TEMPLATE_LOCK_KEY = 0x6865_7261_6c64n; // "herald"
const DEPLOY_TIMEOUT_MS = 180_000;

let rootCache: string | undefined;

/** The repository root: the nearest ancestor of this file holding prisma.config.ts. */
export function repoRoot(): string {
  if (rootCache) return rootCache;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'prisma.config.ts'))) return (rootCache = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('@herald/db: cannot find the repository root (prisma.config.ts)');
    dir = parent;
  }
}

function migrationsDir(): string {
  return path.join(repoRoot(), 'prisma', 'migrations');
}

function parseUrl(databaseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('database URL is not a valid URL (expected postgresql://user@host:port/database)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`database URL must start with postgresql:// (got ${url.protocol}//)`);
  }
  return url;
}

/** The database a URL names. */
export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(parseUrl(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error('database URL names no database');
  return name;
}

/** The same server and credentials as `databaseUrl`, another database. */
export function withDatabase(databaseUrl: string, database: string): string {
  const url = parseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'herald-db-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return (rowCount ?? 0) > 0;
}

/**
 * Creates the database `databaseUrl` names if it does not exist, connecting to the
 * `postgres` maintenance database of the same server. Resolves to true if it created it.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  return withClient(withDatabase(databaseUrl, 'postgres'), async (client) => {
    if (await databaseExists(client, name)) return false;
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === '42P04') return false; // created meanwhile
      throw error;
    }
  });
}

async function appliedMigrations(databaseUrl: string): Promise<Set<string>> {
  const schema = parseUrl(databaseUrl).searchParams.get('schema') ?? 'public';
  return withClient(databaseUrl, async (client) => {
    const table = `${quoteIdent(schema)}."_prisma_migrations"`;
    const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      table,
    ]);
    if (!rows[0]?.exists) return new Set<string>();
    const result = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM ${table} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    return new Set(result.rows.map((row) => row.migration_name));
  });
}

function prismaCli(): string {
  const require = createRequire(path.join(repoRoot(), 'package.json'));
  const manifestPath = require.resolve('prisma/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.prisma;
  if (!bin) throw new Error('@herald/db: the installed prisma package has no CLI');
  return path.join(path.dirname(manifestPath), bin);
}

// Printed by `prisma migrate deploy` once it has finished successfully.
const DEPLOY_DONE = /^(All migrations have been successfully applied\.|No pending migrations to apply\.)\s*$/m;

/** Runs `prisma migrate deploy` against `databaseUrl`; resolves to its output. */
function runMigrateDeploy(databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli(), 'migrate', 'deploy'], {
      cwd: repoRoot(),
      env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let done = false;
    let timedOut = false;
    // Prisma 6.19's WASM schema engine leaves a 10 s timer (its advisory-lock timeout) pending,
    // so a successful deploy idles ~10 s before the CLI exits. Once the CLI has printed its
    // final success line there is nothing left to wait for: end it shortly after.
    let graceTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!done && DEPLOY_DONE.test(output)) {
        done = true;
        graceTimer = setTimeout(() => child.kill('SIGTERM'), 300);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const overall = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, DEPLOY_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(overall);
      clearTimeout(graceTimer);
      reject(new Error(`prisma migrate deploy could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(overall);
      clearTimeout(graceTimer);
      if (code === 0 || (done && signal === 'SIGTERM')) {
        resolve(output);
      } else {
        const how = timedOut ? `timed out after ${DEPLOY_TIMEOUT_MS} ms` : `exited with ${signal ?? `code ${code}`}`;
        reject(new Error(`prisma migrate deploy ${how}:\n${output.trim()}`));
      }
    });
  });
}

export interface ApplyMigrationsResult {
  /** Migrations this run applied (none when the database was up to date). */
  applied: string[];
  /** What the Prisma CLI printed. */
  output: string;
}

/**
 * Applies pending migrations (prisma/migrations) to an existing database with
 * `prisma migrate deploy`. Rejects with the CLI's output if it fails.
 */
export async function applyMigrations(databaseUrl: string): Promise<ApplyMigrationsResult> {
  const before = await appliedMigrations(databaseUrl);
  const output = await runMigrateDeploy(databaseUrl);
  const after = await appliedMigrations(databaseUrl);
  return { applied: [...after].filter((name) => !before.has(name)).sort(), output };
}

/** Short hash of everything in prisma/migrations: names the matching template database. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string, rel: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), relPath);
      else if (entry.isFile()) hash.update(`${relPath}\0`).update(readFileSync(path.join(dir, entry.name))).update('\0');
    }
  };
  walk(migrationsDir(), '');
  return hash.digest('hex').slice(0, 16);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Retries `fn` while the database is still in use by sessions being terminated. */
async function whileInUse(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await sleep(100);
    }
  }
}

const templates = new Map<string, Promise<string>>();

/**
 * A fully migrated template database for the current migrations, `herald_tpl_<hash>`,
 * built once per server and migrations content (under an advisory lock, so parallel
 * processes build it once). It is built under another name and renamed when complete.
 */
function ensureTemplate(serverUrl: string): Promise<string> {
  const name = `herald_tpl_${migrationsHash()}`;
  const key = `${serverUrl}\0${name}`;
  let pending = templates.get(key);
  if (!pending) {
    pending = buildTemplate(serverUrl, name);
    pending.catch(() => templates.delete(key));
    templates.set(key, pending);
  }
  return pending;
}

async function buildTemplate(serverUrl: string, name: string): Promise<string> {
  return withClient(serverUrl, async (client) => {
    if (await databaseExists(client, name)) return name;
    await client.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY.toString()]);
    try {
      if (await databaseExists(client, name)) return name; // built by another process meanwhile
      const building = `${name}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`); // a crashed build
      await client.query(`CREATE DATABASE ${quoteIdent(building)}`);
      try {
        await applyMigrations(withDatabase(serverUrl, building));
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [building]);
        await whileInUse(() => client.query(`ALTER DATABASE ${quoteIdent(building)} RENAME TO ${quoteIdent(name)}`));
      } catch (error) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(building)} WITH (FORCE)`).catch(() => undefined);
        throw error;
      }
      // Nobody may connect to the template, so copying it never fails for "other users".
      await client.query(`ALTER DATABASE ${quoteIdent(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      return name;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY.toString()]);
    }
  });
}

export interface TestDatabase {
  /** Connection URL of the new, fully migrated database. */
  url: string;
  /** Its name, `herald_test_<random>`. */
  name: string;
  /** Terminates its connections and drops it. */
  drop(): Promise<void>;
}

/**
 * Creates a fully migrated, uniquely named database `herald_test_<random>` on the server of
 * HERALD_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres), as a
 * copy of a template database that is migrated once per migrations content.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.HERALD_TEST_DATABASE_URL || DEFAULT_TEST_SERVER_URL;
  const template = await ensureTemplate(serverUrl);
  const name = `herald_test_${randomBytes(8).toString('hex')}`;
  await withClient(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`),
  );
  return {
    url: withDatabase(serverUrl, name),
    name,
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
  };
}

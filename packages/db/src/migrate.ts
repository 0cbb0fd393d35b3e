// Database creation and migrations. Migrations are applied by the Prisma CLI
// (`prisma migrate deploy`, configured by the repository's prisma.config.ts); the admin
// statements around it (CREATE/DROP DATABASE, locks) use `pg` directly.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/herald';
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

/** prisma/migrations of the repository. */
export function migrationsDir(): string {
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

/** A PostgreSQL identifier, quoted. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Runs `fn` on a connection of its own, closed after (for admin statements: CREATE/DROP DATABASE, locks). */
export async function withClient<T>(databaseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'herald-db-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Whether the server has this database. */
export async function databaseExists(client: pg.Client, name: string): Promise<boolean> {
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

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { applyMigrations, databaseExists, migrationsDir, quoteIdent, withClient, withDatabase } from '@herald/db';

const DEFAULT_TEST_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** Serialises the building of test template databases across processes (jest workers). */
const TEMPLATE_LOCK_KEY = 0x6865_7261_6c64n; // "herald"

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

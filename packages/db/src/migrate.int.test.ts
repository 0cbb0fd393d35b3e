// Integration test against a real PostgreSQL (HERALD_TEST_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { applyMigrations, databaseExists as exists, ensureDatabase, withClient, withDatabase } from './migrate.js';

const serverUrl = process.env.HERALD_TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));
const migrationNames = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const query = async <R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> => withClient(url, async (c) => (await c.query<R>(sql)).rows);
const databaseExists = (name: string) => withClient(serverUrl, (c) => exists(c, name));

async function dropDatabase(name: string): Promise<void> {
  await query(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

test('the repository has an init migration', () => {
  expect(migrationNames.some((name) => /^\d{14}_init$/.test(name))).toBe(true);
  expect(path.basename(path.dirname(migrationsDir))).toBe('prisma');
});

describe('ensureDatabase + applyMigrations', () => {
  const name = `herald_test_${randomBytes(8).toString('hex')}`;
  const url = withDatabase(serverUrl, name);

  afterAll(async () => {
    await dropDatabase(name);
  });

  test(
    'create and migrate a fresh database, idempotently',
    async () => {
      expect(await databaseExists(name)).toBe(false);
      expect(await ensureDatabase(url)).toBe(true);
      expect(await ensureDatabase(url)).toBe(false);
      expect(await databaseExists(name)).toBe(true);

      const first = await applyMigrations(url);
      expect(first.applied).toEqual(migrationNames);
      const tables = await query(url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'tenants'");
      expect(tables).toHaveLength(1);

      const second = await applyMigrations(url);
      expect(second.applied).toEqual([]);
      expect(second.output).toMatch(/No pending migrations to apply/);
    },
    120_000,
  );

  test('applyMigrations rejects with the CLI output when a migration fails', async () => {
    const broken = `herald_test_${randomBytes(8).toString('hex')}`;
    const brokenUrl = withDatabase(serverUrl, broken);
    try {
      await ensureDatabase(brokenUrl);
      // A schema with tables but no migrations history: Prisma refuses to deploy (P3005).
      await query(brokenUrl, 'CREATE TABLE tenants (id int)');
      await expect(applyMigrations(brokenUrl)).rejects.toThrow(
        /prisma migrate deploy exited with code 1:[\s\S]*P3005[\s\S]*schema is not empty/,
      );
    } finally {
      await dropDatabase(broken);
    }
  }, 60_000);

  test('applyMigrations rejects when the database does not exist', async () => {
    const missing = withDatabase(serverUrl, `herald_test_missing_${randomBytes(4).toString('hex')}`);
    await expect(applyMigrations(missing)).rejects.toThrow(/does not exist/);
  });
});

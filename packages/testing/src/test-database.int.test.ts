// Integration test against a real PostgreSQL (HERALD_TEST_DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres).
import { readdirSync } from 'node:fs';
import { createPrismaClient, databaseExists as exists, migrationsDir, withClient } from '@herald/db';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from './test-database.js';

const serverUrl = process.env.HERALD_TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const migrationNames = readdirSync(migrationsDir(), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const query = async <R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> => withClient(url, async (c) => (await c.query<R>(sql)).rows);
const databaseExists = (name: string) => withClient(serverUrl, (c) => exists(c, name));

describe('createTestDatabase', () => {
  let db: TestDatabase | undefined;

  afterAll(async () => {
    await db?.drop();
  });

  test('gives a fully migrated database', async () => {
    db = await createTestDatabase();
    expect(db.name).toMatch(/^herald_test_[0-9a-f]+$/);
    const tables = await query<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['tenants', 'api_keys', 'endpoints', 'events', 'deliveries', 'attempts', '_prisma_migrations']),
    );
    const applied = await query<{ migration_name: string }>(
      db.url,
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
    expect(applied.map((m) => m.migration_name)).toEqual(migrationNames);
  });

  test('a PrismaClient from createPrismaClient reads and writes it', async () => {
    const prisma = createPrismaClient({ databaseUrl: db!.url, poolMax: 2, applicationName: 'herald-db-test' });
    try {
      const created = await prisma.tenant.create({ data: { id: 'ten_test', name: 'Acme; Inc.' } });
      expect(created).toMatchObject({ id: 'ten_test', name: 'Acme; Inc.' });
      expect(created.createdAt).toBeInstanceOf(Date);
      const found = await prisma.tenant.findUnique({ where: { id: 'ten_test' } });
      expect(found).toEqual(created);
      const [{ application_name }] = await prisma.$queryRaw<{ application_name: string }[]>`
        SELECT current_setting('application_name') AS application_name`;
      expect(application_name).toBe('herald-db-test');
    } finally {
      await prisma.$disconnect();
    }
  });

  test('each call gives a separate database; drop() removes it', async () => {
    const other = await createTestDatabase();
    try {
      expect(other.name).not.toBe(db!.name);
      expect(await databaseExists(other.name)).toBe(true);
      // An open connection does not prevent the drop.
      const client = new pg.Client({ connectionString: other.url });
      await client.connect();
      client.on('error', () => undefined);
      await other.drop();
      await client.end().catch(() => undefined);
      expect(await databaseExists(other.name)).toBe(false);
      await other.drop(); // idempotent
    } finally {
      await other.drop();
    }
  });
});


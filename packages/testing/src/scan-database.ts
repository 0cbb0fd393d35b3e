import { createPrismaClient, createSqlPool, type PrismaClient, type Sql } from '@herald/db';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A fresh database with one tenant and its endpoints, where a scan test seeds its rows. */
export interface ScanTestDatabase {
  database: TestDatabase;
  db: PrismaClient;
  /** One connection: explainStatements runs its statements there. */
  sql: Sql;
  /** Closes both clients and drops the database. */
  close(): Promise<void>;
}

/**
 * For the tests that seed many rows with SQL and check what a scan over them
 * reads: a fresh database holding the tenant `tenantId` (one event type,
 * `a.b`) and the endpoints `endpointIds` (every event type, `ordering` as given).
 */
export async function scanTestDatabase(tenantId: string, endpointIds: readonly string[], { ordering = 'none' }: { ordering?: 'none' | 'fifo' } = {}): Promise<ScanTestDatabase> {
  const database = await createTestDatabase();
  const db = createPrismaClient({ databaseUrl: database.url });
  const sql = createSqlPool({ databaseUrl: database.url, max: 1 });
  const close = async () => {
    await sql.end();
    await db.$disconnect();
    await database.drop();
  };
  try {
    await db.tenant.create({ data: { id: tenantId, name: 'Scan', eventTypes: { create: [{ name: 'a.b' }] } } });
    for (const id of endpointIds) {
      await db.endpoint.create({
        data: { id, tenantId, url: 'https://x.example', events: ['*'], secretCiphertext: 'c', secretPrefix: 'p', schemaVersion: '2025-01-01', ordering },
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { database, db, sql, close };
}

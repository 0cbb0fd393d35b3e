import { newId } from '@herald/core';
import { createPrismaClient, createSqlPool, insertEvents, type NewEvent, type PrismaClient, type Sql } from '@herald/db';
import { createTestDatabase, type TestDatabase } from '@herald/testing';
import { createEventStore } from './event-store.js';

describe('createEventStore: group commit across requests', () => {
  let database: TestDatabase;
  let db: PrismaClient;
  let sql: Sql;
  let statements: string[];
  const tenantId = 'tnt_store';
  let version: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient({ databaseUrl: database.url });
    sql = createSqlPool({ databaseUrl: database.url });
    const query = sql.query.bind(sql) as (...args: unknown[]) => Promise<unknown>;
    statements = [];
    // Count what reaches PostgreSQL.
    (sql as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args) => {
      const config = args[0] as { name?: string } | string;
      statements.push(typeof config === 'string' ? config : (config.name ?? 'unnamed'));
      return query(...args);
    };
    await db.tenant.create({ data: { id: tenantId, name: 'S', eventTypes: { create: [{ name: 'a.b' }] } } });
    await db.apiKey.create({ data: { id: 'key_store', tenantId, name: 'k', scope: 'ingest', keyPrefix: 'p', keyDigest: 'digest_store' } });
    await db.endpoint.create({
      data: { id: 'ep_store', tenantId, url: 'https://x.example', events: ['*'], secretCiphertext: 'c', secretPrefix: 'p', schemaVersion: '2025-01-01' },
    });
    version = String((await db.tenant.findUniqueOrThrow({ where: { id: tenantId } })).configVersion);
  });
  afterAll(async () => {
    await sql.end();
    await db.$disconnect();
    await database.drop();
  });

  const event = (idempotencyKey: string | null = null): NewEvent => ({
    id: newId('evt'),
    eventType: 'a.b',
    channels: [],
    orderingKey: null,
    idempotencyKey,
    payload: '{}',
    occurredAt: null,
    createdAt: new Date(),
    deliveries: [{ id: newId('dlv'), endpointId: 'ep_store', maxAttempts: 3, orderingKey: null }],
  });

  it('stores the calls of one turn with one statement and answers each caller its own events', async () => {
    const store = createEventStore(sql);
    const guard = { keyId: 'key_store', version };
    const calls = [[event()], [event(), event()], [event('same')], [event('same')]];
    statements.length = 0;
    const outcomes = await Promise.all(calls.map((rows) => store(tenantId, rows, guard)));
    expect(statements.filter((s) => s === 'herald_insert_events')).toHaveLength(1);

    outcomes.forEach((outcome, i) => {
      if (!outcome.ok) throw new Error('guard failed');
      expect(outcome.stored.map((s) => s.id)).toEqual(
        i === 3 ? [calls[2]![0]!.id] : calls[i]!.map((e) => e.id), // the second 'same' is a duplicate of the first
      );
    });
    expect((outcomes[3] as { stored: { status: string }[] }).stored[0]!.status).toBe('duplicate');
    expect(await db.event.count({ where: { tenantId } })).toBe(4);
    expect(await db.delivery.count({ where: { tenantId } })).toBe(4);
  });

  it('keeps calls under different guards apart: a stale one stores nothing, the current one is stored', async () => {
    const store = createEventStore(sql);
    const before = await db.event.count({ where: { tenantId } });
    const [stale, current] = await Promise.all([
      store(tenantId, [event()], { keyId: 'key_store', version: String(BigInt(version) - 1n) }),
      store(tenantId, [event()], { keyId: 'key_store', version }),
    ]);
    expect(stale).toEqual({ ok: false, reason: 'stale' });
    expect(current!.ok).toBe(true);
    expect(await db.event.count({ where: { tenantId } })).toBe(before + 1);
  });

  /**
   * An uncommitted insert of an event with `key` on a connection of its own: a
   * store of another event with that key waits in PostgreSQL until it ends.
   */
  async function blockKey(key: string) {
    const client = await sql.connect();
    await client.query('BEGIN');
    await insertEvents(client as unknown as Sql, tenantId, [event(key)], { keyId: 'key_store', version });
    return {
      async release() {
        await client.query('ROLLBACK');
        client.release();
      },
    };
  }
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const inserts = () => statements.filter((s) => s === 'herald_insert_events').length;

  it('holds the calls that come while a statement is in flight and stores them with the next one', async () => {
    const store = createEventStore(sql, { holdMs: 60_000 });
    const guard = { keyId: 'key_store', version };
    const blocker = await blockKey('held-1');
    statements.length = 0;
    let first: ReturnType<typeof store> | undefined;
    const later: ReturnType<typeof store>[] = [];
    let insertsWhileHeld: number;
    try {
      first = store(tenantId, [event('held-1')], guard);
      while (inserts() === 0) await turn();
      for (const rows of [[event()], [event(), event()]]) {
        later.push(store(tenantId, rows, guard));
        await turn();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      insertsWhileHeld = inserts();
    } finally {
      await blocker.release();
    }
    expect(insertsWhileHeld).toBe(1); // the first statement waited in PostgreSQL; the others waited for it

    expect(await first).toMatchObject({ ok: true, stored: [{ status: 'inserted' }] });
    const outcomes = await Promise.all(later);
    expect(inserts()).toBe(2);
    expect(outcomes.map((o) => (o.ok ? o.stored.map((s) => s.status) : o.reason))).toEqual([['inserted'], ['inserted', 'inserted']]);
  });

  it('lets the next calls go on their own once a statement has held them for holdMs', async () => {
    const store = createEventStore(sql, { holdMs: 100 });
    const guard = { keyId: 'key_store', version };
    const blocker = await blockKey('held-2');
    statements.length = 0;
    let firstDone = false;
    let first: ReturnType<typeof store> | undefined;
    try {
      first = store(tenantId, [event('held-2')], guard).finally(() => (firstDone = true));
      while (inserts() === 0) await turn();
      const started = performance.now();
      const next = await store(tenantId, [event()], guard);
      expect(next).toMatchObject({ ok: true, stored: [{ status: 'inserted' }] });
      expect(performance.now() - started).toBeGreaterThanOrEqual(80);
      expect(firstDone).toBe(false); // still waiting in PostgreSQL
    } finally {
      await blocker.release();
    }
    expect(await first).toMatchObject({ ok: true, stored: [{ status: 'inserted' }] });
  });
});

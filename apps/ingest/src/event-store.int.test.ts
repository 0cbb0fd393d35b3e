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
    for (const [id, url] of [['ep_store', 'https://x.example'], ['ep_store_2', 'https://y.example']]) {
      await db.endpoint.create({ data: { id: id!, tenantId, url: url!, events: ['*'], secretCiphertext: 'c', secretPrefix: 'p', schemaVersion: '2025-01-01' } });
    }
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

  it('stores every field of an event and of its deliveries, absent ones as NULL, and the text as given', async () => {
    const guard = { keyId: 'key_store', version };
    const payload = '{ "b": "\\u0000 é \\ud800 \\"q\\"",\n  "a": [1, 2.50] }';
    const full: NewEvent = {
      ...event('key-\ud800'),
      payload,
      occurredAt: new Date('2026-12-01T10:00:00.123Z'),
      channels: ['shop-eu', 'app:1'],
      orderingKey: 'order-7',
      deliveries: [
        { id: newId('dlv'), endpointId: 'ep_store', maxAttempts: 5, orderingKey: 'order-7' },
        { id: newId('dlv'), endpointId: null, recipient: 'ops@example.com', maxAttempts: 2, orderingKey: null },
        { id: newId('dlv'), endpointId: 'ep_store_2', maxAttempts: 5, orderingKey: 'order-7' },
      ],
    };
    const bare = event();
    const outcome = await insertEvents(sql, tenantId, [full, bare], guard);
    expect(outcome).toMatchObject({ ok: true, stored: [{ status: 'inserted', id: full.id }, { status: 'inserted', id: bare.id }] });

    const { rows: events } = await sql.query(
      `SELECT id, event_type, idempotency_key, payload, channels, ordering_key, occurred_at, created_at FROM events WHERE id = ANY($1) ORDER BY id = $2 DESC`,
      [[full.id, bare.id], full.id],
    );
    expect(events).toEqual([
      {
        id: full.id,
        event_type: 'a.b',
        idempotency_key: 'key-\ufffd', // half a surrogate pair is stored as U+FFFD, as UTF-8 encoding makes it
        payload, // byte for byte, escapes and spacing included
        channels: ['shop-eu', 'app:1'],
        ordering_key: 'order-7',
        occurred_at: full.occurredAt,
        created_at: full.createdAt,
      },
      { id: bare.id, event_type: 'a.b', idempotency_key: null, payload: '{}', channels: [], ordering_key: null, occurred_at: null, created_at: bare.createdAt },
    ]);
    const { rows: deliveries } = await sql.query(
      `SELECT id, event_id, endpoint_id, kind::text, recipient, event_type, channels, ordering_key, order_seq::bigint IS NOT NULL AS ordered,
              status::text, max_attempts FROM deliveries WHERE event_id = ANY($1) ORDER BY order_seq NULLS LAST, kind, event_id = $2 DESC`,
      [[full.id, bare.id], full.id],
    );
    const [first, email, second] = full.deliveries;
    const common = { event_type: 'a.b', status: 'pending' };
    expect(deliveries).toEqual([
      // fifo deliveries take their places on the key in input order
      { ...common, id: first!.id, event_id: full.id, endpoint_id: 'ep_store', kind: 'webhook', recipient: null, channels: full.channels, ordering_key: 'order-7', ordered: true, max_attempts: 5 },
      { ...common, id: second!.id, event_id: full.id, endpoint_id: 'ep_store_2', kind: 'webhook', recipient: null, channels: full.channels, ordering_key: 'order-7', ordered: true, max_attempts: 5 },
      { ...common, id: email!.id, event_id: full.id, endpoint_id: null, kind: 'email', recipient: 'ops@example.com', channels: full.channels, ordering_key: null, ordered: false, max_attempts: 2 },
      { ...common, id: bare.deliveries[0]!.id, event_id: bare.id, endpoint_id: 'ep_store', kind: 'webhook', recipient: null, channels: [], ordering_key: null, ordered: false, max_attempts: 3 },
    ]);

    // The same key again, as the producer sends it, is a duplicate of the stored event.
    const again = await insertEvents(sql, tenantId, [event('key-\ud800')], guard);
    expect(again).toMatchObject({ ok: true, stored: [{ status: 'duplicate', id: full.id, deliveries: 3 }] });
  });

  it('refuses an event id PostgreSQL cannot store (NUL) with its error code, and stores nothing of the statement', async () => {
    const guard = { keyId: 'key_store', version };
    const before = await db.event.count({ where: { tenantId } });
    await expect(insertEvents(sql, tenantId, [event(), event('nul\u0000key')], guard)).rejects.toMatchObject({ code: '22P05' });
    expect(await db.event.count({ where: { tenantId } })).toBe(before);
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

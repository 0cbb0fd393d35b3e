import type { Sql } from './sql.js';

/** One event to store, with the deliveries fan-out chose for it. */
export interface NewEvent {
  id: string;
  eventType: string;
  idempotencyKey: string | null;
  /** The payload's JSON text as the producer sent it. */
  payload: string;
  occurredAt: Date | null;
  /** When ingest accepted it (the envelope's `created_at`; jobs carry the same value). */
  createdAt: Date;
  /** Its channels, each once; its deliveries (webhooks and emails alike) carry them too. */
  channels: string[];
  /** The producer's ordering key, if any. */
  orderingKey: string | null;
  deliveries: NewDelivery[];
}

/**
 * One delivery of a new event: to an endpoint (a webhook), or to an address (an email). Only a
 * webhook to a `fifo` endpoint has an ordering key (deliveryOrderingKey); an email never does.
 */
export type NewDelivery = { id: string; maxAttempts: number } & (
  | { endpointId: string; recipient?: undefined; orderingKey: string | null }
  | { endpointId: null; recipient: string; orderingKey: null }
);

/** What happened to each event, in input order. */
export type StoredEvent =
  | { status: 'inserted'; id: string; deliveries: NewEvent['deliveries'] }
  | { status: 'duplicate'; id: string; eventType: string; deliveries: number };

/**
 * What the caller's view of the tenant must still be for events to be stored:
 * the API key is still active and the tenant's `config_version` is still the
 * one its event types and fan-out targets were read at.
 */
export interface IngestGuard {
  keyId: string;
  version: string;
}

/** Why a guard does not hold: the key was revoked, or the tenant's settings changed since they were read. */
export type GuardFailure = 'key_revoked' | 'stale';

/** Stored, or nothing stored because the guard no longer holds. */
export type InsertEventsOutcome = { ok: true; stored: StoredEvent[] } | { ok: false; reason: GuardFailure };

/** The guard as one row (key_active, current), given the placeholders of key id, tenant id and version. */
const guardSql = (keyId: string, tenantId: string, version: string) =>
  `SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = ${keyId} AND tenant_id = ${tenantId} AND revoked_at IS NULL) AS key_active,
          COALESCE((SELECT config_version = ${version}::bigint FROM tenants WHERE id = ${tenantId}), false) AS current`;

function guardFailure(row: { key_active: boolean; current: boolean }): GuardFailure | null {
  return !row.key_active ? 'key_revoked' : !row.current ? 'stale' : null;
}

/** Whether the guard holds now (for a request that stores nothing). */
export async function checkIngestGuard(sql: Sql, tenantId: string, guard: IngestGuard): Promise<GuardFailure | null> {
  const { rows } = await sql.query<{ key_active: boolean; current: boolean }>({
    name: 'herald_check_ingest_guard',
    text: guardSql('$1', '$2', '$3'),
    values: [guard.keyId, tenantId, guard.version],
  });
  return guardFailure(rows[0]!);
}

/**
 * Stores events and their deliveries in ONE statement (so one transaction and
 * one round trip), and only if the guard holds, checked in that same
 * statement. An event whose idempotency key this tenant already used is not
 * stored again: it comes back as a duplicate with the original's id.
 *
 * The rows travel as one array per column (unnest), not as one JSON text
 * (json_to_recordset): at 100 events per statement, pg writes the arrays in
 * 5.1 µs of Node's CPU per event against 1.8 µs for JSON.stringify, but
 * PostgreSQL reads the JSON in 5.4 µs per row against 3.1 µs for the arrays
 * (measured 2026-12-05), so the JSON form saved nothing.
 */
export async function insertEvents(
  sql: Sql,
  tenantId: string,
  events: readonly NewEvent[],
  guard: IngestGuard,
): Promise<InsertEventsOutcome> {
  const deliveries = events.flatMap((e) => e.deliveries.map((d) => ({ ...d, eventId: e.id, eventType: e.eventType })));
  const { rows } = await sql.query<{ key_active: boolean; current: boolean; ids: string[] }>({
    name: 'herald_insert_events',
    text: `WITH guard AS (
       ${guardSql('$12', '$1', '$13')}
     ), input AS (
       SELECT t.* FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $14::timestamptz[], $15::text[], $16::text[])
         AS t(id, event_type, idempotency_key, payload, occurred_at, created_at, channels, ordering_key)
       WHERE (SELECT key_active AND current FROM guard)
     ), stored AS (
       INSERT INTO events (id, tenant_id, event_type, idempotency_key, payload, occurred_at, created_at, ordering_key, channels)
       SELECT id, $1, event_type, idempotency_key, payload, occurred_at, created_at, ordering_key,
         -- channels travel as one JSON array text per event (a text[] of text[] must be rectangular)
         ARRAY(SELECT json_array_elements_text(channels::json))
       FROM input
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING id, channels
     ), fanned AS (
       INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, kind, recipient, event_type, channels, ordering_key, order_seq, status, max_attempts, next_attempt_at)
       -- A fifo delivery's place on its key follows input order: the sequence is drawn after the sort.
       SELECT d.id, $1, d.event_id, d.endpoint_id, CASE WHEN d.recipient IS NULL THEN 'webhook' ELSE 'email' END::"DeliveryKind",
         d.recipient, d.event_type, s.channels, d.ordering_key,
         CASE WHEN d.ordering_key IS NOT NULL THEN nextval('delivery_order_seq') END, 'pending', d.max_attempts, now()
       FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::int[], $17::text[], $18::text[]) WITH ORDINALITY
         AS d(id, event_id, endpoint_id, event_type, max_attempts, ordering_key, recipient, n)
       JOIN stored s ON s.id = d.event_id
       ORDER BY d.n
       RETURNING 1
     )
     SELECT g.key_active, g.current, ARRAY(SELECT id FROM stored) AS ids FROM guard g`,
    values: [
      tenantId,
      events.map((e) => e.id),
      events.map((e) => e.eventType),
      events.map((e) => e.idempotencyKey),
      events.map((e) => e.payload),
      events.map((e) => e.occurredAt),
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.eventId),
      deliveries.map((d) => d.endpointId),
      deliveries.map((d) => d.eventType),
      deliveries.map((d) => d.maxAttempts),
      guard.keyId,
      guard.version,
      events.map((e) => e.createdAt),
      events.map((e) => JSON.stringify(e.channels)),
      events.map((e) => e.orderingKey),
      deliveries.map((d) => d.orderingKey),
      deliveries.map((d) => d.recipient ?? null),
    ],
  });
  const failure = guardFailure(rows[0]!);
  if (failure) return { ok: false, reason: failure };
  const inserted = rows[0]!.ids;
  const insertedIds = new Set(inserted);
  const duplicateKeys = events.filter((e) => !insertedIds.has(e.id)).map((e) => e.idempotencyKey!);
  const originals = duplicateKeys.length > 0 ? await findEventsByIdempotencyKeys(sql, tenantId, duplicateKeys) : new Map();
  const stored = events.map((e): StoredEvent => {
    if (insertedIds.has(e.id)) return { status: 'inserted', id: e.id, deliveries: e.deliveries };
    const original = originals.get(e.idempotencyKey!);
    if (!original) throw new Error(`event ${e.id} was neither stored nor a duplicate`);
    return { status: 'duplicate', ...original };
  });
  return { ok: true, stored };
}

/** Existing events by idempotency key, with how many deliveries each has. */
async function findEventsByIdempotencyKeys(
  sql: Sql,
  tenantId: string,
  keys: readonly string[],
): Promise<Map<string, { id: string; eventType: string; deliveries: number }>> {
  const { rows } = await sql.query<{ id: string; event_type: string; idempotency_key: string; deliveries: number }>({
    name: 'herald_find_events_by_idempotency_key',
    text: `SELECT e.id, e.event_type, e.idempotency_key, (SELECT count(*)::int FROM deliveries d WHERE d.event_id = e.id) AS deliveries
     FROM events e WHERE e.tenant_id = $1 AND e.idempotency_key = ANY($2::text[])`,
    values: [tenantId, [...new Set(keys)]],
  });
  return new Map(rows.map((r) => [r.idempotency_key, { id: r.id, eventType: r.event_type, deliveries: r.deliveries }]));
}

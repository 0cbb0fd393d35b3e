import type { Sql } from './sql.js';

/** One event to store, with the deliveries fan-out chose for it. */
export interface NewEvent {
  id: string;
  eventType: string;
  idempotencyKey: string | null;
  /** JSON text of the payload. */
  payload: string;
  occurredAt: Date | null;
  deliveries: { id: string; endpointId: string; maxAttempts: number }[];
}

/** What happened to each event, in input order. */
export type StoredEvent =
  | { status: 'inserted'; id: string; deliveries: NewEvent['deliveries'] }
  | { status: 'duplicate'; id: string; eventType: string; deliveries: number };

/**
 * Stores events and their deliveries in ONE statement (so one transaction and
 * one round trip). An event whose idempotency key this tenant already used is
 * not stored again: it comes back as a duplicate with the original's id.
 */
export async function insertEvents(
  sql: Sql,
  tenantId: string,
  schemaVersion: string,
  events: readonly NewEvent[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const deliveries = events.flatMap((e) => e.deliveries.map((d) => ({ ...d, eventId: e.id, eventType: e.eventType })));
  const { rows: inserted } = await sql.query<{ id: string }>({
    name: 'herald_insert_events',
    text: `WITH input AS (
       SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
         AS t(id, event_type, idempotency_key, payload, occurred_at)
     ), stored AS (
       INSERT INTO events (id, tenant_id, event_type, idempotency_key, payload, occurred_at, schema_version)
       SELECT id, $1, event_type, idempotency_key, payload, occurred_at, $2 FROM input
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING id
     ), fanned AS (
       INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts, next_attempt_at)
       SELECT d.id, $1, d.event_id, d.endpoint_id, d.event_type, 'pending', d.max_attempts, now()
       FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::int[])
         AS d(id, event_id, endpoint_id, event_type, max_attempts)
       WHERE d.event_id IN (SELECT id FROM stored)
       RETURNING 1
     )
     SELECT id FROM stored`,
    values: [
      tenantId,
      schemaVersion,
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
    ],
  });
  const insertedIds = new Set(inserted.map((row) => row.id));
  const duplicateKeys = events.filter((e) => !insertedIds.has(e.id)).map((e) => e.idempotencyKey!);
  const originals = duplicateKeys.length > 0 ? await findEventsByIdempotencyKeys(sql, tenantId, duplicateKeys) : new Map();
  return events.map((e): StoredEvent => {
    if (insertedIds.has(e.id)) return { status: 'inserted', id: e.id, deliveries: e.deliveries };
    const original = originals.get(e.idempotencyKey!);
    if (!original) throw new Error(`event ${e.id} was neither stored nor a duplicate`);
    return { status: 'duplicate', ...original };
  });
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

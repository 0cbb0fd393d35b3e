import type { PrismaClient } from './generated/prisma/client.js';

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
  db: PrismaClient,
  tenantId: string,
  schemaVersion: string,
  events: readonly NewEvent[],
): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  const deliveries = events.flatMap((e) => e.deliveries.map((d) => ({ ...d, eventId: e.id, eventType: e.eventType })));
  const inserted = await db.$queryRaw<{ id: string }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${events.map((e) => e.id)}::text[], ${events.map((e) => e.eventType)}::text[],
        ${events.map((e) => e.idempotencyKey)}::text[], ${events.map((e) => e.payload)}::text[],
        ${events.map((e) => e.occurredAt?.toISOString() ?? null)}::timestamptz[]
      ) AS t(id, event_type, idempotency_key, payload, occurred_at)
    ), stored AS (
      INSERT INTO events (id, tenant_id, event_type, idempotency_key, payload, occurred_at, schema_version)
      SELECT id, ${tenantId}, event_type, idempotency_key, payload, occurred_at, ${schemaVersion} FROM input
      ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
      RETURNING id
    ), fanned AS (
      INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts, next_attempt_at)
      SELECT d.id, ${tenantId}, d.event_id, d.endpoint_id, d.event_type, 'pending', d.max_attempts, now()
      FROM unnest(
        ${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.eventId)}::text[],
        ${deliveries.map((d) => d.endpointId)}::text[], ${deliveries.map((d) => d.eventType)}::text[],
        ${deliveries.map((d) => d.maxAttempts)}::int[]
      ) AS d(id, event_id, endpoint_id, event_type, max_attempts)
      WHERE d.event_id IN (SELECT id FROM stored)
      RETURNING 1
    )
    SELECT id FROM stored`;
  const insertedIds = new Set(inserted.map((row) => row.id));
  const duplicateKeys = events.filter((e) => !insertedIds.has(e.id)).map((e) => e.idempotencyKey!);
  const originals = duplicateKeys.length > 0 ? await findEventsByIdempotencyKeys(db, tenantId, duplicateKeys) : new Map();
  return events.map((e): StoredEvent => {
    if (insertedIds.has(e.id)) return { status: 'inserted', id: e.id, deliveries: e.deliveries };
    const original = originals.get(e.idempotencyKey!);
    if (!original) throw new Error(`event ${e.id} was neither stored nor a duplicate`);
    return { status: 'duplicate', ...original };
  });
}

/** Existing events by idempotency key, with how many deliveries each has. */
async function findEventsByIdempotencyKeys(
  db: PrismaClient,
  tenantId: string,
  keys: readonly string[],
): Promise<Map<string, { id: string; eventType: string; deliveries: number }>> {
  const rows = await db.event.findMany({
    where: { tenantId, idempotencyKey: { in: [...new Set(keys)] } },
    select: { id: true, eventType: true, idempotencyKey: true, _count: { select: { deliveries: true } } },
  });
  return new Map(rows.map((r) => [r.idempotencyKey!, { id: r.id, eventType: r.eventType, deliveries: r._count.deliveries }]));
}

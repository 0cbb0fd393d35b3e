import type { Sql } from './sql.js';

/** A past event as backfill weighs it. */
export interface BackfillCandidate {
  id: string;
  eventType: string;
  channels: string[];
  orderingKey: string | null;
  createdAt: Date;
  /** For an operational event (herald.*), the endpoint it is about: that one never receives it. */
  aboutEndpointId: string | null;
}

/**
 * Events of the tenant created in [since, until) that have no delivery to
 * this endpoint yet, by id after `afterId`, at most `limit`. Only events that
 * still exist are found: retention bounds how far back a backfill reaches.
 *
 * A page starts where the last one ended: `e.id > $5` is always an index
 * condition (the first page starts after ''), and the statement is planned at
 * each call (no name). Named, its generic plan tested `$5 IS NULL OR e.id > $5`
 * on every row, so each page walked the tenant's events from the first again.
 */
export async function scanBackfillCandidates(
  sql: Sql,
  tenantId: string,
  endpointId: string,
  { since, until, afterId, limit }: { since: Date; until: Date; afterId: string | null; limit: number },
): Promise<BackfillCandidate[]> {
  const { rows } = await sql.query<{ id: string; event_type: string; channels: string[]; ordering_key: string | null; created_at: Date; about: string | null }>({
    text: `SELECT e.id, e.event_type, e.channels, e.ordering_key, e.created_at,
       CASE WHEN e.event_type LIKE 'herald.%' THEN e.payload::json -> 'endpoint' ->> 'id' END AS about
     FROM events e
     WHERE e.tenant_id = $1 AND e.created_at >= $3 AND e.created_at < $4 AND e.id > $5::text
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.endpoint_id = $2)
     ORDER BY e.id LIMIT $6`,
    values: [tenantId, endpointId, since, until, afterId ?? '', limit],
  });
  return rows.map((r) => ({ id: r.id, eventType: r.event_type, channels: r.channels, orderingKey: r.ordering_key, createdAt: r.created_at, aboutEndpointId: r.about }));
}

/** A delivery backfill made. */
export interface BackfilledDelivery {
  id: string;
  maxAttempts: number;
}

/**
 * Creates a pending delivery of each event to the endpoint, unless it has
 * one already (the unique (event, endpoint) index: two backfills at once, or
 * one run twice, create each once). Only while the endpoint is live and
 * enabled, checked in the same statement. Resolves the deliveries created.
 */
export async function insertBackfillDeliveries(
  sql: Sql,
  tenantId: string,
  endpointId: string,
  deliveries: readonly { id: string; eventId: string; orderingKey: string | null }[],
): Promise<BackfilledDelivery[]> {
  if (deliveries.length === 0) return [];
  const { rows } = await sql.query<{ id: string; max_attempts: number }>({
    name: 'herald_insert_backfill_deliveries',
    // A fifo endpoint's backfilled deliveries go on their events' keys, after what waits there, in event order.
    text: `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, channels, ordering_key, order_seq, status, max_attempts, next_attempt_at)
     SELECT d.id, $1, ev.id, p.id, ev.event_type, ev.channels,
       d.ordering_key, CASE WHEN d.ordering_key IS NOT NULL THEN nextval('delivery_order_seq') END, 'pending', p.max_attempts, now()
     FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS d(id, event_id, ordering_key, n)
     JOIN events ev ON ev.tenant_id = $1 AND ev.id = d.event_id
     JOIN endpoints p ON p.tenant_id = $1 AND p.id = $2 AND p.enabled AND p.deleted_at IS NULL
     ORDER BY d.n
     ON CONFLICT (event_id, endpoint_id) DO NOTHING
     RETURNING id, max_attempts`,
    values: [tenantId, endpointId, deliveries.map((d) => d.id), deliveries.map((d) => d.eventId), deliveries.map((d) => d.orderingKey)],
  });
  return rows.map((r) => ({ id: r.id, maxAttempts: r.max_attempts }));
}

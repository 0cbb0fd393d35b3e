import type { DeliveryStatus } from './generated/prisma/client.js';
import { withTransaction, type Sql } from './sql.js';

/** Rows one pruning batch removed, per table. */
export interface PrunedRows {
  events: number;
  deliveries: number;
  attempts: number;
}

/** The finished statuses retention removes; `pending` is never one of them. */
export type PrunableStatus = Exclude<DeliveryStatus, 'pending'>;

/**
 * Removes up to `limit` deliveries of `status` that finished (`updated_at`)
 * before `finishedBefore`, with their attempts, then those of their events
 * created before `eventsBefore` that no delivery holds any more. One
 * transaction, children first: no reader ever sees an attempt without its
 * delivery or a delivery without its event, and an event goes only with its
 * last delivery.
 *
 * The deliveries are locked as they are picked (FOR UPDATE SKIP LOCKED), and
 * the pick re-checks status and age on a row changed meanwhile: a delivery
 * replayed while a batch runs is either replayed before (then pending, so
 * kept) or after (then gone, and the replay finds nothing), never half of
 * each. Rows locked by someone else are left for a later batch.
 */
export async function pruneFinishedDeliveries(
  sql: Sql,
  { status, finishedBefore, eventsBefore, limit }: { status: PrunableStatus; finishedBefore: Date; eventsBefore: Date; limit: number },
): Promise<PrunedRows> {
  return withTransaction(sql, async (client) => {
    const picked = await client.query<{ id: string; event_id: string }>({
      name: 'herald_prune_pick_deliveries',
      // The partial index deliveries_finished_status_updated_at_idx serves this range, oldest first.
      text: `SELECT id, event_id FROM deliveries
       WHERE status = $1::"DeliveryStatus" AND status <> 'pending' AND updated_at < $2
       ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      values: [status, finishedBefore, limit],
    });
    if (picked.rows.length === 0) return { events: 0, deliveries: 0, attempts: 0 };
    const ids = picked.rows.map((r) => r.id);
    const attempts = await client.query({
      name: 'herald_prune_attempts',
      text: 'DELETE FROM attempts WHERE delivery_id = ANY($1::text[])',
      values: [ids],
    });
    const deliveries = await client.query({
      name: 'herald_prune_deliveries',
      text: 'DELETE FROM deliveries WHERE id = ANY($1::text[])',
      values: [ids],
    });
    const events = await deleteUnheldEvents(client, [...new Set(picked.rows.map((r) => r.event_id))], eventsBefore);
    return { events, deliveries: deliveries.rowCount ?? 0, attempts: attempts.rowCount ?? 0 };
  });
}

/** Where a walk over old events stands: the last (created_at, id) it looked at. */
export interface EventCursor {
  createdAt: Date;
  id: string;
}

/**
 * Looks at the next `limit` events created before `createdBefore` after
 * `cursor` (oldest first, by events_created_at_id_idx) and removes those no
 * delivery holds: events nobody subscribed to, and any whose last delivery
 * went in an earlier batch. Resolves how many went and where the walk stands
 * (null once it has looked at every event before `createdBefore`). Bounded
 * per call, because an old event held by a pending or dead delivery stays and
 * is walked past again on the next pass.
 */
export async function pruneUnheldEvents(
  sql: Sql,
  { createdBefore, cursor, limit }: { createdBefore: Date; cursor: EventCursor | null; limit: number },
): Promise<{ events: number; next: EventCursor | null }> {
  return withTransaction(sql, async (client) => {
    const { rows } = await client.query<{ id: string; created_at: Date }>({
      name: 'herald_prune_walk_events',
      text: `SELECT id, created_at FROM events
       WHERE created_at < $1 AND (created_at, id) > ($2::timestamptz, $3::text)
       ORDER BY created_at, id LIMIT $4`,
      // No cursor: from the very first event.
      values: [createdBefore, cursor?.createdAt ?? '-infinity', cursor?.id ?? '', limit],
    });
    if (rows.length === 0) return { events: 0, next: null };
    const events = await deleteUnheldEvents(
      client,
      rows.map((r) => r.id),
      createdBefore,
    );
    const last = rows[rows.length - 1]!;
    return { events, next: rows.length < limit ? null : { createdAt: last.created_at, id: last.id } };
  });
}

/**
 * Deletes these events if created before `createdBefore` and no delivery
 * refers to them. Deliveries are only ever added with their event (ingest's
 * one transaction), so an old event with none gets none later.
 */
async function deleteUnheldEvents(client: Pick<Sql, 'query'>, ids: string[], createdBefore: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const { rowCount } = await client.query({
    name: 'herald_prune_events',
    text: `DELETE FROM events e WHERE e.id = ANY($1::text[]) AND e.created_at < $2
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)`,
    values: [ids, createdBefore],
  });
  return rowCount ?? 0;
}

/** When the oldest event still stored was created (every delivery and attempt belongs to one), or null if there is none. */
export async function oldestRetainedAt(sql: Sql): Promise<Date | null> {
  const { rows } = await sql.query<{ created_at: Date }>({
    name: 'herald_oldest_event',
    text: 'SELECT created_at FROM events ORDER BY created_at, id LIMIT 1',
  });
  return rows[0]?.created_at ?? null;
}

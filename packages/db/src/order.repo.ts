import type { Sql } from './sql.js';

/**
 * Whether a fifo delivery must wait: another delivery on its (endpoint,
 * ordering key) with an earlier place is still pending. False for an
 * unordered delivery. PostgreSQL decides, so the order survives anything
 * Redis loses.
 *
 * Both queries read the earliest pending delivery of the key as a subquery
 * ordered by place with LIMIT 1, and state `ordering_key IS NOT NULL AND
 * status = 'pending'`: the partial index that holds only pending ordered
 * deliveries (migration 20261203100000_pending_order_index) answers with its
 * first entry on the key, whatever the key's history, in generic plans too
 * (the statements are named). As a join, the planner read every pending row
 * of the endpoint on a small table, and each parked job asks again every
 * HERALD_FIFO_RECHECK_MS.
 */
export async function mustWaitForTurn(sql: Sql, tenantId: string, deliveryId: string): Promise<boolean> {
  const { rows } = await sql.query<{ waiting: boolean }>({
    name: 'herald_must_wait_for_turn',
    text: `SELECT EXISTS (
       SELECT 1 FROM deliveries me
       WHERE me.tenant_id = $1 AND me.id = $2 AND me.ordering_key IS NOT NULL
         AND (SELECT p.order_seq FROM deliveries p
              WHERE p.endpoint_id = me.endpoint_id AND p.ordering_key = me.ordering_key
                AND p.ordering_key IS NOT NULL AND p.status = 'pending'
              ORDER BY p.order_seq LIMIT 1) < me.order_seq
     ) AS waiting`,
    values: [tenantId, deliveryId],
  });
  return rows[0]!.waiting;
}

/**
 * The pending delivery whose turn comes after this fifo delivery finished
 * (the earliest on its key), or null. When it finished by dying, that one is
 * marked `order_broken_by` it, in the same statement.
 */
export async function passTurn(sql: Sql, tenantId: string, deliveryId: string, died: boolean): Promise<string | null> {
  const { rows } = await sql.query<{ id: string }>({
    name: 'herald_pass_turn',
    text: `WITH next AS (
       SELECT (SELECT d.id FROM deliveries d
               WHERE d.endpoint_id = me.endpoint_id AND d.ordering_key = me.ordering_key
                 AND d.ordering_key IS NOT NULL AND d.status = 'pending'
               ORDER BY d.order_seq LIMIT 1) AS id
       FROM deliveries me WHERE me.tenant_id = $1 AND me.id = $2 AND me.ordering_key IS NOT NULL
     ), marked AS (
       UPDATE deliveries SET order_broken_by = $2 WHERE $3 AND id IN (SELECT id FROM next) RETURNING id
     )
     SELECT id FROM next WHERE id IS NOT NULL`,
    values: [tenantId, deliveryId, died],
  });
  return rows[0]?.id ?? null;
}

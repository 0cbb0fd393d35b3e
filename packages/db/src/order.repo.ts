import type { Sql } from './sql.js';

/**
 * Whether a fifo delivery must wait: another delivery on its (endpoint,
 * ordering key) with an earlier place is still pending. False for an
 * unordered delivery. PostgreSQL decides, so the order survives anything
 * Redis loses. Both queries state `ordering_key IS NOT NULL`: the index they
 * use holds only ordered deliveries (a partial index, migration
 * 20261202180000_sparse_delivery_indexes).
 */
export async function mustWaitForTurn(sql: Sql, tenantId: string, deliveryId: string): Promise<boolean> {
  const { rows } = await sql.query<{ waiting: boolean }>({
    name: 'herald_must_wait_for_turn',
    text: `SELECT EXISTS (
       SELECT 1 FROM deliveries me JOIN deliveries p
         ON p.endpoint_id = me.endpoint_id AND p.ordering_key = me.ordering_key AND p.order_seq < me.order_seq AND p.status = 'pending'
         AND p.ordering_key IS NOT NULL
       WHERE me.tenant_id = $1 AND me.id = $2 AND me.ordering_key IS NOT NULL
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
    text: `WITH me AS (
       SELECT endpoint_id, ordering_key FROM deliveries WHERE tenant_id = $1 AND id = $2 AND ordering_key IS NOT NULL
     ), next AS (
       SELECT d.id FROM deliveries d JOIN me ON d.endpoint_id = me.endpoint_id AND d.ordering_key = me.ordering_key
       WHERE d.status = 'pending' AND d.ordering_key IS NOT NULL ORDER BY d.order_seq LIMIT 1
     ), marked AS (
       UPDATE deliveries SET order_broken_by = $2 WHERE $3 AND id IN (SELECT id FROM next) RETURNING id
     )
     SELECT id FROM next`,
    values: [tenantId, deliveryId, died],
  });
  return rows[0]?.id ?? null;
}

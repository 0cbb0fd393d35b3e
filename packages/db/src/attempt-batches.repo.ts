import type { Sql } from './sql.js';
import type { DeliveryUpdate, NewAttempt } from './deliveries.repo.js';

/** One attempt with where it leaves its delivery, as buffered by the worker. */
export interface AttemptRecord {
  tenantId: string;
  attempt: NewAttempt;
  update: DeliveryUpdate;
}

/** An endpoint's failure run after a batch: when it started, or null once a success cleared it. */
export interface EndpointFailureRun {
  endpointId: string;
  tenantId: string;
  firstFailureAt: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * Writes a batch of attempts in ONE statement (one transaction, one round
 * trip): inserts the attempts, moves each delivery on (only while it is still
 * `pending`, so a stale duplicate cannot undo a newer outcome), and keeps each
 * endpoint's `last_delivery_*` and `first_failure_at` current (a success
 * clears it; a failure sets it if unset). Resolves the endpoints' failure runs.
 */
export async function writeAttemptBatch(sql: Sql, records: readonly AttemptRecord[]): Promise<EndpointFailureRun[]> {
  if (records.length === 0) return [];
  const a = records.map((r) => r.attempt);
  const u = records.map((r) => r.update);

  // Per endpoint: its newest attempt, and the first failure after its last success in this batch.
  const byEndpoint = new Map<string, { tenantId: string; at: Date; status: string; ok: boolean; firstFailed: Date | null }>();
  for (const r of [...records].sort((x, y) => x.attempt.createdAt.getTime() - y.attempt.createdAt.getTime())) {
    const ok = r.attempt.status === 'succeeded';
    const prev = byEndpoint.get(r.attempt.endpointId);
    byEndpoint.set(r.attempt.endpointId, {
      tenantId: r.tenantId,
      at: r.attempt.createdAt,
      status: r.attempt.status,
      ok,
      firstFailed: ok ? null : (prev?.firstFailed ?? r.attempt.createdAt),
    });
  }
  const endpoints = [...byEndpoint.entries()];

  const { rows } = await sql.query<{ id: string; tenant_id: string; first_failure_at: Date | null }>({
    name: 'herald_write_attempt_batch',
    text: `
    WITH inserted AS (
      INSERT INTO attempts (id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
                            response_status, response_headers, response_body, latency_ms, error, created_at)
      SELECT t.id, t.tenant_id, t.delivery_id, t.endpoint_id, t.event_id, t.attempt, t.status::"AttemptStatus",
             t.request_headers::jsonb, t.response_status, t.response_headers::jsonb, t.response_body, t.latency_ms, t.error, t.created_at
      FROM unnest(
        $1::text[], $2::text[], $3::text[],
        $4::text[], $5::text[], $6::int[],
        $7::text[], $8::text[],
        $9::int[], $10::text[],
        $11::text[], $12::int[], $13::text[],
        $14::timestamptz[]
      ) AS t(id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
             response_status, response_headers, response_body, latency_ms, error, created_at)
      RETURNING 1
    ), moved AS (
      UPDATE deliveries d
      SET status = v.status::"DeliveryStatus", attempts = v.attempt, next_attempt_at = v.next_attempt_at,
          last_response_status = v.last_response_status, last_error = v.last_error,
          delivered_at = v.delivered_at, updated_at = v.at
      FROM unnest(
        $15::text[], $16::text[], $17::text[],
        $18::int[], $19::timestamptz[],
        $20::int[], $21::text[],
        $22::timestamptz[], $23::timestamptz[]
      ) AS v(id, tenant_id, status, attempt, next_attempt_at, last_response_status, last_error, delivered_at, at)
      WHERE d.id = v.id AND d.tenant_id = v.tenant_id AND d.status = 'pending'
      RETURNING 1
    )
    UPDATE endpoints e
    SET last_delivery_at = v.at, last_delivery_status = v.status,
        first_failure_at = CASE WHEN v.ok THEN NULL ELSE COALESCE(e.first_failure_at, v.first_failed) END
    FROM unnest(
      $24::text[], $25::text[],
      $26::timestamptz[], $27::text[],
      $28::boolean[], $29::timestamptz[]
    ) AS v(id, tenant_id, at, status, ok, first_failed)
    WHERE e.id = v.id AND e.tenant_id = v.tenant_id
    RETURNING e.id, e.tenant_id, e.first_failure_at`,
    values: [
      a.map((x) => x.id),
      records.map((r) => r.tenantId),
      a.map((x) => x.deliveryId),
      a.map((x) => x.endpointId),
      a.map((x) => x.eventId),
      a.map((x) => x.attempt),
      a.map((x) => x.status),
      a.map((x) => JSON.stringify(x.requestHeaders)),
      a.map((x) => x.responseStatus),
      a.map((x) => (x.responseHeaders ? JSON.stringify(x.responseHeaders) : null)),
      a.map((x) => x.responseBody),
      a.map((x) => x.latencyMs),
      a.map((x) => x.error),
      a.map((x) => x.createdAt.toISOString()),
      a.map((x) => x.deliveryId),
      records.map((r) => r.tenantId),
      u.map((x) => x.status),
      a.map((x) => x.attempt),
      u.map((x) => iso(x.nextAttemptAt)),
      u.map((x) => x.lastResponseStatus),
      u.map((x) => x.lastError),
      u.map((x) => iso(x.deliveredAt)),
      a.map((x) => x.createdAt.toISOString()),
      endpoints.map(([id]) => id),
      endpoints.map(([, x]) => x.tenantId),
      endpoints.map(([, x]) => x.at.toISOString()),
      endpoints.map(([, x]) => x.status),
      endpoints.map(([, x]) => x.ok),
      endpoints.map(([, x]) => iso(x.firstFailed)),
    ],
  });
  return rows.map((r) => ({ endpointId: r.id, tenantId: r.tenant_id, firstFailureAt: r.first_failure_at }));
}

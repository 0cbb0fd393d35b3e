import type { PrismaClient } from './generated/prisma/client.js';
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
export async function writeAttemptBatch(db: PrismaClient, records: readonly AttemptRecord[]): Promise<EndpointFailureRun[]> {
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

  const rows = await db.$queryRaw<{ id: string; tenant_id: string; first_failure_at: Date | null }[]>`
    WITH inserted AS (
      INSERT INTO attempts (id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
                            response_status, response_headers, response_body, latency_ms, error, created_at)
      SELECT t.id, t.tenant_id, t.delivery_id, t.endpoint_id, t.event_id, t.attempt, t.status::"AttemptStatus",
             t.request_headers::jsonb, t.response_status, t.response_headers::jsonb, t.response_body, t.latency_ms, t.error, t.created_at
      FROM unnest(
        ${a.map((x) => x.id)}::text[], ${records.map((r) => r.tenantId)}::text[], ${a.map((x) => x.deliveryId)}::text[],
        ${a.map((x) => x.endpointId)}::text[], ${a.map((x) => x.eventId)}::text[], ${a.map((x) => x.attempt)}::int[],
        ${a.map((x) => x.status)}::text[], ${a.map((x) => JSON.stringify(x.requestHeaders))}::text[],
        ${a.map((x) => x.responseStatus)}::int[], ${a.map((x) => (x.responseHeaders ? JSON.stringify(x.responseHeaders) : null))}::text[],
        ${a.map((x) => x.responseBody)}::text[], ${a.map((x) => x.latencyMs)}::int[], ${a.map((x) => x.error)}::text[],
        ${a.map((x) => x.createdAt.toISOString())}::timestamptz[]
      ) AS t(id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
             response_status, response_headers, response_body, latency_ms, error, created_at)
      RETURNING 1
    ), moved AS (
      UPDATE deliveries d
      SET status = v.status::"DeliveryStatus", attempts = v.attempt, next_attempt_at = v.next_attempt_at,
          last_response_status = v.last_response_status, last_error = v.last_error,
          delivered_at = v.delivered_at, updated_at = v.at
      FROM unnest(
        ${a.map((x) => x.deliveryId)}::text[], ${records.map((r) => r.tenantId)}::text[], ${u.map((x) => x.status)}::text[],
        ${a.map((x) => x.attempt)}::int[], ${u.map((x) => iso(x.nextAttemptAt))}::timestamptz[],
        ${u.map((x) => x.lastResponseStatus)}::int[], ${u.map((x) => x.lastError)}::text[],
        ${u.map((x) => iso(x.deliveredAt))}::timestamptz[], ${a.map((x) => x.createdAt.toISOString())}::timestamptz[]
      ) AS v(id, tenant_id, status, attempt, next_attempt_at, last_response_status, last_error, delivered_at, at)
      WHERE d.id = v.id AND d.tenant_id = v.tenant_id AND d.status = 'pending'
      RETURNING 1
    )
    UPDATE endpoints e
    SET last_delivery_at = v.at, last_delivery_status = v.status,
        first_failure_at = CASE WHEN v.ok THEN NULL ELSE COALESCE(e.first_failure_at, v.first_failed) END
    FROM unnest(
      ${endpoints.map(([id]) => id)}::text[], ${endpoints.map(([, x]) => x.tenantId)}::text[],
      ${endpoints.map(([, x]) => x.at.toISOString())}::timestamptz[], ${endpoints.map(([, x]) => x.status)}::text[],
      ${endpoints.map(([, x]) => x.ok)}::boolean[], ${endpoints.map(([, x]) => iso(x.firstFailed))}::timestamptz[]
    ) AS v(id, tenant_id, at, status, ok, first_failed)
    WHERE e.id = v.id AND e.tenant_id = v.tenant_id
    RETURNING e.id, e.tenant_id, e.first_failure_at`;
  return rows.map((r) => ({ endpointId: r.id, tenantId: r.tenant_id, firstFailureAt: r.first_failure_at }));
}

import type { EndpointFailureRun } from '@herald/delivery';
import { createSqlPool, type Sql } from './sql.js';
import type { DeliveryUpdate, NewAttempt } from './deliveries.repo.js';

/** One attempt with where it leaves its delivery, as buffered by the worker. */
export interface AttemptRecord {
  tenantId: string;
  attempt: NewAttempt;
  update: DeliveryUpdate;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What an endpoint's latest attempts leave on it. */
export interface EndpointOutcome {
  endpointId: string;
  tenantId: string;
  /** The newest attempt: when, and its status. */
  at: Date;
  status: string;
  /** Whether the newest attempt succeeded (a success ends a failure run). */
  ok: boolean;
  /** The newest attempt's HTTP status, null without a response. */
  responseStatus: number | null;
  /** The first failure after the last success among these attempts, if the newest failed. */
  firstFailed: Date | null;
}

/**
 * A pool for writeAttempts (and the endpoint outcomes written after it):
 * its connections plan without sequential scans, so the statement's one kept
 * plan finds deliveries by primary key however small the table was when the
 * connection prepared it. Only these statements run on it.
 */
export function createAttemptSqlPool(options: { databaseUrl: string; max: number; applicationName?: string }): Sql {
  return createSqlPool({ ...options, settings: { enable_seqscan: 'off' } });
}

/**
 * Writes a batch of attempts in ONE statement (one transaction, one round
 * trip): inserts the attempts and moves each delivery on (only while it is
 * still `pending`, so a stale duplicate cannot undo a newer outcome). Batches
 * never share a delivery, so several can be written at once. Writing the same
 * records again changes nothing (attempt ids are fixed), so a statement whose
 * answer was lost can be retried.
 *
 * The deliveries are found by primary key, whatever the statistics say:
 * `id = ANY(ids)` is an index condition of the primary key, `status::text`
 * keeps the "still pending" test out of the planner's index choice, and the
 * statement runs only on connections of createAttemptSqlPool(), which have no
 * sequential scans to choose. It is prepared once per connection
 * (`herald_write_attempts`); after five calls PostgreSQL plans it once for all
 * later ones (a generic plan) when that costs no more than planning each call.
 * Without those connections, a plan made while the table was a page or two
 * would be a sequential scan, kept as the table grew (as when the statement,
 * joined on the rows alone, was first prepared: it read the whole table or
 * backlog for every statement, ~14,500 index entries per statement with
 * 16,000 pending on 1 endpoint, most of PostgreSQL's CPU). Parsing and
 * planning it at each call instead cost PostgreSQL 0.4–0.6 ms per statement
 * (one backend, 20 rows, 2026-12-06): 4–20 % of its CPU per event in
 * interleaved runs of batches to one endpoint (docs/architecture.md).
 *
 * The "still pending" test is part of the join's condition, not a filter
 * of the scan: as a filter it made PostgreSQL expect one delivery where
 * there are as many as rows, and join them in a loop that read every row
 * again for each delivery (n² comparisons: at 100 rows per statement 94
 * against 59 µs of PostgreSQL's CPU per row as a hash join, at 50 rows 73
 * against 56; measured 2026-12-05).
 *
 * The rows travel as one JSON array of arrays, read by position. As one
 * array parameter per column, pg quoted and escaped each element in
 * JavaScript (the headers' JSON most of all): at 100 rows per statement that
 * was 6.7–7.2 µs of the worker's CPU per row against 3.2–3.6 for
 * JSON.stringify, and PostgreSQL read the rows in 18–22 µs per row against
 * 11–17 (measured 2026-12-05). Keyed objects (jsonb_to_recordset) cost
 * PostgreSQL more than the arrays.
 */
export async function writeAttempts(sql: Sql, records: readonly AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const rows = records.map(({ tenantId, attempt: a, update: u }) => [
    a.id, // 0
    tenantId,
    a.deliveryId,
    a.endpointId,
    a.eventId,
    a.attempt, // 5
    a.status,
    a.requestHeaders,
    a.responseStatus,
    a.responseHeaders,
    a.responseBody, // 10
    a.latencyMs,
    a.error,
    a.createdAt,
    a.requestFormat,
    u.status, // 15
    u.nextAttemptAt,
    u.lastResponseStatus,
    u.lastError,
    u.deliveredAt,
  ]);
  await sql.query({
    name: 'herald_write_attempts',
    text: `
    WITH rows AS (
      SELECT r->>0 AS id, r->>1 AS tenant_id, r->>2 AS delivery_id, r->>3 AS endpoint_id, r->>4 AS event_id,
             (r->>5)::int AS attempt, r->>6 AS status, r->7 AS request_headers, (r->>8)::int AS response_status,
             NULLIF(r->9, 'null') AS response_headers, r->>10 AS response_body, (r->>11)::int AS latency_ms,
             r->>12 AS error, (r->>13)::timestamptz AS created_at, r->14 AS request_format,
             r->>15 AS delivery_status, (r->>16)::timestamptz AS next_attempt_at, (r->>17)::int AS last_response_status,
             r->>18 AS last_error, (r->>19)::timestamptz AS delivered_at
      FROM jsonb_array_elements($1::jsonb) AS r
    ), inserted AS (
      INSERT INTO attempts (id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
                            response_status, response_headers, response_body, latency_ms, error, created_at, request_format)
      SELECT id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status::"AttemptStatus", request_headers,
             response_status, response_headers, response_body, latency_ms, error, created_at, request_format
      FROM rows
      ON CONFLICT (id) DO NOTHING
      RETURNING 1
    )
    UPDATE deliveries d
    SET status = v.delivery_status::"DeliveryStatus", attempts = v.attempt, next_attempt_at = v.next_attempt_at,
        last_response_status = v.last_response_status, last_error = v.last_error,
        delivered_at = v.delivered_at, updated_at = v.created_at
    FROM rows v
    WHERE d.id = ANY($2::text[]) AND d.id = v.delivery_id
      AND d.tenant_id = CASE WHEN d.status::text = 'pending' THEN v.tenant_id END`,
    values: [storableJson(JSON.stringify(rows)), records.map((r) => r.attempt.deliveryId)],
  });
}

// Text PostgreSQL cannot store reads as U+FFFD, so that what a receiver or mail server answered can never
// refuse the statement, and with it other endpoints' attempts (left pending, to be sent again): NUL and half a
// surrogate pair, which JSON.stringify escapes and jsonb refuses, in text and JSON columns alike (all travel as
// JSON). An escape is a backslash after an even run of them.
const UNSTORABLE_ESCAPE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g;
const storableJson = (json: string) => json.replace(UNSTORABLE_ESCAPE, '$1\\ufffd');

/**
 * Keeps each endpoint's `last_delivery_*` and `first_failure_at` current (a
 * success clears it; a failure sets it if unset), in one statement. A failure
 * starts a run only while the endpoint is enabled and only if it happened
 * after the endpoint's last change (`updated_at`: re-enabling it, a new URL),
 * so an attempt still in flight when an endpoint was disabled, or fixed,
 * cannot restart its clock. Resolves the endpoints' failure runs.
 */
export async function updateEndpointOutcomes(sql: Sql, outcomes: readonly EndpointOutcome[]): Promise<EndpointFailureRun[]> {
  if (outcomes.length === 0) return [];
  const { rows } = await sql.query<{ id: string; tenant_id: string; first_failure_at: Date | null; failing_notice_for: Date | null }>({
    name: 'herald_update_endpoint_outcomes',
    text: `
    UPDATE endpoints e
    SET last_delivery_at = v.at, last_delivery_status = v.status, last_response_status = v.response_status,
        first_failure_at = CASE
          WHEN v.ok THEN NULL
          WHEN NOT e.enabled OR v.first_failed < e.updated_at THEN e.first_failure_at
          ELSE COALESCE(e.first_failure_at, v.first_failed) END
    FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::boolean[], $6::timestamptz[], $7::int[])
      AS v(id, tenant_id, at, status, ok, first_failed, response_status)
    WHERE e.id = ANY($1::text[]) AND e.id = v.id AND e.tenant_id = v.tenant_id
    RETURNING e.id, e.tenant_id, e.first_failure_at, e.failing_notice_for`,
    values: [
      outcomes.map((o) => o.endpointId),
      outcomes.map((o) => o.tenantId),
      outcomes.map((o) => o.at.toISOString()),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.ok),
      outcomes.map((o) => iso(o.firstFailed)),
      outcomes.map((o) => o.responseStatus),
    ],
  });
  return rows.map((r) => ({ endpointId: r.id, tenantId: r.tenant_id, firstFailureAt: r.first_failure_at, failingNoticeFor: r.failing_notice_for }));
}

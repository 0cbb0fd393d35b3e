import type { EndpointFailureRun } from '@herald/delivery';
import type { Sql } from './sql.js';
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
 * statement is planned at each call (no statement name), with the table's
 * size of the moment. Joined on the unnested rows alone, and planned once per
 * connection, it was kept as whatever suited the table when the connection
 * first ran it: the status index when statistics said few deliveries were
 * pending, a sequential scan while the table was a page or two. Both then
 * read the whole backlog or table for every statement as it grew (~14,500
 * index entries per statement with 16,000 pending on 1 endpoint), most of
 * PostgreSQL's CPU; planning costs ~0.3 ms per statement of up to 100 rows.
 */
export async function writeAttempts(sql: Sql, records: readonly AttemptRecord[]): Promise<void> {
  if (records.length === 0) return;
  const a = records.map((r) => r.attempt);
  const u = records.map((r) => r.update);
  await sql.query({
    text: `
    WITH inserted AS (
      INSERT INTO attempts (id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
                            response_status, response_headers, response_body, latency_ms, error, created_at, request_format)
      SELECT t.id, t.tenant_id, t.delivery_id, t.endpoint_id, t.event_id, t.attempt, t.status::"AttemptStatus",
             t.request_headers::jsonb, t.response_status, t.response_headers::jsonb, t.response_body, t.latency_ms, t.error, t.created_at,
             t.request_format::jsonb
      FROM unnest(
        $1::text[], $2::text[], $3::text[],
        $4::text[], $5::text[], $6::int[],
        $7::text[], $8::text[],
        $9::int[], $10::text[],
        $11::text[], $12::int[], $13::text[],
        $14::timestamptz[], $20::text[]
      ) AS t(id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers,
             response_status, response_headers, response_body, latency_ms, error, created_at, request_format)
      ON CONFLICT (id) DO NOTHING
      RETURNING 1
    )
    UPDATE deliveries d
    SET status = v.status::"DeliveryStatus", attempts = v.attempt, next_attempt_at = v.next_attempt_at,
        last_response_status = v.last_response_status, last_error = v.last_error,
        delivered_at = v.delivered_at, updated_at = v.at
    FROM unnest(
      $3::text[], $2::text[], $15::text[],
      $6::int[], $16::timestamptz[],
      $17::int[], $18::text[],
      $19::timestamptz[], $14::timestamptz[]
    ) AS v(id, tenant_id, status, attempt, next_attempt_at, last_response_status, last_error, delivered_at, at)
    WHERE d.id = ANY($3::text[]) AND d.id = v.id AND d.tenant_id = v.tenant_id AND d.status::text = 'pending'`,
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
      a.map((x) => (x.responseHeaders ? storableJson(JSON.stringify(x.responseHeaders)) : null)),
      a.map((x) => (x.responseBody === null ? null : storableText(x.responseBody))),
      a.map((x) => x.latencyMs),
      a.map((x) => x.error),
      a.map((x) => x.createdAt.toISOString()),
      u.map((x) => x.status),
      u.map((x) => iso(x.nextAttemptAt)),
      u.map((x) => x.lastResponseStatus),
      u.map((x) => x.lastError),
      u.map((x) => iso(x.deliveredAt)),
      a.map((x) => JSON.stringify(x.requestFormat)),
    ],
  });
}

// Text PostgreSQL cannot store reads as U+FFFD, so that what a receiver or mail server answered can never
// refuse the statement, and with it other endpoints' attempts (left pending, to be sent again). In text: NUL
// (half a surrogate pair becomes U+FFFD on its way to UTF-8). In JSON text, as JSON.stringify escapes them:
// NUL and half a surrogate pair, which jsonb refuses; an escape is a backslash after an even run of them.
const storableText = (text: string) => (text.includes('\0') ? text.replace(/\0/g, '\uFFFD') : text);
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

import { deliveryOrderingKey, filtersSelecting, matchesChannels, type OperationalEventType, type OperationalPayload } from '@herald/schemas';
import { emailRecipients } from './endpoints.repo.js';
import type { Queryable } from './sql.js';

/** The channels of every operational event: none (see emitOperationalEvent). */
const OPERATIONAL_CHANNELS: readonly string[] = [];

/** One operational event to emit: what happened to which endpoint, and its own payload fields. */
export interface OperationalNotice {
  tenantId: string;
  /** The endpoint it is about: it never gets the event itself. */
  endpointId: string;
  eventType: OperationalEventType;
  /** Fields after the common ones (reason, count, …). */
  details: Record<string, unknown>;
}

/** How events are emitted: Herald's environment, whether email can be sent, and how to make ids. */
export interface EmitOptions {
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
  emailConfigured: boolean;
  /** Attempts of an email delivery. */
  emailMaxAttempts: number;
  newId: (prefix: 'evt' | 'dlv') => string;
  now?: Date;
}

/** A stored operational event and its deliveries, to enqueue after the commit. */
export interface EmittedEvent {
  eventId: string;
  payload: OperationalPayload;
  /** Each delivery with its queue's owner (the endpoint, or the tenant for an email). */
  deliveries: { id: string; tenantId: string; queueOwner: string; maxAttempts: number }[];
}

/**
 * Stores one operational event and its deliveries on the caller's connection
 * (the caller's transaction makes it atomic with what it reports): a webhook
 * to each enabled, live endpoint of the tenant subscribed to the type except
 * the endpoint it is about, and an email to each recipient when the type's
 * email is enabled and email is configured. Resolves null when the endpoint
 * is not one of the tenant's.
 */
export async function emitOperationalEvent(q: Queryable, notice: OperationalNotice, options: EmitOptions): Promise<EmittedEvent | null> {
  const { rows } = await q.query<{
    tenant_name: string;
    external_id: string | null;
    primary_contact_email: string | null;
    endpoint_url: string;
    endpoint_name: string;
    email_enabled: boolean | null;
    email_subscribers: string[] | null;
    endpoints: [string, number, string[], string][];
  }>({
    name: 'herald_operational_targets',
    text: `SELECT t.name AS tenant_name, t.external_id, t.primary_contact_email, p.url AS endpoint_url, p.name AS endpoint_name,
            et.email_enabled, et.email_subscribers,
            COALESCE((
              SELECT json_agg(json_build_array(e.id, e.max_attempts, e.channels, e.ordering)) FROM endpoints e
              WHERE e.tenant_id = $1 AND e.deleted_at IS NULL AND e.enabled AND e.id <> $2 AND e.events && $4::text[]
            ), '[]') AS endpoints
     FROM tenants t JOIN endpoints p ON p.tenant_id = t.id AND p.id = $2
     LEFT JOIN event_types et ON et.tenant_id = t.id AND et.name = $3
     WHERE t.id = $1`,
    values: [notice.tenantId, notice.endpointId, notice.eventType, filtersSelecting(notice.eventType)],
  });
  const row = rows[0];
  if (!row) return null;
  const now = options.now ?? new Date();
  const payload: OperationalPayload = {
    event_type: notice.eventType,
    environment: options.environment,
    tenant: { id: notice.tenantId, name: row.tenant_name, external_id: row.external_id },
    timestamp: now.toISOString(),
    endpoint: { id: notice.endpointId, url: row.endpoint_url, name: row.endpoint_name },
    ...notice.details,
  };
  const eventId = options.newId('evt');
  const recipients = options.emailConfigured ? emailRecipients(row.email_enabled ?? false, row.primary_contact_email, row.email_subscribers) : [];
  // Fanned out by ingest's rules: an operational event is sent on no channel and has no ordering
  // key, so matchesChannels takes only the endpoints without channels, and a fifo endpoint orders
  // it on its default key like any event without one. Emails are never ordered.
  const deliveries = [
    ...row.endpoints
      .filter(([, , channels]) => matchesChannels(channels, OPERATIONAL_CHANNELS))
      .map(([id, maxAttempts, , ordering]) => ({
        id: options.newId('dlv'),
        endpointId: id as string | null,
        recipient: null as string | null,
        maxAttempts,
        orderingKey: deliveryOrderingKey(ordering, null),
      })),
    ...recipients.map((recipient) => ({ id: options.newId('dlv'), endpointId: null, recipient, maxAttempts: options.emailMaxAttempts, orderingKey: null })),
  ];
  await q.query({
    name: 'herald_insert_operational_event',
    text: `WITH stored AS (
       INSERT INTO events (id, tenant_id, event_type, payload, created_at, channels, ordering_key) VALUES ($1, $2, $3, $4, $5, '{}', NULL)
     )
     INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, kind, recipient, event_type, channels, ordering_key, order_seq, status, max_attempts, next_attempt_at, created_at)
     SELECT d.id, $2, $1, d.endpoint_id, CASE WHEN d.recipient IS NULL THEN 'webhook' ELSE 'email' END::"DeliveryKind",
            d.recipient, $3, '{}', d.ordering_key, CASE WHEN d.ordering_key IS NOT NULL THEN nextval('delivery_order_seq') END,
            'pending', d.max_attempts, $5, $5
     FROM unnest($6::text[], $7::text[], $8::text[], $9::int[], $10::text[]) WITH ORDINALITY AS d(id, endpoint_id, recipient, max_attempts, ordering_key, n)
     ORDER BY d.n`,
    values: [
      eventId,
      notice.tenantId,
      notice.eventType,
      JSON.stringify(payload),
      now,
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.endpointId),
      deliveries.map((d) => d.recipient),
      deliveries.map((d) => d.maxAttempts),
      deliveries.map((d) => d.orderingKey),
    ],
  });
  return {
    eventId,
    payload,
    deliveries: deliveries.map((d) => ({ id: d.id, tenantId: notice.tenantId, queueOwner: d.endpointId ?? notice.tenantId, maxAttempts: d.maxAttempts })),
  };
}

/** Deliveries of some endpoints that just died (attempts exhausted). */
export interface DeadCount {
  tenantId: string;
  endpointId: string;
  count: number;
}

/**
 * Adds deaths to their endpoints' open windows, opening one (now) for an
 * endpoint without: one statement for many endpoints.
 */
export async function countDeadDeliveries(q: Queryable, deaths: readonly DeadCount[]): Promise<void> {
  if (deaths.length === 0) return;
  await q.query({
    name: 'herald_count_dead_deliveries',
    text: `INSERT INTO dead_notice_windows (endpoint_id, tenant_id, count)
     SELECT endpoint_id, tenant_id, sum(count)::int FROM unnest($1::text[], $2::text[], $3::int[]) AS d(endpoint_id, tenant_id, count)
     GROUP BY endpoint_id, tenant_id
     ON CONFLICT (endpoint_id) DO UPDATE SET count = dead_notice_windows.count + EXCLUDED.count`,
    values: [deaths.map((d) => d.endpointId), deaths.map((d) => d.tenantId), deaths.map((d) => d.count)],
  });
}

/** A closed window: how many deliveries of the endpoint died in it. */
export interface ClosedDeadWindow extends DeadCount {
  openedAt: Date;
}

/**
 * Takes (deletes and returns) the windows opened at least `windowMs` ago, at
 * most `limit`: call it in the transaction that emits their events, so each
 * window is reported exactly once, whichever worker process takes it.
 */
export async function takeClosedDeadWindows(q: Queryable, windowMs: number, limit: number): Promise<ClosedDeadWindow[]> {
  const { rows } = await q.query<{ endpoint_id: string; tenant_id: string; count: number; opened_at: Date }>({
    name: 'herald_take_closed_dead_windows',
    text: `DELETE FROM dead_notice_windows WHERE endpoint_id IN (
       SELECT endpoint_id FROM dead_notice_windows WHERE opened_at <= now() - $1::int * interval '1 millisecond'
       ORDER BY opened_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ) RETURNING endpoint_id, tenant_id, count, opened_at`,
    values: [windowMs, limit],
  });
  return rows.map((r) => ({ endpointId: r.endpoint_id, tenantId: r.tenant_id, count: r.count, openedAt: r.opened_at }));
}

/** An endpoint whose failure-run notice was claimed. */
export interface ClaimedRun {
  tenantId: string;
  endpointId: string;
  firstFailureAt: Date;
}

/**
 * Claims the herald.endpoint.failing notice of these endpoints' current
 * failure runs, for those failing since at least `noticeAfterMs` ago and not
 * yet noticed (`failing_notice_for` is the run noticed): once per run.
 */
export async function claimFailingNotices(q: Queryable, endpointIds: readonly string[], noticeAfterMs: number): Promise<ClaimedRun[]> {
  const { rows } = await q.query<{ id: string; tenant_id: string; first_failure_at: Date }>({
    name: 'herald_claim_failing_notices',
    text: `UPDATE endpoints SET failing_notice_for = first_failure_at
     WHERE id = ANY($1::text[]) AND enabled AND deleted_at IS NULL AND first_failure_at IS NOT NULL
       AND first_failure_at <= now() - $2::int * interval '1 millisecond'
       AND failing_notice_for IS DISTINCT FROM first_failure_at
     RETURNING id, tenant_id, first_failure_at`,
    values: [[...endpointIds], noticeAfterMs],
  });
  return rows.map((r) => ({ endpointId: r.id, tenantId: r.tenant_id, firstFailureAt: r.first_failure_at }));
}

/**
 * Claims the herald.endpoint.recovered notice of these endpoints: those that
 * had a failing notice and whose run a success has since ended.
 */
export async function claimRecoveries(q: Queryable, endpointIds: readonly string[]): Promise<{ tenantId: string; endpointId: string; failingSince: Date }[]> {
  const { rows } = await q.query<{ id: string; tenant_id: string; failing_since: Date }>({
    name: 'herald_claim_recoveries',
    text: `UPDATE endpoints e SET failing_notice_for = NULL
     FROM (SELECT id, failing_notice_for FROM endpoints WHERE id = ANY($1::text[]) FOR UPDATE) old
     WHERE e.id = old.id AND e.first_failure_at IS NULL AND e.failing_notice_for IS NOT NULL
     RETURNING e.id, e.tenant_id, old.failing_notice_for AS failing_since`,
    values: [[...endpointIds]],
  });
  return rows.map((r) => ({ endpointId: r.id, tenantId: r.tenant_id, failingSince: r.failing_since }));
}

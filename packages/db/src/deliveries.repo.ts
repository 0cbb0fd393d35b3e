import { idFloorAt } from '@herald/core';
import { describeReason, type AttemptFields, type DeliveryReason } from '@herald/delivery';
import { SignatureSchema, type BodyFormat, type EndpointSignature } from '@herald/schemas';
import { Prisma, type Delivery, type DeliveryKind, type DeliveryStatus, type Endpoint, type Event, type PrismaClient } from './generated/prisma/client.js';
import type { Sql } from './sql.js';

/**
 * An endpoint as a delivery attempt needs it (deleted and disabled ones
 * included, so the worker can tell), with its tenant's name and external id
 * for the envelope. Read in one statement, so one attempt's request is always
 * built from one consistent state of the endpoint: its scheme, keys, body
 * format and version change together or not at all. Never mutated: a newer
 * read is a new object.
 */
export type DeliveryEndpoint = Readonly<
  Pick<
    Endpoint,
    | 'id'
    | 'tenantId'
    | 'url'
    | 'enabled'
    | 'disabledReason'
    | 'deletedAt'
    | 'timeoutMs'
    | 'rateLimitPerSecond'
    | 'headers'
    | 'secretCiphertext'
    | 'previousSecretCiphertext'
    | 'previousSecretExpiresAt'
    | 'schemaVersion'
    | 'signingKeyCiphertext'
    | 'previousSigningKeyCiphertext'
  > & {
    signature: EndpointSignature;
    bodyFormat: BodyFormat;
    /** `none` or `fifo`. */
    ordering: string;
    tenantName: string;
    tenantExternalId: string | null;
  }
>;

/** Everything one webhook delivery attempt needs, loaded in one query. */
export type DeliveryContext = Pick<Delivery, 'id' | 'tenantId' | 'eventId' | 'status' | 'attempts' | 'maxAttempts'> & {
  endpointId: string;
  event: Pick<Event, 'id' | 'tenantId' | 'eventType' | 'createdAt' | 'payload'>;
  endpoint: DeliveryEndpoint;
};

/** Everything one email delivery attempt needs: the delivery, its event, its recipient and its tenant. */
export type EmailDeliveryContext = Pick<Delivery, 'id' | 'tenantId' | 'eventId' | 'status' | 'attempts' | 'maxAttempts'> & {
  recipient: string;
  event: Pick<Event, 'id' | 'tenantId' | 'eventType' | 'createdAt' | 'payload'>;
  tenant: { id: string; name: string; externalId: string | null };
};

/** The columns of a DeliveryEndpoint (EndpointRow), and their mapping. */
const ENDPOINT_COLUMNS = [
  'id',
  'tenant_id',
  'url',
  'enabled',
  'disabled_reason',
  'deleted_at',
  'timeout_ms',
  'rate_limit_per_second',
  'headers',
  'secret_ciphertext',
  'previous_secret_ciphertext',
  'previous_secret_expires_at',
  'signature',
  'body_format',
  'schema_version',
  'signing_key_ciphertext',
  'previous_signing_key_ciphertext',
  'ordering',
] as const;

/** The endpoint columns (table alias `p`) and its tenant's (alias `t`), as selected. */
const ENDPOINT_SELECT = [...ENDPOINT_COLUMNS.map((c) => `p.${c}`), 't.name AS tenant_name', 't.external_id AS tenant_external_id'].join(', ');

/** The columns above as pg returns them. */
interface EndpointRow {
  id: string;
  tenant_id: string;
  url: string;
  enabled: boolean;
  disabled_reason: string | null;
  deleted_at: Date | null;
  timeout_ms: number;
  rate_limit_per_second: number | null;
  headers: DeliveryEndpoint['headers'];
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null;
  signature: unknown;
  body_format: string;
  schema_version: string;
  signing_key_ciphertext: string | null;
  previous_signing_key_ciphertext: string | null;
  ordering: string;
  tenant_name: string;
  tenant_external_id: string | null;
}

function endpointOf(r: EndpointRow): DeliveryEndpoint {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    url: r.url,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    deletedAt: r.deleted_at,
    timeoutMs: r.timeout_ms,
    rateLimitPerSecond: r.rate_limit_per_second,
    headers: r.headers,
    secretCiphertext: r.secret_ciphertext,
    previousSecretCiphertext: r.previous_secret_ciphertext,
    previousSecretExpiresAt: r.previous_secret_expires_at,
    // Written only through SignatureSchema by the api; a row that does not parse is corrupt and fails loudly.
    signature: SignatureSchema.parse(r.signature),
    bodyFormat: r.body_format as BodyFormat,
    schemaVersion: r.schema_version,
    signingKeyCiphertext: r.signing_key_ciphertext,
    previousSigningKeyCiphertext: r.previous_signing_key_ciphertext,
    ordering: r.ordering,
    tenantName: r.tenant_name,
    tenantExternalId: r.tenant_external_id,
  };
}

/** How a job names its delivery to the lookups below (the tenant's, by id). */
export interface DeliveryKey {
  tenantId: string;
  deliveryId: string;
}

/**
 * The contexts of many deliveries in one query (the worker batches the jobs
 * that start together). Each is looked up by tenant and id; missing ones are
 * absent from the result.
 *
 * Planned at each call (no statement name): a plan kept from when the table
 * was empty (a fresh install, or a benchmark run) was a sequential scan, or a
 * scan of the whole (tenant_id, kind, id) index for 'webhook', still used
 * after the table had grown; planning costs ~0.3 ms per batch of jobs.
 * `id = ANY(ids)` and `kind::text` keep even a poorly informed plan on the
 * primary key (see writeAttempts). The kind is tested in the join's
 * condition, as writeAttempts tests "still pending": as a filter of the scan
 * it made PostgreSQL expect one delivery, and join the keys to them in a loop
 * that read every key again for each delivery (an EXPLAIN ANALYZE of 100
 * keys ran 10.7 ms that way and 1.4 ms as a hash join, 2026-12-05).
 */
export async function loadDeliveryContexts(
  sql: Sql,
  keys: readonly DeliveryKey[],
): Promise<Map<string, DeliveryContext>> {
  const { rows } = await sql.query({
    text: `SELECT d.id AS delivery_id, d.event_id, d.endpoint_id, d.status, d.attempts, d.max_attempts,
            e.event_type, e.created_at AS event_created_at, e.payload, ${ENDPOINT_SELECT}
     FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id)
     JOIN deliveries d ON d.id = k.id AND d.tenant_id = CASE WHEN d.kind::text = 'webhook' THEN k.tenant_id END
     JOIN events e ON e.id = d.event_id JOIN endpoints p ON p.id = d.endpoint_id JOIN tenants t ON t.id = p.tenant_id
     WHERE d.id = ANY($2::text[])`,
    values: [keys.map((k) => k.tenantId), keys.map((k) => k.deliveryId)],
  });
  const contexts = new Map<string, DeliveryContext>();
  for (const r of rows) {
    contexts.set(r.delivery_id, {
      id: r.delivery_id,
      tenantId: r.tenant_id,
      eventId: r.event_id,
      endpointId: r.endpoint_id,
      status: r.status,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      event: { id: r.event_id, tenantId: r.tenant_id, eventType: r.event_type, createdAt: r.event_created_at, payload: r.payload },
      endpoint: endpointOf(r),
    });
  }
  return contexts;
}

/** Where a delivery stands: what a job carrying its event checks before trusting it (loadDeliveryStates). */
export interface DeliveryState {
  status: string;
  attempts: number;
}

/**
 * The status and attempt count of many deliveries in one query, looked up by
 * tenant and id; missing ones are absent. The worker's check of a job whose
 * carried event is older than INLINE_EVENT_TRUST_MS (packages/queue): a primary
 * key lookup per delivery instead of loadDeliveryContexts' join of the
 * delivery, its event, endpoint and tenant. Planned at each call, as
 * loadDeliveryContexts.
 */
export async function loadDeliveryStates(
  sql: Sql,
  keys: readonly DeliveryKey[],
): Promise<Map<string, DeliveryState>> {
  const { rows } = await sql.query<{ id: string; status: string; attempts: number }>({
    text: `SELECT d.id, d.status, d.attempts
     FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id)
     JOIN deliveries d ON d.tenant_id = k.tenant_id AND d.id = k.id
     WHERE d.id = ANY($2::text[])`,
    values: [keys.map((k) => k.tenantId), keys.map((k) => k.deliveryId)],
  });
  return new Map(rows.map((r) => [r.id, { status: r.status, attempts: r.attempts }]));
}

/** The contexts of email deliveries, in one query; missing ones (and webhook ones) are absent. Planned at each call, as loadDeliveryContexts. */
export async function loadEmailDeliveryContexts(
  sql: Sql,
  keys: readonly DeliveryKey[],
): Promise<Map<string, EmailDeliveryContext>> {
  const { rows } = await sql.query({
    text: `SELECT d.id AS delivery_id, d.tenant_id, d.event_id, d.recipient, d.status, d.attempts, d.max_attempts,
            e.event_type, e.created_at AS event_created_at, e.payload, t.name AS tenant_name, t.external_id AS tenant_external_id
     FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id)
     JOIN deliveries d ON d.id = k.id AND d.tenant_id = CASE WHEN d.kind::text = 'email' THEN k.tenant_id END
     JOIN events e ON e.id = d.event_id JOIN tenants t ON t.id = d.tenant_id
     WHERE d.id = ANY($2::text[])`,
    values: [keys.map((k) => k.tenantId), keys.map((k) => k.deliveryId)],
  });
  const contexts = new Map<string, EmailDeliveryContext>();
  for (const r of rows) {
    contexts.set(r.delivery_id, {
      id: r.delivery_id,
      tenantId: r.tenant_id,
      eventId: r.event_id,
      recipient: r.recipient,
      status: r.status,
      attempts: r.attempts,
      maxAttempts: r.max_attempts,
      event: { id: r.event_id, tenantId: r.tenant_id, eventType: r.event_type, createdAt: r.event_created_at, payload: r.payload },
      tenant: { id: r.tenant_id, name: r.tenant_name, externalId: r.tenant_external_id },
    });
  }
  return contexts;
}

/** These endpoints (deleted ones included, so the worker can tell), in one query; unknown ids are absent. */
export async function loadDeliveryEndpoints(sql: Sql, ids: readonly string[]): Promise<Map<string, DeliveryEndpoint>> {
  const { rows } = await sql.query<EndpointRow>({
    name: 'herald_load_delivery_endpoints',
    text: `SELECT ${ENDPOINT_SELECT} FROM endpoints p JOIN tenants t ON t.id = p.tenant_id WHERE p.id = ANY($1::text[])`,
    values: [[...ids]],
  });
  return new Map(rows.map((r) => [r.id, endpointOf(r)]));
}

/** One HTTP attempt as stored: its own fields and where it belongs. */
export type NewAttempt = AttemptFields & {
  id: string;
  deliveryId: string;
  /** Null for an email attempt. */
  endpointId: string | null;
  eventId: string;
  attempt: number;
};

/** Where an attempt leaves its delivery. */
export interface DeliveryUpdate {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
}

/** Finishes a pending delivery without an attempt (endpoint deleted or disabled). */
export async function finishDelivery(
  sql: Sql,
  tenantId: string,
  deliveryId: string,
  status: 'dead' | 'cancelled',
  reason: DeliveryReason,
): Promise<void> {
  await sql.query({
    name: 'herald_finish_delivery',
    text: `UPDATE deliveries SET status = $3::"DeliveryStatus", last_error = $4, next_attempt_at = NULL, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`,
    values: [tenantId, deliveryId, status, describeReason(reason)],
  });
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  kind?: DeliveryKind;
  endpointId?: string;
  eventType?: string;
  /** Deliveries of events sent on this channel. */
  channel?: string;
  since?: Date;
  until?: Date;
}

/**
 * How far a delivery's id time may be from its `created_at`: the id is made by
 * the service, `created_at` by PostgreSQL's clock, in the same statement.
 */
const ID_CLOCK_MARGIN_MS = 60 * 60 * 1000;

/**
 * Deliveries of a tenant, newest first, after the cursor's id. A time range
 * also bounds the ids (ids are time-ordered), widened by ID_CLOCK_MARGIN_MS:
 * `created_at` still decides, but the index walk starts and stops near the
 * range instead of passing every newer delivery (PostgreSQL's LIMIT plan
 * assumes matching rows are spread evenly, and old ones are not).
 *
 * The page's ids are found by {@link deliveryPageQuery}, then read by id.
 */
export async function listDeliveries(
  db: PrismaClient,
  tenantId: string,
  filter: DeliveryFilter,
  limit: number,
  afterId: string | null,
): Promise<Delivery[]> {
  const ids = await db.$queryRaw<{ id: string }[]>(deliveryPageQuery(tenantId, filter, limit + 1, afterId));
  if (ids.length === 0) return [];
  return db.delivery.findMany({ where: { tenantId, id: { in: ids.map((r) => r.id) } }, orderBy: { id: 'desc' } });
}

/**
 * A tenant's deliveries (`d`) that a filter matches, as conditions: each
 * filter is one only when given, its value a parameter of the column's own
 * type. PostgreSQL then plans with the value, so the indexes that hold only
 * some statuses or kinds (undelivered rows, emails: migration
 * 20261204220000_undelivered_status_indexes) serve the filters that name them;
 * Prisma's own filters send text cast to the enum, which PostgreSQL cannot
 * match to such an index while planning. The outbox list and replay by filter
 * both match with these.
 */
export function deliveryConditions(tenantId: string, filter: DeliveryFilter): Prisma.Sql[] {
  return [
    Prisma.sql`d.tenant_id = ${tenantId}`,
    ...(filter.status ? [Prisma.sql`d.status = ${filter.status}::"DeliveryStatus"`] : []),
    ...(filter.kind ? [Prisma.sql`d.kind = ${filter.kind}::"DeliveryKind"`] : []),
    ...(filter.endpointId ? [Prisma.sql`d.endpoint_id = ${filter.endpointId}`] : []),
    ...(filter.eventType ? [Prisma.sql`d.event_type = ${filter.eventType}`] : []),
    // Also the predicate of the (partial) GIN index on channels.
    ...(filter.channel ? [Prisma.sql`d.channels @> ARRAY[${filter.channel}::text] AND d.channels <> '{}'`] : []),
    ...(filter.since ? [Prisma.sql`d.created_at >= ${filter.since}`] : []),
    ...(filter.until ? [Prisma.sql`d.created_at < ${filter.until}`] : []),
  ];
}

/** The ids of a page of {@link listDeliveries}: the filter's deliveries before `afterId`, newest first. */
export function deliveryPageQuery(tenantId: string, filter: DeliveryFilter, limit: number, afterId: string | null): Prisma.Sql {
  const untilId = filter.until ? idFloorAt('dlv', filter.until.getTime() + ID_CLOCK_MARGIN_MS) : null;
  const below = afterId && untilId ? (afterId < untilId ? afterId : untilId) : (afterId ?? untilId);
  const from = filter.since ? idFloorAt('dlv', filter.since.getTime() - ID_CLOCK_MARGIN_MS) : null;
  const conditions = [
    ...deliveryConditions(tenantId, filter),
    ...(below ? [Prisma.sql`d.id < ${below}`] : []),
    ...(from ? [Prisma.sql`d.id >= ${from}`] : []),
  ];
  return Prisma.sql`SELECT d.id FROM deliveries d WHERE ${Prisma.join(conditions, ' AND ')} ORDER BY d.id DESC LIMIT ${limit}`;
}

/** A pending delivery as the reconciler sees it. */
export interface PendingDelivery {
  deliveryId: string;
  tenantId: string;
  /** Its queue's owner: the endpoint of a webhook, the tenant (its email queue) of an email (packages/queue names.ts). */
  endpointId: string;
  maxAttempts: number;
  nextAttemptAt: Date | null;
}

/**
 * Pending deliveries across all tenants, by id, after `afterId`: the
 * reconciler's maintenance scan. `dueBefore` keeps only those whose next
 * attempt is due before then (the overdue ones), `createdBefore` those created
 * before then. Not tenant-scoped on purpose: it returns only ids for
 * re-enqueueing, never tenant data to a caller.
 *
 * A page reads only its own rows: `deliveries_pending_id_idx` holds the
 * pending deliveries in id order (migration 20261203110000_pending_scan_index),
 * `id > $1` is always an index condition (the first page starts after ''),
 * and the statement is planned at each call (no name), with the table's size
 * of the moment, rather than kept per connection as whatever suited the table
 * when first run.
 */
export async function scanPendingDeliveries(
  sql: Sql,
  { afterId, dueBefore, createdBefore, limit }: { afterId: string | null; dueBefore?: Date; createdBefore?: Date; limit: number },
): Promise<PendingDelivery[]> {
  const { rows } = await sql.query<{ id: string; tenant_id: string; endpoint_id: string; max_attempts: number; next_attempt_at: Date | null }>({
    text: `SELECT id, tenant_id, COALESCE(endpoint_id, tenant_id) AS endpoint_id, max_attempts, next_attempt_at FROM deliveries
     WHERE status = 'pending' AND id > $1::text
       AND ($2::timestamptz IS NULL OR next_attempt_at < $2) AND ($3::timestamptz IS NULL OR created_at < $3)
     ORDER BY id LIMIT $4`,
    values: [afterId ?? '', dueBefore ?? null, createdBefore ?? null, limit],
  });
  return rows.map((r) => ({ deliveryId: r.id, tenantId: r.tenant_id, endpointId: r.endpoint_id, maxAttempts: r.max_attempts, nextAttemptAt: r.next_attempt_at }));
}

import { describeReason, type DisabledReason } from '@herald/delivery';
import { filtersSelecting, type BodyFormat, type EndpointSignature } from '@herald/schemas';
import type { Endpoint, PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';
import { withTransaction, type Queryable, type Sql } from './sql.js';

/** A new endpoint's row. */
export interface NewEndpoint {
  id: string;
  url: string;
  name: string;
  description: string;
  events: string[];
  channels: string[];
  ordering: string;
  enabled: boolean;
  timeoutMs: number;
  maxAttempts: number;
  rateLimitPerSecond: number | null;
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  secretCiphertext: string;
  secretPrefix: string;
  signature: EndpointSignature;
  bodyFormat: BodyFormat;
  schemaVersion: string;
  /** The ed25519 key pair, for an endpoint created with standard-webhooks-ed25519. */
  keyPair: EndpointKeyPair | null;
}

/** An endpoint's ed25519 key pair as stored: the `whsk_` key encrypted, the `whpk_` key as is. */
export interface EndpointKeyPair {
  privateKeyCiphertext: string;
  publicKey: string;
}

export async function createEndpoint(db: PrismaClient, tenantId: string, input: NewEndpoint): Promise<Endpoint> {
  const { keyPair, ...fields } = input;
  return db.endpoint.create({
    data: {
      ...fields,
      tenantId,
      headers: input.headers as Prisma.InputJsonObject,
      metadata: input.metadata as Prisma.InputJsonObject,
      signature: input.signature as Prisma.InputJsonObject,
      signingKeyCiphertext: keyPair?.privateKeyCiphertext ?? null,
      signingPublicKey: keyPair?.publicKey ?? null,
    },
  });
}

/** A live (not deleted) endpoint of this tenant. */
export async function findEndpoint(db: PrismaClient, tenantId: string, id: string): Promise<Endpoint | null> {
  return db.endpoint.findFirst({ where: { tenantId, id, deletedAt: null } });
}

/** The live endpoints of this tenant among these ids (unknown, deleted and other tenants' ids are left out). */
export async function findEndpointsByIds(db: PrismaClient, tenantId: string, ids: readonly string[]): Promise<Endpoint[]> {
  return db.endpoint.findMany({ where: { tenantId, id: { in: [...ids] }, deletedAt: null } });
}

export interface EndpointFilter {
  enabled?: boolean;
  /** Endpoints whose filters select this event type. */
  eventType?: string;
  /** Endpoints that list this channel. */
  channel?: string;
}

/** Live endpoints of a tenant, newest first, after the cursor's id. */
export async function listEndpoints(
  db: PrismaClient,
  tenantId: string,
  filter: EndpointFilter,
  limit: number,
  afterId: string | null,
): Promise<Endpoint[]> {
  return db.endpoint.findMany({
    where: {
      tenantId,
      deletedAt: null,
      ...(filter.enabled === undefined ? {} : { enabled: filter.enabled }),
      ...(filter.eventType ? { events: { hasSome: filtersSelecting(filter.eventType) } } : {}),
      ...(filter.channel ? { channels: { has: filter.channel } } : {}),
      ...(afterId ? { id: { lt: afterId } } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
}

/** What fan-out needs of each enabled endpoint subscribed to an event type. */
export interface FanOutTarget {
  id: string;
  maxAttempts: number;
  /** The endpoint's channels: which events of the type it receives is matchesChannels's question, per event. */
  channels: string[];
  /** `none` or `fifo`: whether its deliveries get an ordering key. */
  ordering: string;
}

/** A registered event type as ingest needs it: its schema, and where its events go. */
export interface IngestTarget {
  schema: Record<string, unknown> | null;
  endpoints: FanOutTarget[];
  /** Who gets an email of each event: none unless its email is enabled (emailRecipients). */
  emails: string[];
}

/**
 * Who gets an email of an event of a type: nobody unless the type's email is
 * enabled; then the tenant's primary contact and the type's subscribers,
 * once each (addresses compared case-insensitively). The one definition of
 * the rule: ingest's fan-out and operational events both use it.
 */
export function emailRecipients(emailEnabled: boolean, primaryContact: string | null, subscribers: readonly string[] | null): string[] {
  if (!emailEnabled) return [];
  const seen = new Set<string>();
  for (const address of [primaryContact, ...(subscribers ?? [])]) if (address) seen.add(address.toLowerCase());
  return [...seen];
}

/** Ingest's view of some event types, read at one `config_version` of the tenant. */
export interface IngestTargets {
  /** The tenant's `config_version` this was read at (a bigint, as text); null when the tenant does not exist. */
  version: string | null;
  /** Registered types among those asked for; the others are absent. */
  targets: Map<string, IngestTarget>;
}

/**
 * For each of these event types the tenant has registered: its JSON Schema
 * and the enabled, live endpoints subscribed to it (by name, by a `prefix.*`
 * family, or `*`), with the tenant's `config_version`, in one query.
 */
export async function findIngestTargets(sql: Sql, tenantId: string, eventTypes: readonly string[]): Promise<IngestTargets> {
  // (name, filter) for every filter selecting each name: the rule is filtersSelecting's, not SQL's.
  const selecting = eventTypes.flatMap((name) => filtersSelecting(name).map((filter) => [name, filter] as const));
  const { rows } = await sql.query<{
    version: string;
    name: string | null;
    schema: Record<string, unknown> | null;
    endpoints: [string, number, string[], string][];
    email_enabled: boolean;
    email_subscribers: string[] | null;
    primary_contact_email: string | null;
  }>({
    name: 'herald_find_ingest_targets',
    text: `SELECT tn.config_version::text AS version, t.name, t.schema, t.email_enabled, t.email_subscribers, tn.primary_contact_email,
            COALESCE((
              SELECT json_agg(json_build_array(e.id, e.max_attempts, e.channels, e.ordering))
              FROM endpoints e
              WHERE e.tenant_id = $1 AND e.deleted_at IS NULL AND e.enabled
                AND e.events && ARRAY(SELECT f.filter FROM unnest($3::text[], $4::text[]) AS f(name, filter) WHERE f.name = t.name)
            ), '[]') AS endpoints
     FROM tenants tn LEFT JOIN event_types t ON t.tenant_id = tn.id AND t.name = ANY($2::text[])
     WHERE tn.id = $1`,
    values: [tenantId, [...eventTypes], selecting.map(([name]) => name), selecting.map(([, filter]) => filter)],
  });
  const targets = new Map<string, IngestTarget>();
  for (const r of rows) {
    if (r.name === null) continue;
    targets.set(r.name, {
      schema: r.schema,
      endpoints: r.endpoints.map(([id, maxAttempts, channels, ordering]) => ({ id, maxAttempts, channels, ordering })),
      emails: emailRecipients(r.email_enabled, r.primary_contact_email, r.email_subscribers),
    });
  }
  return { version: rows[0]?.version ?? null, targets };
}

/**
 * Disables an endpoint and, in the same statement, turns its pending
 * deliveries `dead` with the reason, so they stay replayable and never vanish.
 * Resolves the number of deliveries made dead, or null if the endpoint is not
 * a live endpoint of this tenant.
 */
export async function disableEndpoint(sql: Queryable, tenantId: string, id: string, reason: DisabledReason): Promise<number | null> {
  const { rows } = await sql.query<{ endpoints: number; dead: number }>({
    name: 'herald_disable_endpoint',
    text: `WITH ep AS (
       UPDATE endpoints SET enabled = false, disabled_reason = $3, first_failure_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id
     ), dead AS (
       UPDATE deliveries SET status = 'dead', last_error = $4, next_attempt_at = NULL, updated_at = now()
       WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending' AND EXISTS (SELECT 1 FROM ep) RETURNING 1
     )
     SELECT (SELECT count(*) FROM ep)::int AS endpoints, (SELECT count(*) FROM dead)::int AS dead`,
    values: [tenantId, id, reason, describeReason({ kind: 'endpoint_disabled', reason })],
  });
  return rows[0]!.endpoints === 0 ? null : rows[0]!.dead;
}

/**
 * Deletes an endpoint (the row stays, marked deleted, so history keeps its
 * references) and cancels its pending deliveries, atomically. Resolves false
 * if it is not a live endpoint of this tenant.
 */
export async function deleteEndpoint(db: PrismaClient, tenantId: string, id: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const now = new Date();
    const updated = await tx.endpoint.updateMany({ where: { tenantId, id, deletedAt: null }, data: { deletedAt: now, enabled: false } });
    if (updated.count === 0) return false;
    // 'pending' written out: the index on an endpoint's undelivered rows serves only a status PostgreSQL sees while planning.
    await tx.$executeRaw`UPDATE deliveries SET status = 'cancelled', last_error = ${describeReason({ kind: 'endpoint_deleted' })}, next_attempt_at = NULL, updated_at = ${now}
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${id} AND status = 'pending'`;
    return true;
  });
}

/** Fields an endpoint PATCH may change. */
export interface EndpointChanges {
  url?: string;
  name?: string;
  description?: string;
  events?: string[];
  channels?: string[];
  ordering?: string;
  timeoutMs?: number;
  maxAttempts?: number;
  rateLimitPerSecond?: number | null;
  headers?: Record<string, string>;
  metadata?: Record<string, unknown>;
  signature?: EndpointSignature;
  bodyFormat?: BodyFormat;
  schemaVersion?: string;
  /**
   * A key pair to give the endpoint unless it already has one (it is changing
   * to standard-webhooks-ed25519): written in the same statement as the
   * scheme, so no attempt ever sees the scheme without its key.
   */
  keyPair?: EndpointKeyPair;
  /** true re-enables (clearing why it was disabled and its failure run); false disables it by hand. */
  enabled?: boolean;
}

// Each changeable field's column and type.
const CHANGE_COLUMNS: Record<Exclude<keyof EndpointChanges, 'enabled' | 'keyPair'>, [column: string, type: string]> = {
  url: ['url', 'text'],
  name: ['name', 'text'],
  description: ['description', 'text'],
  events: ['events', 'text[]'],
  channels: ['channels', 'text[]'],
  ordering: ['ordering', 'text'],
  timeoutMs: ['timeout_ms', 'int'],
  maxAttempts: ['max_attempts', 'int'],
  rateLimitPerSecond: ['rate_limit_per_second', 'int'],
  headers: ['headers', 'jsonb'],
  metadata: ['metadata', 'jsonb'],
  signature: ['signature', 'jsonb'],
  bodyFormat: ['body_format', 'text'],
  schemaVersion: ['schema_version', 'text'],
};

/** What became of an endpoint change. */
export type ChangeEndpointOutcome =
  | { outcome: 'not_found' }
  /** `ordering` would change while deliveries are pending: nothing was written. */
  | { outcome: 'ordering_in_flight'; pending: number }
  | {
      outcome: 'changed';
      /** Whether anything was written (a PATCH of nothing, or of `enabled` to what it already is, writes nothing). */
      changed: boolean;
      /** Set when this change disabled it: how many pending deliveries became dead. */
      disabled: { deadDeliveries: number } | null;
    };

/**
 * Changes a live endpoint of this tenant, fields and `enabled` together, in
 * one transaction (the row is locked first, so the enable/disable transition
 * is judged on its current state). Disabling makes its pending deliveries
 * `dead` (disableEndpoint); re-enabling clears the reason and the failure run
 * (enableEndpoint). `enabled` set to what it already is changes nothing: an
 * endpoint the worker disabled keeps its reason. Deliveries already made keep
 * their own max_attempts.
 */
export async function changeEndpoint(sql: Sql, tenantId: string, id: string, changes: EndpointChanges): Promise<ChangeEndpointOutcome> {
  return withTransaction(sql, async (client) => {
    const { rows } = await client.query<{ enabled: boolean; ordering: string }>(
      'SELECT enabled, ordering FROM endpoints WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE',
      [tenantId, id],
    );
    if (rows.length === 0) return { outcome: 'not_found' };
    if (changes.ordering !== undefined && changes.ordering !== rows[0]!.ordering) {
      // Pending deliveries were fanned out under the old ordering (with or without keys): switching mid-stream would break it.
      const pending = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM deliveries WHERE tenant_id = $1 AND endpoint_id = $2 AND status = 'pending'",
        [tenantId, id],
      );
      if (pending.rows[0]!.n > 0) return { outcome: 'ordering_in_flight', pending: pending.rows[0]!.n };
    }
    const fields = Object.entries(changes).filter(([key, value]) => key !== 'enabled' && key !== 'keyPair' && value !== undefined) as [
      keyof typeof CHANGE_COLUMNS,
      unknown,
    ][];
    if (fields.length > 0 || changes.keyPair) {
      const set = fields.map(([key], i) => `${CHANGE_COLUMNS[key][0]} = $${i + 3}::${CHANGE_COLUMNS[key][1]}`);
      const values = fields.map(([key, value]) => (CHANGE_COLUMNS[key][1] === 'jsonb' ? JSON.stringify(value) : value));
      if (changes.keyPair) {
        // Both halves only where there is no key yet: an endpoint keeps its key pair across scheme changes.
        const at = values.length + 3;
        set.push(
          `signing_key_ciphertext = COALESCE(signing_key_ciphertext, $${at}::text)`,
          `signing_public_key = CASE WHEN signing_key_ciphertext IS NULL THEN $${at + 1}::text ELSE signing_public_key END`,
        );
        values.push(changes.keyPair.privateKeyCiphertext, changes.keyPair.publicKey);
      }
      await client.query(`UPDATE endpoints SET ${set.join(', ')}, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, ...values]);
    }
    const wasEnabled = rows[0]!.enabled;
    let disabled: { deadDeliveries: number } | null = null;
    if (changes.enabled === true && !wasEnabled) await enableEndpoint(client, tenantId, id);
    if (changes.enabled === false && wasEnabled) disabled = { deadDeliveries: (await disableEndpoint(client, tenantId, id, 'manual')) ?? 0 };
    const toggled = changes.enabled !== undefined && changes.enabled !== wasEnabled;
    return { outcome: 'changed', changed: fields.length > 0 || changes.keyPair !== undefined || toggled, disabled };
  });
}

/**
 * Re-enables a disabled live endpoint: clears why it was disabled and the
 * start of its failure run, so auto-disable counts afresh. Resolves false
 * when there was nothing to re-enable (unknown, deleted or already enabled):
 * an enabled endpoint keeps its failure run.
 */
export async function enableEndpoint(sql: Queryable, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await sql.query({
    name: 'herald_enable_endpoint',
    text: `UPDATE endpoints SET enabled = true, disabled_reason = NULL, first_failure_at = NULL, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL AND NOT enabled`,
    values: [tenantId, id],
  });
  return rowCount === 1;
}

/** The secrets an endpoint signs with after a rotation. */
export interface SecretRotation {
  secretCiphertext: string;
  secretPrefix: string;
  /** Its next key pair, used only if the endpoint has one (it is or was standard-webhooks-ed25519). */
  keyPair: EndpointKeyPair;
  /** Until when the outgoing secret (and key) still sign too; null drops them at once. */
  previousSecretExpiresAt: Date | null;
}

/**
 * Makes a new secret current and, with an overlap, the current one previous
 * (an older previous secret is dropped); an endpoint with an ed25519 key pair
 * has its key pair rotated the same way. One UPDATE reading the row's own
 * current secret and key, so two rotations at once cannot lose a secret that
 * was shown to a caller. Resolves the endpoint's public key after the
 * rotation (null without a key pair), or null if it is not a live endpoint of
 * this tenant.
 */
export async function rotateEndpointSecret(
  db: PrismaClient,
  tenantId: string,
  id: string,
  rotation: SecretRotation,
): Promise<{ signingPublicKey: string | null } | null> {
  const expiresAt = rotation.previousSecretExpiresAt?.toISOString() ?? null;
  const { privateKeyCiphertext, publicKey } = rotation.keyPair;
  const rows = await db.$queryRaw<{ signing_public_key: string | null }[]>`
    UPDATE endpoints SET
      previous_secret_ciphertext = CASE WHEN ${expiresAt}::timestamptz IS NULL THEN NULL ELSE secret_ciphertext END,
      previous_signing_key_ciphertext = CASE WHEN ${expiresAt}::timestamptz IS NULL THEN NULL ELSE signing_key_ciphertext END,
      previous_secret_expires_at = ${expiresAt}::timestamptz,
      secret_ciphertext = ${rotation.secretCiphertext},
      secret_prefix = ${rotation.secretPrefix},
      signing_key_ciphertext = CASE WHEN signing_key_ciphertext IS NULL THEN NULL ELSE ${privateKeyCiphertext}::text END,
      signing_public_key = CASE WHEN signing_key_ciphertext IS NULL THEN NULL ELSE ${publicKey}::text END,
      updated_at = now()
    WHERE tenant_id = ${tenantId} AND id = ${id} AND deleted_at IS NULL
    RETURNING signing_public_key`;
  return rows.length === 1 ? { signingPublicKey: rows[0]!.signing_public_key } : null;
}

/** Raw numbers behind an endpoint's stats. */
export interface EndpointStats {
  /** Deliveries created since `since`, by status. */
  delivered: number;
  dead: number;
  /** Pending deliveries now, whenever created. */
  pending: number;
  /** Attempts made since `since`. */
  attempts: number;
  succeededAttempts: number;
  failedAttempts: number;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

/**
 * Delivery and attempt figures of one endpoint since a time (of one channel's events, if given), in one query.
 * A channel filter also states `channels <> '{}'`, the predicate of the (partial) GIN index on channels.
 */
export async function endpointStats(db: PrismaClient, tenantId: string, endpointId: string, since: Date, channel?: string): Promise<EndpointStats> {
  const ch = channel ?? null;
  const [row] = await db.$queryRaw<EndpointStats[]>`
    WITH d AS (
      SELECT
        count(*) FILTER (WHERE status = 'delivered' AND created_at >= ${since}::timestamptz)::int AS delivered,
        count(*) FILTER (WHERE status = 'dead' AND created_at >= ${since}::timestamptz)::int AS dead,
        count(*) FILTER (WHERE status = 'pending')::int AS pending
      FROM deliveries
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId}
        AND (status = 'pending' OR created_at >= ${since}::timestamptz)
        AND (${ch}::text IS NULL OR (channels @> ARRAY[${ch}::text] AND channels <> '{}'))
    ), a AS (
      SELECT
        count(*)::int AS attempts,
        count(*) FILTER (WHERE status = 'succeeded')::int AS "succeededAttempts",
        count(*) FILTER (WHERE status = 'failed')::int AS "failedAttempts",
        round(percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms))::int AS "p50LatencyMs",
        round(percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms))::int AS "p99LatencyMs"
      FROM attempts at
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND created_at >= ${since}::timestamptz
        AND (${ch}::text IS NULL OR EXISTS (SELECT 1 FROM deliveries dl WHERE dl.id = at.delivery_id AND dl.channels @> ARRAY[${ch}::text] AND dl.channels <> '{}'))
    )
    SELECT * FROM d, a`;
  return row!;
}

/** One hour of an endpoint's activity. */
export interface EndpointHour {
  /** The start of the hour (UTC). */
  start: Date;
  delivered: number;
  failed: number;
  dead: number;
}

/**
 * An endpoint's activity per UTC hour, for the `hours` hours up to and
 * including the current one, oldest first, empty hours included: succeeded
 * and failed attempts by when they were made, and dead deliveries by when
 * they last changed (which is when they died).
 */
export async function endpointHourly(db: PrismaClient, tenantId: string, endpointId: string, hours: number, now: Date = new Date()): Promise<EndpointHour[]> {
  const HOUR = 3_600_000;
  const first = Math.floor(now.getTime() / HOUR) * HOUR - (hours - 1) * HOUR;
  const since = new Date(first);
  const rows = await db.$queryRaw<{ start: Date; delivered: number; failed: number; dead: number }[]>`
    WITH a AS (
      SELECT date_trunc('hour', created_at, 'UTC') AS start,
        count(*) FILTER (WHERE status = 'succeeded')::int AS delivered,
        count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM attempts
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND created_at >= ${since}::timestamptz
      GROUP BY 1
    ), d AS (
      SELECT date_trunc('hour', updated_at, 'UTC') AS start, count(*)::int AS dead
      FROM deliveries
      WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND status = 'dead' AND updated_at >= ${since}::timestamptz
      GROUP BY 1
    )
    SELECT coalesce(a.start, d.start) AS start, coalesce(a.delivered, 0) AS delivered,
      coalesce(a.failed, 0) AS failed, coalesce(d.dead, 0) AS dead
    FROM a FULL JOIN d ON a.start = d.start`;
  const byHour = new Map(rows.map((r) => [r.start.getTime(), r]));
  return Array.from({ length: hours }, (_, i) => {
    const start = first + i * HOUR;
    const row = byHour.get(start);
    return { start: new Date(start), delivered: row?.delivered ?? 0, failed: row?.failed ?? 0, dead: row?.dead ?? 0 };
  });
}

import { deliveryConditions } from './deliveries.repo.js';
import { Prisma, type Attempt, type Delivery, type DeliveryStatus, type Event, type PrismaClient } from './generated/prisma/client.js';

/** A delivery with its event and every attempt, oldest first. */
export type DeliveryDetail = Delivery & { event: Event; attemptsList: Attempt[] };

export async function findDeliveryDetail(db: PrismaClient, tenantId: string, deliveryId: string): Promise<DeliveryDetail | null> {
  return db.delivery.findFirst({
    where: { tenantId, id: deliveryId },
    include: { event: true, attemptsList: { orderBy: { id: 'asc' } } },
  });
}

/** An event with its deliveries, oldest first. */
export async function findEventWithDeliveries(
  db: PrismaClient,
  tenantId: string,
  eventId: string,
): Promise<(Event & { deliveries: Delivery[] }) | null> {
  return db.event.findFirst({ where: { tenantId, id: eventId }, include: { deliveries: { orderBy: { id: 'asc' } } } });
}

/** Statuses a delivery may be replayed from. */
export const REPLAYABLE: DeliveryStatus[] = ['dead', 'delivered', 'cancelled'];

/** What replay needs to enqueue a delivery again. */
export interface ReplayedDelivery {
  id: string;
  tenantId: string;
  /** Its queue's owner: the endpoint, or for an email the tenant (packages/queue names.ts). */
  endpointId: string;
  maxAttempts: number;
}

/** Whether email deliveries may be sent now (HERALD_SMTP_URL is set): a replay of one is refused otherwise. */
export interface ReplayOptions {
  emailConfigured: boolean;
}

export type ReplayOutcome =
  | { outcome: 'replayed'; delivery: Delivery }
  | { outcome: 'not_found' }
  | { outcome: 'already_pending' }
  | { outcome: 'endpoint_unavailable'; reason: string }
  | { outcome: 'email_unavailable' };

/**
 * Puts one delivery back to `pending` with its attempt counter at 0, if it is
 * replayable and its endpoint is live and enabled (an email: email is
 * configured). The status check is in the UPDATE itself, so two replays at
 * once queue it once.
 */
export async function replayDelivery(db: PrismaClient, tenantId: string, deliveryId: string, options: ReplayOptions): Promise<ReplayOutcome> {
  const delivery = await db.delivery.findFirst({ where: { tenantId, id: deliveryId }, include: { endpoint: true } });
  if (!delivery) return { outcome: 'not_found' };
  const { endpoint } = delivery;
  if (endpoint === null) {
    if (!options.emailConfigured) return { outcome: 'email_unavailable' };
  } else {
    if (endpoint.deletedAt) return { outcome: 'endpoint_unavailable', reason: 'its endpoint was deleted' };
    if (!endpoint.enabled) return { outcome: 'endpoint_unavailable', reason: 'its endpoint is disabled; enable it first' };
  }
  const now = new Date();
  const [moved] = await db.delivery.updateManyAndReturn({
    where: { tenantId, id: deliveryId, status: { in: REPLAYABLE } },
    data: {
      status: 'pending',
      attempts: 0,
      maxAttempts: endpoint?.maxAttempts ?? delivery.maxAttempts,
      nextAttemptAt: now,
      deliveredAt: null,
      lastError: null,
      lastResponseStatus: null,
      updatedAt: now,
    },
  });
  if (!moved) return { outcome: 'already_pending' };
  // A replayed fifo delivery goes after the ones already waiting on its key (its job is queued after this).
  if (moved.orderingKey !== null) await db.$executeRaw`UPDATE deliveries SET order_seq = nextval('delivery_order_seq') WHERE id = ${moved.id}`;
  return { outcome: 'replayed', delivery: moved };
}

export interface ReplayFilter {
  kind?: 'webhook' | 'email';
  endpointId?: string;
  eventType?: string;
  /** Deliveries of events sent on this channel. */
  channel?: string;
  status: 'dead' | 'delivered' | 'cancelled';
  since?: Date;
  until?: Date;
}

/** The deliveries (`d`) of the tenant a replay filter matches: the one definition, for the replay and its preview. */
function replayMatch(tenantId: string, filter: ReplayFilter): Prisma.Sql {
  return Prisma.join(deliveryConditions(tenantId, filter), ' AND ');
}

/**
 * Whether a replay takes a matching delivery (`d`, its endpoint `e` left-joined):
 * a webhook's endpoint is live and enabled; an email, email is configured.
 */
const replayTakes = ({ emailConfigured }: ReplayOptions) =>
  Prisma.sql`CASE WHEN d.kind = 'email' THEN ${emailConfigured}::boolean ELSE COALESCE(e.enabled AND e.deleted_at IS NULL, false) END`;

/**
 * The deliveries a replay with this filter takes now, oldest first, at most `limit`, with the
 * attempts they get (their endpoint's max_attempts; an email keeps its own).
 */
function replayTaken(tenantId: string, filter: ReplayFilter, options: ReplayOptions, limit: number): Prisma.Sql {
  return Prisma.sql`SELECT d.id, COALESCE(e.max_attempts, d.max_attempts) AS max_attempts
    FROM deliveries d LEFT JOIN endpoints e ON e.tenant_id = ${tenantId} AND e.id = d.endpoint_id
    WHERE ${replayMatch(tenantId, filter)} AND ${replayTakes(options)} ORDER BY d.id LIMIT ${limit}`;
}

/**
 * Puts the matching deliveries of live, enabled endpoints (and, when email is
 * configured, the matching emails) back to `pending` (attempts 0), oldest
 * first and at most `limit`, in one statement, and returns them. Matching is
 * by status, so a second run finds nothing the first one already took.
 */
export async function replayDeliveries(db: PrismaClient, tenantId: string, filter: ReplayFilter, options: ReplayOptions, limit: number): Promise<ReplayedDelivery[]> {
  return db.$queryRaw<ReplayedDelivery[]>`
    WITH taken AS (${replayTaken(tenantId, filter, options, limit)})
    UPDATE deliveries d
    SET status = 'pending', attempts = 0, max_attempts = taken.max_attempts, next_attempt_at = now(),
        delivered_at = NULL, last_error = NULL, last_response_status = NULL, updated_at = now(),
        -- a replayed fifo delivery goes after the ones already waiting on its key (emails never have one)
        order_seq = CASE WHEN d.ordering_key IS NOT NULL THEN nextval('delivery_order_seq') END
    FROM taken
    WHERE d.tenant_id = ${tenantId} AND d.id = taken.id AND d.status = ${filter.status}::"DeliveryStatus"
    RETURNING d.id, d.tenant_id AS "tenantId", COALESCE(d.endpoint_id, d.tenant_id) AS "endpointId", d.max_attempts AS "maxAttempts"`;
}

/** The first `limit` deliveries (oldest first) a replay with this filter would take now, changing nothing. */
export async function replaySample(db: PrismaClient, tenantId: string, filter: ReplayFilter, options: ReplayOptions, limit: number): Promise<Delivery[]> {
  const ids = await db.$queryRaw<{ id: string }[]>`${replayTaken(tenantId, filter, options, limit)}`;
  return db.delivery.findMany({ where: { tenantId, id: { in: ids.map((r) => r.id) } }, orderBy: { id: 'asc' } });
}

/** What a replay with this filter would do now, without doing it. */
export interface ReplayPreview {
  /** Deliveries the filter matches. */
  matching: number;
  /** Of those, the ones a replay would take now (live, enabled endpoint). */
  replayable: number;
}

/** Counts what {@link replayDeliveries} would match and take with this filter, changing nothing. */
export async function previewReplay(db: PrismaClient, tenantId: string, filter: ReplayFilter, options: ReplayOptions): Promise<ReplayPreview> {
  const [row] = await db.$queryRaw<ReplayPreview[]>`
    SELECT count(*)::int AS matching, count(*) FILTER (WHERE ${replayTakes(options)})::int AS replayable
    FROM deliveries d LEFT JOIN endpoints e ON e.tenant_id = ${tenantId} AND e.id = d.endpoint_id
    WHERE ${replayMatch(tenantId, filter)}`;
  return row!;
}

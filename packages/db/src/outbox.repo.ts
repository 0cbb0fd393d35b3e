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
  endpointId: string;
  maxAttempts: number;
}

export type ReplayOutcome =
  | { outcome: 'replayed'; delivery: Delivery }
  | { outcome: 'not_found' }
  | { outcome: 'already_pending' }
  | { outcome: 'endpoint_unavailable'; reason: string };

/**
 * Puts one delivery back to `pending` with its attempt counter at 0, if it is
 * replayable and its endpoint is live and enabled. The status check is in the
 * UPDATE itself, so two replays at once queue it once.
 */
export async function replayDelivery(db: PrismaClient, tenantId: string, deliveryId: string): Promise<ReplayOutcome> {
  const delivery = await db.delivery.findFirst({ where: { tenantId, id: deliveryId }, include: { endpoint: true } });
  if (!delivery) return { outcome: 'not_found' };
  if (delivery.endpoint.deletedAt) return { outcome: 'endpoint_unavailable', reason: 'its endpoint was deleted' };
  if (!delivery.endpoint.enabled) return { outcome: 'endpoint_unavailable', reason: 'its endpoint is disabled; enable it first' };
  const now = new Date();
  const [moved] = await db.delivery.updateManyAndReturn({
    where: { tenantId, id: deliveryId, status: { in: REPLAYABLE } },
    data: { status: 'pending', attempts: 0, maxAttempts: delivery.endpoint.maxAttempts, nextAttemptAt: now, deliveredAt: null, lastError: null, lastResponseStatus: null, updatedAt: now },
  });
  if (!moved) return { outcome: 'already_pending' };
  // A replayed fifo delivery goes after the ones already waiting on its key (its job is queued after this).
  if (moved.orderingKey !== null) await db.$executeRaw`UPDATE deliveries SET order_seq = nextval('delivery_order_seq') WHERE id = ${moved.id}`;
  return { outcome: 'replayed', delivery: moved };
}

export interface ReplayFilter {
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
  return Prisma.sql`d.tenant_id = ${tenantId}
      AND d.status = ${filter.status}::"DeliveryStatus"
      AND (${filter.endpointId ?? null}::text IS NULL OR d.endpoint_id = ${filter.endpointId ?? null})
      AND (${filter.eventType ?? null}::text IS NULL OR d.event_type = ${filter.eventType ?? null})
      AND (${filter.channel ?? null}::text IS NULL OR d.channels @> ARRAY[${filter.channel ?? null}::text])
      AND (${filter.since ?? null}::timestamptz IS NULL OR d.created_at >= ${filter.since ?? null})
      AND (${filter.until ?? null}::timestamptz IS NULL OR d.created_at < ${filter.until ?? null})`;
}

/** Whether a replay takes a matching delivery: its endpoint (`e`) is live and enabled. */
const REPLAY_TAKES = Prisma.sql`e.enabled AND e.deleted_at IS NULL`;

/** The ids a replay with this filter takes now, oldest first, at most `limit`. */
function replayTaken(tenantId: string, filter: ReplayFilter, limit: number): Prisma.Sql {
  return Prisma.sql`SELECT d.id FROM deliveries d JOIN endpoints e ON e.tenant_id = ${tenantId} AND e.id = d.endpoint_id
    WHERE ${replayMatch(tenantId, filter)} AND ${REPLAY_TAKES} ORDER BY d.id LIMIT ${limit}`;
}

/**
 * Puts the matching deliveries of live, enabled endpoints back to `pending`
 * (attempts 0), oldest first and at most `limit`, in one statement, and
 * returns them. Matching is by status, so a second run finds nothing the
 * first one already took.
 */
export async function replayDeliveries(db: PrismaClient, tenantId: string, filter: ReplayFilter, limit: number): Promise<ReplayedDelivery[]> {
  return db.$queryRaw<ReplayedDelivery[]>`
    UPDATE deliveries d
    SET status = 'pending', attempts = 0, max_attempts = e.max_attempts, next_attempt_at = now(),
        delivered_at = NULL, last_error = NULL, last_response_status = NULL, updated_at = now(),
        -- a replayed fifo delivery goes after the ones already waiting on its key
        order_seq = CASE WHEN d.ordering_key IS NOT NULL THEN nextval('delivery_order_seq') END
    FROM endpoints e
    WHERE d.id IN (${replayTaken(tenantId, filter, limit)})
      AND ${replayMatch(tenantId, filter)} AND e.tenant_id = ${tenantId} AND e.id = d.endpoint_id AND ${REPLAY_TAKES}
    RETURNING d.id, d.tenant_id AS "tenantId", d.endpoint_id AS "endpointId", d.max_attempts AS "maxAttempts"`;
}

/** The first `limit` deliveries (oldest first) a replay with this filter would take now, changing nothing. */
export async function replaySample(db: PrismaClient, tenantId: string, filter: ReplayFilter, limit: number): Promise<Delivery[]> {
  const ids = await db.$queryRaw<{ id: string }[]>`${replayTaken(tenantId, filter, limit)}`;
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
export async function previewReplay(db: PrismaClient, tenantId: string, filter: ReplayFilter): Promise<ReplayPreview> {
  const [row] = await db.$queryRaw<ReplayPreview[]>`
    SELECT count(*)::int AS matching, count(*) FILTER (WHERE ${REPLAY_TAKES})::int AS replayable
    FROM deliveries d JOIN endpoints e ON e.tenant_id = ${tenantId} AND e.id = d.endpoint_id
    WHERE ${replayMatch(tenantId, filter)}`;
  return row!;
}

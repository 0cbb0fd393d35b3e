import type { AttemptStatus, Delivery, DeliveryStatus, Endpoint, Event, PrismaClient } from './generated/prisma/client.js';

/** Everything one delivery attempt needs, loaded in one query. */
export type DeliveryContext = Delivery & { event: Event; endpoint: Endpoint };

export async function loadDeliveryContext(db: PrismaClient, tenantId: string, deliveryId: string): Promise<DeliveryContext | null> {
  return db.delivery.findFirst({ where: { tenantId, id: deliveryId }, include: { event: true, endpoint: true } });
}

/** One HTTP attempt as stored. */
export interface NewAttempt {
  id: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  attempt: number;
  status: AttemptStatus;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
  createdAt: Date;
}

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
  db: PrismaClient,
  tenantId: string,
  deliveryId: string,
  status: 'dead' | 'cancelled',
  reason: string,
): Promise<void> {
  await db.delivery.updateMany({
    where: { tenantId, id: deliveryId, status: 'pending' },
    data: { status, lastError: reason, nextAttemptAt: null, updatedAt: new Date() },
  });
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  endpointId?: string;
  eventType?: string;
  since?: Date;
  until?: Date;
}

/** Deliveries of a tenant, newest first, after the cursor's id. */
export async function listDeliveries(
  db: PrismaClient,
  tenantId: string,
  filter: DeliveryFilter,
  limit: number,
  afterId: string | null,
): Promise<Delivery[]> {
  return db.delivery.findMany({
    where: {
      tenantId,
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.endpointId ? { endpointId: filter.endpointId } : {}),
      ...(filter.eventType ? { eventType: filter.eventType } : {}),
      ...(filter.since || filter.until ? { createdAt: { gte: filter.since, lt: filter.until } } : {}),
      ...(afterId ? { id: { lt: afterId } } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
}

/** A pending delivery as the reconciler sees it. */
export interface PendingDelivery {
  deliveryId: string;
  tenantId: string;
  endpointId: string;
  maxAttempts: number;
  nextAttemptAt: Date | null;
}

/**
 * Pending deliveries across all tenants, by id, after `afterId`: the
 * reconciler's maintenance scan. `dueBefore` keeps only those whose next
 * attempt is due before then (the overdue ones). Not tenant-scoped on purpose:
 * it returns only ids for re-enqueueing, never tenant data to a caller.
 */
export async function scanPendingDeliveries(
  db: PrismaClient,
  { afterId, dueBefore, limit }: { afterId: string | null; dueBefore?: Date; limit: number },
): Promise<PendingDelivery[]> {
  const rows = await db.delivery.findMany({
    where: {
      status: 'pending',
      ...(afterId ? { id: { gt: afterId } } : {}),
      ...(dueBefore ? { nextAttemptAt: { lt: dueBefore } } : {}),
    },
    select: { id: true, tenantId: true, endpointId: true, maxAttempts: true, nextAttemptAt: true },
    orderBy: { id: 'asc' },
    take: limit,
  });
  return rows.map((r) => ({ deliveryId: r.id, tenantId: r.tenantId, endpointId: r.endpointId, maxAttempts: r.maxAttempts, nextAttemptAt: r.nextAttemptAt }));
}

import type { Attempt, PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';
import type { NewAttempt } from './deliveries.repo.js';

/** An attempt with the event type of its delivery. */
export type AttemptWithEventType = Attempt & { delivery: { eventType: string } };

/** Attempts made to one endpoint of this tenant (of one channel's events, if given), newest first, after the cursor's id. */
export async function listEndpointAttempts(
  db: PrismaClient,
  tenantId: string,
  endpointId: string,
  limit: number,
  afterId: string | null,
  channel?: string,
): Promise<AttemptWithEventType[]> {
  return db.attempt.findMany({
    where: { tenantId, endpointId, ...(channel ? { delivery: { channels: { has: channel } } } : {}), ...(afterId ? { id: { lt: afterId } } : {}) },
    include: { delivery: { select: { eventType: true } } },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
}

/** A test send: its event, the one-attempt delivery and that attempt. */
export interface TestSend {
  event: { id: string; eventType: string; payload: string; createdAt: Date };
  deliveryId: string;
  attempt: Omit<NewAttempt, 'deliveryId' | 'eventId' | 'attempt' | 'endpointId'> & { endpointId: string };
  /** 2xx: the delivery is delivered, otherwise dead (test sends are never retried). */
  delivered: boolean;
}

/**
 * Records a test send that was already made, all in one transaction, so it
 * shows in the outbox and the attempts like any delivery but was never
 * pending: nothing (no worker, no reconciler) will send it again unless it
 * is replayed.
 */
export async function recordTestSend(db: PrismaClient, tenantId: string, send: TestSend): Promise<void> {
  const { event, attempt } = send;
  const responseStatus = attempt.responseStatus;
  await db.$transaction([
    db.event.create({ data: { ...event, tenantId, idempotencyKey: null } }),
    db.delivery.create({
      data: {
        id: send.deliveryId,
        tenantId,
        eventId: event.id,
        endpointId: attempt.endpointId,
        eventType: event.eventType,
        status: send.delivered ? 'delivered' : 'dead',
        attempts: 1,
        maxAttempts: 1,
        nextAttemptAt: null,
        lastResponseStatus: responseStatus,
        lastError: attempt.error,
        createdAt: event.createdAt,
        updatedAt: attempt.createdAt,
        deliveredAt: send.delivered ? attempt.createdAt : null,
      },
    }),
    db.attempt.create({
      data: {
        ...attempt,
        tenantId,
        deliveryId: send.deliveryId,
        eventId: event.id,
        attempt: 1,
        requestHeaders: attempt.requestHeaders as Prisma.InputJsonObject,
        requestFormat: attempt.requestFormat as unknown as Prisma.InputJsonObject,
        responseHeaders: (attempt.responseHeaders ?? undefined) as Prisma.InputJsonObject | undefined,
      },
    }),
    db.endpoint.updateMany({
      where: { tenantId, id: attempt.endpointId },
      data: { lastDeliveryAt: attempt.createdAt, lastDeliveryStatus: attempt.status, lastResponseStatus: responseStatus },
    }),
  ]);
}

import type { Endpoint, PrismaClient } from './generated/prisma/client.js';
import type { Prisma } from './generated/prisma/client.js';

export interface NewEndpoint {
  id: string;
  url: string;
  name: string;
  description: string;
  events: string[];
  enabled: boolean;
  timeoutMs: number;
  maxAttempts: number;
  rateLimitPerSecond: number | null;
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  secretCiphertext: string;
  secretPrefix: string;
}

export async function createEndpoint(db: PrismaClient, tenantId: string, input: NewEndpoint): Promise<Endpoint> {
  return db.endpoint.create({
    data: {
      ...input,
      tenantId,
      headers: input.headers as Prisma.InputJsonObject,
      metadata: input.metadata as Prisma.InputJsonObject,
    },
  });
}

/** A live (not deleted) endpoint of this tenant. */
export async function findEndpoint(db: PrismaClient, tenantId: string, id: string): Promise<Endpoint | null> {
  return db.endpoint.findFirst({ where: { tenantId, id, deletedAt: null } });
}

export interface EndpointFilter {
  enabled?: boolean;
  /** Endpoints whose filters select this event type. */
  eventType?: string;
}

/**
 * The filters that select an event type: `*`, the name itself, and each
 * family it belongs to (`a.*` and `a.b.*` for `a.b.c`).
 */
export function filtersSelecting(eventType: string): string[] {
  const out = ['*', eventType];
  for (let i = eventType.indexOf('.'); i !== -1; i = eventType.indexOf('.', i + 1)) {
    out.push(`${eventType.slice(0, i + 1)}*`);
  }
  return out;
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
}

/** Enabled, live endpoints of a tenant that an event of this type goes to. */
export async function findFanOutTargets(db: PrismaClient, tenantId: string, eventType: string): Promise<FanOutTarget[]> {
  return db.endpoint.findMany({
    where: { tenantId, deletedAt: null, enabled: true, events: { hasSome: filtersSelecting(eventType) } },
    select: { id: true, maxAttempts: true },
  });
}

/**
 * An endpoint's rate limit, for the worker that is about to consume its queue.
 * Not tenant-scoped: the worker knows only the queue's endpoint id, and the
 * answer is one number, never tenant data.
 */
export async function findEndpointRateLimit(db: PrismaClient, endpointId: string): Promise<number | null> {
  const row = await db.endpoint.findUnique({ where: { id: endpointId }, select: { rateLimitPerSecond: true } });
  return row?.rateLimitPerSecond ?? null;
}

/** Why an endpoint stopped: by hand, 410 Gone, or failing for HERALD_DISABLE_AFTER_MS. */
export type DisabledReason = 'manual' | 'gone' | 'failing';

/**
 * Disables an endpoint and, in the same transaction, turns its pending
 * deliveries `dead` with the reason, so they stay replayable and never vanish.
 * Resolves the number of deliveries made dead, or null if the endpoint is not
 * a live endpoint of this tenant.
 */
export async function disableEndpoint(db: PrismaClient, tenantId: string, id: string, reason: DisabledReason): Promise<number | null> {
  return db.$transaction(async (tx) => {
    const updated = await tx.endpoint.updateMany({
      where: { tenantId, id, deletedAt: null },
      data: { enabled: false, disabledReason: reason, firstFailureAt: null },
    });
    if (updated.count === 0) return null;
    const dead = await tx.delivery.updateMany({
      where: { tenantId, endpointId: id, status: 'pending' },
      data: { status: 'dead', lastError: `endpoint disabled (${reason})`, nextAttemptAt: null, updatedAt: new Date() },
    });
    return dead.count;
  });
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
    await tx.delivery.updateMany({
      where: { tenantId, endpointId: id, status: 'pending' },
      data: { status: 'cancelled', lastError: 'endpoint deleted', nextAttemptAt: null, updatedAt: now },
    });
    return true;
  });
}

import type { EventType, PrismaClient } from './generated/prisma/client.js';
import { Prisma } from './generated/prisma/client.js';

export interface NewEventType {
  name: string;
  description: string;
  schema?: Record<string, unknown> | null;
}

/** Creates an event type; resolves null when the name is taken in this tenant. */
export async function createEventType(db: PrismaClient, tenantId: string, input: NewEventType): Promise<EventType | null> {
  try {
    return await db.eventType.create({
      data: {
        tenantId,
        name: input.name,
        description: input.description,
        schema: input.schema ? (input.schema as Prisma.InputJsonObject) : Prisma.DbNull,
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return null;
    throw error;
  }
}

/** The sort key of an event type in lists (newest first, then by name). */
export function eventTypeCursorKey(eventType: Pick<EventType, 'createdAt' | 'name'>): string {
  return `${eventType.createdAt.toISOString()}|${eventType.name}`;
}

/** Event types of a tenant, newest first, after the cursor's key. */
export async function listEventTypes(db: PrismaClient, tenantId: string, limit: number, afterKey: string | null): Promise<EventType[]> {
  const [at, name] = afterKey ? afterKey.split('|') : [];
  const after = at && name && !Number.isNaN(Date.parse(at)) ? { createdAt: new Date(at), name } : null;
  return db.eventType.findMany({
    where: {
      tenantId,
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, name: { gt: after.name } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { name: 'asc' }],
    take: limit + 1,
  });
}

/** The tenant's event types among these names. */
export async function findEventTypes(db: PrismaClient, tenantId: string, names: readonly string[]): Promise<EventType[]> {
  return db.eventType.findMany({ where: { tenantId, name: { in: [...names] } } });
}

import { EventTypeNameSchema, isStorableTime } from '@herald/schemas';
import type { EventType, PrismaClient } from './generated/prisma/client.js';
import { Prisma } from './generated/prisma/client.js';
import type { Sql } from './sql.js';

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

/** Where a page of event types starts: after this one. */
export interface EventTypeCursor {
  createdAt: Date;
  name: string;
}

/** Reads a key made by {@link eventTypeCursorKey} back, or null when it is not one. */
export function parseEventTypeCursorKey(key: string): EventTypeCursor | null {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(.+)$/.exec(key);
  if (!match || !EventTypeNameSchema.safeParse(match[2]).success) return null;
  const at = Date.parse(match[1]!);
  return isStorableTime(at) ? { createdAt: new Date(at), name: match[2]! } : null;
}

/** Event types of a tenant, newest first, after the cursor's. */
export async function listEventTypes(db: PrismaClient, tenantId: string, limit: number, after: EventTypeCursor | null): Promise<EventType[]> {
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
export async function findEventTypes(sql: Sql, tenantId: string, names: readonly string[]): Promise<EventType[]> {
  const { rows } = await sql.query<{
    tenant_id: string;
    name: string;
    description: string;
    schema: unknown;
    email_enabled: boolean;
    email_subscribers: string[] | null;
    created_at: Date;
    updated_at: Date;
  }>(
    `SELECT tenant_id, name, description, schema, email_enabled, email_subscribers, created_at, updated_at
     FROM event_types WHERE tenant_id = $1 AND name = ANY($2::text[])`,
    [tenantId, [...names]],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    name: r.name,
    description: r.description,
    schema: (r.schema ?? null) as EventType['schema'],
    emailEnabled: r.email_enabled,
    emailSubscribers: r.email_subscribers ?? [],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** What a PATCH may change; `schema: null` removes the schema, `undefined` leaves a field as it is. */
export interface EventTypeChanges {
  description?: string;
  schema?: Record<string, unknown> | null;
  /** Whether its events are emailed, and to which subscribers (validated, lower-cased, deduplicated). */
  email?: { enabled: boolean; subscribers: string[] };
}

/** Changes an event type of this tenant; resolves null when it does not exist. */
export async function updateEventType(
  db: PrismaClient,
  tenantId: string,
  name: string,
  changes: EventTypeChanges,
): Promise<EventType | null> {
  try {
    return await db.eventType.update({
      where: { tenantId_name: { tenantId, name } },
      data: {
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.schema === undefined ? {} : { schema: changes.schema ? (changes.schema as Prisma.InputJsonObject) : Prisma.DbNull }),
        ...(changes.email === undefined ? {} : { emailEnabled: changes.email.enabled, emailSubscribers: changes.email.subscribers }),
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
    throw error;
  }
}

/** What became of a deletion. */
export type DeleteEventTypeOutcome =
  | { outcome: 'deleted' }
  | { outcome: 'not_found' }
  /** Live endpoints still name it in their `events` (families and `*` do not count). */
  | { outcome: 'subscribed'; endpointIds: string[] };

/**
 * Deletes an event type of this tenant unless a live endpoint subscribes to it
 * by its exact name. Past events of the type keep it (they store the name).
 */
export async function deleteEventType(db: PrismaClient, tenantId: string, name: string): Promise<DeleteEventTypeOutcome> {
  return db.$transaction(async (tx) => {
    const subscribers = await tx.endpoint.findMany({
      where: { tenantId, deletedAt: null, events: { has: name } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    const existing = await tx.eventType.findUnique({ where: { tenantId_name: { tenantId, name } }, select: { name: true } });
    if (!existing) return { outcome: 'not_found' };
    if (subscribers.length > 0) return { outcome: 'subscribed', endpointIds: subscribers.map((e) => e.id) };
    const deleted = await tx.eventType.deleteMany({ where: { tenantId, name } });
    return deleted.count === 0 ? { outcome: 'not_found' } : { outcome: 'deleted' };
  });
}

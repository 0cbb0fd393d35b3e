import type { ApiKeyScope } from '@herald/schemas';
import type { PrismaClient, Tenant } from './generated/prisma/client.js';

export interface NewApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  keyPrefix: string;
  keyDigest: string;
}

/** Creates a tenant with its first keys and the built-in event types (`webhook.test`, Herald's `herald.*`), atomically. */
export async function createTenant(
  db: PrismaClient,
  tenant: { id: string; name: string; externalId: string | null; primaryContactEmail: string | null },
  keys: NewApiKey[],
  builtInEventTypes: { name: string; description: string; emailEnabled?: boolean }[],
): Promise<Tenant> {
  return db.tenant.create({
    data: {
      id: tenant.id,
      name: tenant.name,
      externalId: tenant.externalId,
      primaryContactEmail: tenant.primaryContactEmail,
      apiKeys: { create: keys },
      eventTypes: { create: builtInEventTypes },
    },
  });
}

/** Tenants newest first, after the cursor's id. */
export async function listTenants(db: PrismaClient, limit: number, afterId: string | null): Promise<Tenant[]> {
  return db.tenant.findMany({
    where: afterId ? { id: { lt: afterId } } : {},
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
}

/** Fields a tenant PATCH may change; `externalId: null` removes it. */
export interface TenantChanges {
  name?: string;
  externalId?: string | null;
  /** null removes it. */
  primaryContactEmail?: string | null;
}

/** A tenant by id; null when there is none. */
export async function findTenant(db: PrismaClient, id: string): Promise<Tenant | null> {
  return db.tenant.findUnique({ where: { id } });
}

/** Changes a tenant; null when there is no such tenant. */
export async function updateTenant(db: PrismaClient, id: string, changes: TenantChanges): Promise<Tenant | null> {
  const [tenant] = await db.tenant.updateManyAndReturn({ where: { id }, data: changes });
  return tenant ?? null;
}

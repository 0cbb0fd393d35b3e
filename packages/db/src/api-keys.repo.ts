import type { ApiKey, ApiKeyScope, PrismaClient } from './generated/prisma/client.js';
import type { Sql } from './sql.js';
import type { NewApiKey } from './tenants.repo.js';

// How stale `last_used_at` may get: one write a minute per key at most, not one per request.
const LAST_USED_RESOLUTION_MS = 60_000;

/** An active key as authentication needs it. */
export interface ActiveApiKey {
  id: string;
  tenantId: string;
  scope: ApiKeyScope;
  /** `last_used_at` as it is now (after this lookup recorded its use, if it did). */
  lastUsedAt: Date;
}

/**
 * The key with this digest, if it exists and is not revoked. Not tenant-scoped:
 * it finds the tenant. This is the authentication lookup, so it also records
 * `last_used_at` (at most once a minute, without making the request wait).
 */
export async function findActiveApiKeyByDigest(sql: Sql, keyDigest: string, now: Date = new Date()): Promise<ActiveApiKey | null> {
  const { rows } = await sql.query<{ id: string; tenant_id: string; scope: ApiKeyScope; last_used_at: Date | null }>({
    name: 'herald_find_active_key',
    text: 'SELECT id, tenant_id, scope, last_used_at FROM api_keys WHERE key_digest = $1 AND revoked_at IS NULL',
    values: [keyDigest],
  });
  const key = rows[0];
  if (!key) return null;
  const found = { id: key.id, tenantId: key.tenant_id, scope: key.scope, lastUsedAt: key.last_used_at ?? new Date(0) };
  touchApiKeyIfDue(sql, found, now);
  return found;
}

/** Whether the key with this id exists and is not revoked (read now, for callers that cached it). */
export async function isApiKeyActive(sql: Sql, id: string): Promise<boolean> {
  const { rows } = await sql.query({
    name: 'herald_is_key_active',
    text: 'SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL',
    values: [id],
  });
  return rows.length > 0;
}

/**
 * Records that a key was used, if its `last_used_at` is older than the
 * resolution (then updates `key.lastUsedAt`). Best effort and not awaited: a
 * lost update only makes `last_used_at` a little older.
 */
export function touchApiKeyIfDue(sql: Sql, key: { id: string; lastUsedAt: Date }, now: Date = new Date()): void {
  if (now.getTime() - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  key.lastUsedAt = now;
  sql
    .query({ name: 'herald_touch_api_key', text: 'UPDATE api_keys SET last_used_at = $2 WHERE id = $1', values: [key.id, now] })
    .catch(() => undefined);
}

/** Adds a key to a tenant (its digest only; the key itself is never stored). */
export async function createApiKey(db: PrismaClient, tenantId: string, input: NewApiKey): Promise<ApiKey> {
  return db.apiKey.create({ data: { ...input, tenantId } });
}

/** Keys of a tenant, revoked ones included, newest first, after the cursor's id. */
export async function listApiKeys(db: PrismaClient, tenantId: string, limit: number, afterId: string | null): Promise<ApiKey[]> {
  return db.apiKey.findMany({
    where: { tenantId, ...(afterId ? { id: { lt: afterId } } : {}) },
    orderBy: { id: 'desc' },
    take: limit + 1,
  });
}

/** What became of a revocation. */
export type RevokeApiKeyOutcome =
  | { outcome: 'revoked'; key: ApiKey }
  | { outcome: 'not_found' }
  /** The tenant's last active admin key: revoking it would lock the tenant out for good. */
  | { outcome: 'last_admin_key' };

/**
 * Revokes a key of this tenant at once (the next request with it is refused).
 * Revoking a revoked key changes nothing and is `revoked` again. Revocations of
 * one tenant are serialised, so two concurrent ones cannot both remove the
 * last admin keys.
 */
export async function revokeApiKey(db: PrismaClient, tenantId: string, id: string, now: Date = new Date()): Promise<RevokeApiKeyOutcome> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM tenants WHERE id = ${tenantId} FOR UPDATE`;
    const key = await tx.apiKey.findFirst({ where: { tenantId, id } });
    if (!key) return { outcome: 'not_found' };
    if (key.revokedAt) return { outcome: 'revoked', key };
    if (key.scope === 'admin') {
      const otherAdmins = await tx.apiKey.count({ where: { tenantId, scope: 'admin', revokedAt: null, id: { not: id } } });
      if (otherAdmins === 0) return { outcome: 'last_admin_key' };
    }
    return { outcome: 'revoked', key: await tx.apiKey.update({ where: { id }, data: { revokedAt: now } }) };
  });
}

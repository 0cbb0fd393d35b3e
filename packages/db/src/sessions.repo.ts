import type { ApiKeyScope, PrismaClient } from './generated/prisma/client.js';
import { touchApiKeyIfDue } from './api-keys.repo.js';
import type { Sql } from './sql.js';

/** A session as authentication needs it: who it acts for, and until when. */
export interface ActiveSession {
  id: string;
  tenantId: string;
  keyId: string;
  scope: ApiKeyScope;
  /** The key's first 20 characters and name, to show who is signed in. */
  keyPrefix: string;
  keyName: string;
  expiresAt: Date;
}

/** A session to store: the digest of its token, never the token. */
export interface NewSession {
  id: string;
  apiKeyId: string;
  tokenDigest: string;
  expiresAt: Date;
}

/**
 * Stores a session of this tenant's key, and removes the tenant's sessions
 * that have expired (there is no other sweep, so the table stays small).
 */
export async function createSession(
  db: PrismaClient,
  tenantId: string,
  input: NewSession,
  now: Date = new Date(),
): Promise<{ keyPrefix: string; keyName: string }> {
  const [, created] = await db.$transaction([
    db.session.deleteMany({ where: { tenantId, expiresAt: { lte: now } } }),
    db.session.create({ data: { ...input, tenantId }, include: { apiKey: { select: { keyPrefix: true, name: true } } } }),
  ]);
  return { keyPrefix: created.apiKey.keyPrefix, keyName: created.apiKey.name };
}

/**
 * The session with this token digest, if it has not expired and its key is
 * not revoked: both are checked here, on every request, so revoking a key
 * ends its sessions at once. Not tenant-scoped: it finds the tenant. Records
 * the key's `last_used_at` as a key lookup does.
 */
export async function findActiveSessionByDigest(sql: Sql, tokenDigest: string, now: Date = new Date()): Promise<ActiveSession | null> {
  const { rows } = await sql.query<{ id: string; tenant_id: string; key_id: string; scope: ApiKeyScope; key_prefix: string; key_name: string; expires_at: Date; last_used_at: Date | null }>({
    name: 'herald_find_active_session',
    text: `SELECT s.id, s.tenant_id, k.id AS key_id, k.scope, k.key_prefix, k.name AS key_name, s.expires_at, k.last_used_at
     FROM sessions s JOIN api_keys k ON k.id = s.api_key_id AND k.tenant_id = s.tenant_id
     WHERE s.token_digest = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL`,
    values: [tokenDigest, now],
  });
  const row = rows[0];
  if (!row) return null;
  touchApiKeyIfDue(sql, { id: row.key_id, lastUsedAt: row.last_used_at ?? new Date(0) }, now);
  return { id: row.id, tenantId: row.tenant_id, keyId: row.key_id, scope: row.scope, keyPrefix: row.key_prefix, keyName: row.key_name, expiresAt: row.expires_at };
}

/** Ends a session of this tenant (signing out). Ending one already gone changes nothing. */
export async function deleteSession(db: PrismaClient, tenantId: string, id: string): Promise<void> {
  await db.session.deleteMany({ where: { tenantId, id } });
}

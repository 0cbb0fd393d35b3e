import type { ApiKey, PrismaClient } from './generated/prisma/client.js';

/** The key with this digest, if it exists and is not revoked. Not tenant-scoped: it finds the tenant. */
export async function findActiveApiKeyByDigest(db: PrismaClient, keyDigest: string): Promise<ApiKey | null> {
  return db.apiKey.findFirst({ where: { keyDigest, revokedAt: null } });
}

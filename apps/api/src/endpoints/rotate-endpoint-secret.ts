import { rotateEndpointSecret } from '@herald/db';
import { SECRET_WARNING, type RotateSecretOut } from '@herald/schemas';
import { generateSecret, secretPrefix } from '@herald/signing';
import type { ApiDeps } from '../deps.js';
import { announceEndpointChange } from './endpoint-signals.js';

/**
 * Gives an endpoint a new signing secret. With an overlap the old one keeps
 * signing too (the worker sends both signatures) until it expires, so the
 * receiver can deploy the new secret without failing a delivery; rotating
 * again during an overlap drops the oldest. Null when it is not a live
 * endpoint of this tenant.
 */
export async function rotateSecret(
  deps: ApiDeps,
  tenantId: string,
  id: string,
  overlapSeconds: number,
  now = new Date(),
): Promise<RotateSecretOut | null> {
  const { db, secretBox } = deps;
  const secret = generateSecret();
  const previousSecretExpiresAt = overlapSeconds > 0 ? new Date(now.getTime() + overlapSeconds * 1000) : null;
  const rotated = await rotateEndpointSecret(db, tenantId, id, {
    secretCiphertext: secretBox.encrypt(secret),
    secretPrefix: secretPrefix(secret),
    previousSecretExpiresAt,
  });
  if (!rotated) return null;
  await announceEndpointChange(deps, tenantId, id);
  return {
    id,
    signing_secret: secret,
    signing_secret_prefix: secretPrefix(secret),
    previous_secret_expires_at: previousSecretExpiresAt?.toISOString() ?? null,
    _warning: SECRET_WARNING,
  };
}

import { rotateEndpointSecret } from '@herald/db';
import { SECRET_WARNING, type RotateSecretOut } from '@herald/schemas';
import { generateKeyPair, generateSecret, secretPrefix } from '@herald/signing';
import type { ApiDeps } from '../deps.js';
import { announceEndpointChange } from './endpoint-signals.js';

/**
 * Gives an endpoint a new signing secret, and a new key pair if it has one
 * (standard-webhooks-ed25519). With an overlap the old ones keep signing
 * until they expire, so the receiver can deploy the new secret (or public
 * key) without failing a delivery: Standard Webhooks schemes send both
 * signatures, hmac-sha256 the old secret's until the overlap ends (docs/api.md,
 * "Secret rotation"). Rotating again during an overlap drops the oldest.
 * Null when it is not a live endpoint of this tenant.
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
  const pair = generateKeyPair();
  const rotated = await rotateEndpointSecret(db, tenantId, id, {
    secretCiphertext: secretBox.encrypt(secret),
    secretPrefix: secretPrefix(secret),
    keyPair: { privateKeyCiphertext: secretBox.encrypt(pair.privateKey), publicKey: pair.publicKey },
    previousSecretExpiresAt,
  });
  if (!rotated) return null;
  await announceEndpointChange(deps, tenantId, id);
  return {
    id,
    signing_secret: secret,
    signing_secret_prefix: secretPrefix(secret),
    signing_public_key: rotated.signingPublicKey,
    previous_secret_expires_at: previousSecretExpiresAt?.toISOString() ?? null,
    _warning: SECRET_WARNING,
  };
}

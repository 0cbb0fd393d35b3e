import { createSecretKey, type KeyObject } from 'node:crypto';
import { decodeSecret } from './secret.js';

/**
 * A signing secret decoded once, so hot paths skip base64 decoding and
 * validation on every message. The key material lives in a `KeyObject`, which
 * prints as `SecretKeyObject { type: 'secret' }`: logging a SigningKey by
 * mistake does not leak it.
 */
export interface SigningKey {
  readonly kind: 'herald-signing-key';
  readonly key: KeyObject;
}

/**
 * Decodes and validates a `whsec_` secret once for repeated signing or verifying.
 *
 * @throws Error when the secret is malformed (see {@link decodeSecret}).
 */
export function createSigningKey(secret: string): SigningKey {
  return Object.freeze({ kind: 'herald-signing-key', key: createSecretKey(decodeSecret(secret)) });
}

/** Accepts either form so callers that sign once need not create a key first. */
export function toSigningKey(secret: string | SigningKey): SigningKey {
  return typeof secret === 'string' ? createSigningKey(secret) : secret;
}

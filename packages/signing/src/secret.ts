import { randomBytes } from 'node:crypto';

/** Prefix Standard Webhooks libraries strip before base64-decoding a secret. */
export const SECRET_PREFIX = 'whsec_';

/** Fewest secret bytes we issue or accept; below this an HMAC key is too easy to guess. */
export const MIN_SECRET_BYTES = 24;

/** Most secret bytes we issue or accept; HMAC-SHA256 hashes anything longer than its 64-byte block down anyway. */
export const MAX_SECRET_BYTES = 64;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Creates a new endpoint signing secret in the `whsec_<base64>` form every
 * Standard Webhooks library understands.
 *
 * @param bytes - how many random bytes the secret carries (24 to 64).
 * @throws RangeError when `bytes` is not an integer in that range.
 */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new RangeError(
      `secret length must be an integer from ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${bytes}`,
    );
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/**
 * Returns the raw key bytes of a signing secret, the HMAC key the spec calls
 * `secret_bytes`.
 *
 * @param secret - `whsec_<base64>`, or the bare base64 part.
 * @throws Error when the base64 is malformed or decodes to fewer than 24 or more than 64 bytes.
 */
export function decodeSecret(secret: string): Buffer {
  if (typeof secret !== 'string') {
    throw new TypeError('signing secret must be a string');
  }
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  // Node's decoder silently skips characters it does not understand, so a
  // mangled secret would yield a different key instead of failing; only
  // canonical base64 (which re-encodes to itself) is let through.
  const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (bytes === undefined || bytes.toString('base64') !== encoded) {
    throw new Error(`signing secret is not valid base64 after the ${SECRET_PREFIX} prefix`);
  }
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new Error(
      `signing secret must decode to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, got ${bytes.length}`,
    );
  }
  return bytes;
}

/**
 * Returns the first 12 characters of a secret (`whsec_` plus 6), enough for a
 * person to tell two secrets apart without the rest ever being shown or logged.
 */
export function secretPrefix(secret: string): string {
  return secret.slice(0, 12);
}

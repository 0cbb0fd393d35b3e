import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { assertTimestamp } from './sign.js';

/**
 * A secret used the way plain HMAC receivers use theirs (GitHub's
 * `X-Hub-Signature-256` and the like): the key is the secret string's UTF-8
 * bytes exactly as it was handed out, `whsec_` included, not its decoded
 * base64. Kept in a `KeyObject` so printing one does not leak it.
 */
export interface RawHmacKey {
  readonly kind: 'herald-raw-hmac-key';
  readonly key: KeyObject;
}

/** Prepares a secret for {@link hmacSignature}: its UTF-8 bytes become the key. */
export function createRawHmacKey(secret: string): RawHmacKey {
  if (typeof secret !== 'string' || secret.length === 0) throw new TypeError('the HMAC secret must be a non-empty string');
  return Object.freeze({ kind: 'herald-raw-hmac-key', key: createSecretKey(Buffer.from(secret, 'utf8')) });
}

/** What {@link hmacSignature} signs and how it writes the result. */
export interface HmacSignatureInput {
  /** The secret as shown to the receiver, or a key made from it once. */
  secret: string | RawHmacKey;
  /** The exact body bytes sent. */
  body: string | Uint8Array;
  /** Unix seconds: when given, the signed content is `{timestamp}.{body}`; otherwise the body alone. */
  timestamp?: number;
  /** How the digest is written. Default `hex`. */
  encoding?: 'hex' | 'base64';
  /** Written before the digest, e.g. `sha256=`. Default none. */
  prefix?: string;
}

/**
 * HMAC-SHA256 of the raw body (or of `{timestamp}.{body}`), written as
 * `{prefix}{hex or base64}`: the one value such a receiver compares its
 * header with.
 *
 * @throws RangeError when `timestamp` is given but not whole Unix seconds.
 */
export function hmacSignature({ secret, body, timestamp, encoding = 'hex', prefix = '' }: HmacSignatureInput): string {
  const key = typeof secret === 'string' ? createRawHmacKey(secret) : secret;
  const hmac = createHmac('sha256', key.key);
  if (timestamp !== undefined) {
    assertTimestamp(timestamp);
    hmac.update(`${timestamp}.`);
  }
  return prefix + hmac.update(body).digest(encoding);
}

/**
 * Whether a received header value is {@link hmacSignature} of this body,
 * compared in constant time (what a receiver of the scheme does).
 */
export function hmacSignatureMatches(input: HmacSignatureInput & { received: string }): boolean {
  const expected = Buffer.from(hmacSignature(input));
  const received = Buffer.from(input.received);
  return received.length === expected.length && timingSafeEqual(received, expected);
}

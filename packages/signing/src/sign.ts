import { createHmac } from 'node:crypto';
import { ASYMMETRIC_SIGNATURE_VERSION, computeEd25519Signature, createEd25519SigningKey, PRIVATE_KEY_PREFIX, type Ed25519SigningKey } from './ed25519.js';
import { toSigningKey, type SigningKey } from './signing-key.js';

/** What {@link sign} needs; `timestamp` is Unix seconds, `body` the exact bytes sent. */
export interface SignInput {
  secret: string | SigningKey;
  id: string;
  timestamp: number;
  body: string | Uint8Array;
}

/** The only signature scheme we produce; verifiers skip versions they do not know. */
export const SIGNATURE_VERSION = 'v1';

/**
 * The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, without the version tag.
 * Shared with verification so both sides hash exactly the same content.
 */
export function computeSignature(key: SigningKey, id: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', key.key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

export function assertTimestamp(timestamp: number): void {
  // A fractional or negative timestamp would be signed as written but parsed
  // differently by receivers, giving a signature nobody can verify.
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError(`timestamp must be a non-negative integer of Unix seconds, got ${timestamp}`);
  }
}

/**
 * Signs one message the Standard Webhooks way.
 *
 * @returns `v1,<base64 signature>`, the value for one entry of `webhook-signature`.
 * @throws RangeError when `timestamp` is not whole Unix seconds; Error when the secret is malformed.
 */
export function sign({ secret, id, timestamp, body }: SignInput): string {
  assertTimestamp(timestamp);
  return `${SIGNATURE_VERSION},${computeSignature(toSigningKey(secret), id, timestamp, body)}`;
}

/** A key `webhook-signature` can be signed with: a `whsec_` secret (`v1`) or a `whsk_` ed25519 key (`v1a`), as text or decoded. */
export type WebhookSigningKey = string | SigningKey | Ed25519SigningKey;

/** One `webhook-signature` entry: `v1,<HMAC>` or `v1a,<ed25519>` depending on the key. */
function signatureEntry(key: WebhookSigningKey, id: string, timestamp: number, body: string | Uint8Array): string {
  if (typeof key === 'string' && key.startsWith(PRIVATE_KEY_PREFIX)) key = createEd25519SigningKey(key);
  if (typeof key !== 'string' && key.kind === 'herald-ed25519-signing-key') {
    return `${ASYMMETRIC_SIGNATURE_VERSION},${computeEd25519Signature(key, id, timestamp, body)}`;
  }
  return `${SIGNATURE_VERSION},${computeSignature(toSigningKey(key), id, timestamp, body)}`;
}

/**
 * Builds the `webhook-signature` header value: one signature per key (`v1,`
 * for a `whsec_` secret, `v1a,` for a `whsk_` ed25519 key), space-separated,
 * so during a rotation overlap receivers holding either the old or the new
 * secret (or public key) accept the message.
 *
 * @param keys - at least one; pass decoded keys on hot paths.
 * @throws RangeError when `keys` is empty or `timestamp` is not whole Unix seconds.
 */
export function signatureHeader(
  keys: ReadonlyArray<WebhookSigningKey>,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  if (keys.length === 0) {
    throw new RangeError('at least one secret is needed to sign');
  }
  assertTimestamp(timestamp);
  return keys.map((key) => signatureEntry(key, id, timestamp, body)).join(' ');
}

import { createHmac } from 'node:crypto';
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

function assertTimestamp(timestamp: number): void {
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

/**
 * Builds the `webhook-signature` header value: one `v1,` signature per secret,
 * space-separated, so during a rotation overlap receivers holding either the
 * old or the new secret accept the message.
 *
 * @param secrets - at least one secret; pass {@link SigningKey}s on hot paths.
 * @throws RangeError when `secrets` is empty or `timestamp` is not whole Unix seconds.
 */
export function signatureHeader(
  secrets: ReadonlyArray<string | SigningKey>,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
): string {
  if (secrets.length === 0) {
    throw new RangeError('at least one secret is needed to sign');
  }
  assertTimestamp(timestamp);
  return secrets
    .map((secret) => `${SIGNATURE_VERSION},${computeSignature(toSigningKey(secret), id, timestamp, body)}`)
    .join(' ');
}

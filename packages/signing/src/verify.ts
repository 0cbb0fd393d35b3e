import { timingSafeEqual } from 'node:crypto';
import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from './headers.js';
import { ASYMMETRIC_SIGNATURE_VERSION, createEd25519PublicKey, ed25519SignatureMatches, type Ed25519PublicKey } from './ed25519.js';
import { computeSignature, SIGNATURE_VERSION } from './sign.js';
import { toSigningKey, type SigningKey } from './signing-key.js';
import { WebhookVerificationError } from './webhook-verification-error.js';

/** Anything with a case-insensitive `get`, such as the fetch API's `Headers`. */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

/** Plain header objects (Node's `req.headers`, express, or hand-built) or a {@link HeadersLike}. */
export type HeaderSource = Readonly<Record<string, string | readonly string[] | undefined>> | HeadersLike;

/** What {@link verify} needs. */
export interface VerifyInput {
  /** The endpoint secret (`whsec_`, checks `v1` signatures); several during a rotation overlap, any of which may match. */
  secret?: string | SigningKey | ReadonlyArray<string | SigningKey>;
  /** The endpoint's ed25519 public key (`whpk_`, checks `v1a` signatures); several during a rotation overlap. */
  publicKey?: string | Ed25519PublicKey | ReadonlyArray<string | Ed25519PublicKey>;
  headers: HeaderSource;
  /** The raw request body exactly as received, before any JSON parsing. */
  body: string | Uint8Array;
  /** How far `webhook-timestamp` may be from `now`, either way, to bound replays. Default 300. */
  toleranceSeconds?: number;
  /** The current time; tests pass a fixed one. Default: the system clock. */
  now?: Date;
}

/** Default replay window, the one Standard Webhooks libraries use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function isHeadersLike(headers: HeaderSource): headers is HeadersLike {
  return typeof (headers as { get?: unknown }).get === 'function';
}

// Array.isArray does not narrow readonly arrays, hence this helper.
function listOf<T>(value: T | ReadonlyArray<T> | undefined): readonly T[] {
  return value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (isHeadersLike(headers)) {
    return headers.get(name) ?? undefined;
  }
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) {
      const value = headers[key];
      // Node only hands out arrays for repeated headers; a repeated signature
      // header is just more signatures, and for the others the joined value
      // simply fails the signature check.
      return typeof value === 'string' ? value : value?.join(' ');
    }
  }
  return undefined;
}

/**
 * Checks that a webhook came from the holder of the secret (or of the private
 * half of the public key), recently, and was not altered, then parses its body.
 *
 * @returns the body parsed as JSON; validate its shape before trusting fields.
 * @throws WebhookVerificationError with a `reason` when the message must be refused.
 * @throws Error when a secret itself is malformed (a receiver configuration bug, not a bad message).
 */
export function verify({
  secret,
  publicKey,
  headers,
  body,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
  now = new Date(),
}: VerifyInput): unknown {
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError(`toleranceSeconds must be a non-negative number, got ${toleranceSeconds}`);
  }
  const keys = listOf(secret).map(toSigningKey);
  const publicKeys = listOf(publicKey).map((k) => (typeof k === 'string' ? createEd25519PublicKey(k) : k));
  if (keys.length === 0 && publicKeys.length === 0) {
    throw new RangeError('at least one secret or public key is needed to verify');
  }

  const id = readHeader(headers, WEBHOOK_ID_HEADER);
  const timestampHeader = readHeader(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatureHeader = readHeader(headers, WEBHOOK_SIGNATURE_HEADER);
  if (!id || !timestampHeader || !signatureHeader) {
    throw new WebhookVerificationError('missing_headers', 'missing webhook-id, webhook-timestamp or webhook-signature');
  }

  // parseInt would read "1614265330abc" as a valid time; only plain digits are a timestamp.
  const timestamp = /^\d{1,15}$/.test(timestampHeader) ? Number(timestampHeader) : Number.NaN;
  if (Number.isNaN(timestamp)) {
    throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp is not Unix seconds');
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (nowSeconds - timestamp > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_old', 'webhook-timestamp is too old');
  }
  if (timestamp - nowSeconds > toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_new', 'webhook-timestamp is too far in the future');
  }

  // Unknown versions are skipped rather than refused so a sender can add a
  // newer scheme alongside v1 without breaking existing receivers.
  const passed = signatureHeader.split(' ').map((entry) => {
    const comma = entry.indexOf(',');
    return comma === -1 ? { version: '', value: '' } : { version: entry.slice(0, comma), value: entry.slice(comma + 1) };
  });
  const hmacs = passed.filter((p) => p.version === SIGNATURE_VERSION).map((p) => Buffer.from(p.value));
  const ed25519s = passed.filter((p) => p.version === ASYMMETRIC_SIGNATURE_VERSION).map((p) => p.value);
  // The timestamp header text is hashed as a number, as signers format it;
  // a zero-padded header therefore fails, as it does in other libraries.
  const matched =
    keys.some((key) => {
      const expected = Buffer.from(computeSignature(key, id, timestamp, body));
      // timingSafeEqual throws on unequal lengths, and length reveals nothing secret.
      return hmacs.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
    }) || publicKeys.some((key) => ed25519s.some((signature) => ed25519SignatureMatches(key, id, timestamp, body, signature)));
  if (!matched) {
    throw new WebhookVerificationError('invalid_signature', 'no matching signature found');
  }

  try {
    return JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_body', 'signature is valid but the body is not JSON');
  }
}

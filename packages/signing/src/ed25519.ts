import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as signWith, verify as verifyWith, type KeyObject } from 'node:crypto';

/** Prefix of a Standard Webhooks ed25519 secret (signing) key: `whsk_` + base64 of seed and public key (64 bytes). */
export const PRIVATE_KEY_PREFIX = 'whsk_';
/** Prefix of a Standard Webhooks ed25519 public (verifying) key: `whpk_` + base64 of the 32-byte key. */
export const PUBLIC_KEY_PREFIX = 'whpk_';
/** Standard Webhooks' identifier of an ed25519 signature in `webhook-signature`. */
export const ASYMMETRIC_SIGNATURE_VERSION = 'v1a';

const SEED_BYTES = 32;
const PUBLIC_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** An endpoint's key pair in the Standard Webhooks serialisation. */
export interface Ed25519KeyPair {
  /** `whsk_…`: a secret, stored encrypted, never shown. */
  privateKey: string;
  /** `whpk_…`: what receivers verify with; not a secret. */
  publicKey: string;
}

/**
 * An ed25519 signing key decoded once. The key material lives in a
 * `KeyObject`, so logging one by mistake does not leak it.
 */
export interface Ed25519SigningKey {
  readonly kind: 'herald-ed25519-signing-key';
  readonly privateKey: KeyObject;
}

/** An ed25519 public key decoded once, for verifying `v1a` signatures. */
export interface Ed25519PublicKey {
  readonly kind: 'herald-ed25519-public-key';
  readonly publicKey: KeyObject;
}

/** Canonical base64 after `prefix`, or an Error naming what is wrong. */
function decodePrefixed(value: string, prefix: string, bytes: number, what: string): Buffer {
  if (typeof value !== 'string' || !value.startsWith(prefix)) throw new Error(`${what} must start with ${prefix}`);
  const encoded = value.slice(prefix.length);
  // As for secrets: Node's decoder skips what it does not understand, so only canonical base64 is let through.
  const decoded = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (decoded === undefined || decoded.toString('base64') !== encoded) throw new Error(`${what} is not valid base64 after ${prefix}`);
  if (decoded.length !== bytes) throw new Error(`${what} must decode to ${bytes} bytes, got ${decoded.length}`);
  return decoded;
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');

/** Creates a new ed25519 key pair for an endpoint. */
export function generateKeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d!, 'base64url');
  const publicKey = Buffer.from(jwk.x!, 'base64url');
  return {
    privateKey: PRIVATE_KEY_PREFIX + Buffer.concat([seed, publicKey]).toString('base64'),
    publicKey: PUBLIC_KEY_PREFIX + publicKey.toString('base64'),
  };
}

/**
 * Decodes a `whsk_` key once for repeated signing. The public half it carries
 * must be the one its seed derives, so a corrupted key fails here rather than
 * signing what its published public key cannot verify.
 *
 * @throws Error when the key is malformed or its two halves do not belong together.
 */
export function createEd25519SigningKey(privateKey: string): Ed25519SigningKey {
  const bytes = decodePrefixed(privateKey, PRIVATE_KEY_PREFIX, SEED_BYTES + PUBLIC_BYTES, 'ed25519 secret key');
  const seed = bytes.subarray(0, SEED_BYTES);
  const embedded = bytes.subarray(SEED_BYTES);
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(embedded) }, format: 'jwk' });
  const derived = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x!, 'base64url');
  if (!derived.equals(embedded)) throw new Error('ed25519 secret key: its public half does not match its seed');
  return Object.freeze({ kind: 'herald-ed25519-signing-key', privateKey: key });
}

/** The `whpk_` public key of a `whsk_` secret key. */
export function publicKeyOf(privateKey: string | Ed25519SigningKey): string {
  const key = typeof privateKey === 'string' ? createEd25519SigningKey(privateKey) : privateKey;
  return PUBLIC_KEY_PREFIX + Buffer.from(createPublicKey(key.privateKey).export({ format: 'jwk' }).x!, 'base64url').toString('base64');
}

/**
 * Decodes a `whpk_` public key once for repeated verifying.
 *
 * @throws Error when it is not `whpk_` and the base64 of 32 bytes.
 */
export function createEd25519PublicKey(publicKey: string): Ed25519PublicKey {
  const bytes = decodePrefixed(publicKey, PUBLIC_KEY_PREFIX, PUBLIC_BYTES, 'ed25519 public key');
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(bytes) }, format: 'jwk' });
  return Object.freeze({ kind: 'herald-ed25519-public-key', publicKey: key });
}

/** The content Standard Webhooks signs: `{id}.{timestamp}.{body}`. */
function signedContent(id: string, timestamp: number, body: string | Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${id}.${timestamp}.`), typeof body === 'string' ? Buffer.from(body) : body]);
}

/** The base64 ed25519 signature of `{id}.{timestamp}.{body}`, without the version tag. */
export function computeEd25519Signature(key: Ed25519SigningKey, id: string, timestamp: number, body: string | Uint8Array): string {
  return signWith(null, signedContent(id, timestamp, body), key.privateKey).toString('base64');
}

/** Whether `signature` (base64, no version tag) is this public key's signature of `{id}.{timestamp}.{body}`. */
export function ed25519SignatureMatches(
  key: Ed25519PublicKey,
  id: string,
  timestamp: number,
  body: string | Uint8Array,
  signature: string,
): boolean {
  const bytes = BASE64.test(signature) ? Buffer.from(signature, 'base64') : null;
  // ed25519 signatures are 64 bytes; anything else is not one (and node:crypto would throw on it).
  if (!bytes || bytes.length !== 64) return false;
  return verifyWith(null, signedContent(id, timestamp, body), key.publicKey, bytes);
}

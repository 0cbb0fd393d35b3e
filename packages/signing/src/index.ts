export {
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  heraldHeaderNames,
  type HeraldHeaderNames,
} from './headers.js';
export {
  MAX_SECRET_BYTES,
  MIN_SECRET_BYTES,
  SECRET_PREFIX,
  decodeSecret,
  generateSecret,
  secretPrefix,
} from './secret.js';
export { SIGNATURE_VERSION, sign, signatureHeader, type SignInput, type WebhookSigningKey } from './sign.js';
export {
  ASYMMETRIC_SIGNATURE_VERSION,
  createEd25519PublicKey,
  createEd25519SigningKey,
  generateKeyPair,
  PRIVATE_KEY_PREFIX,
  PUBLIC_KEY_PREFIX,
  publicKeyOf,
  type Ed25519KeyPair,
  type Ed25519PublicKey,
  type Ed25519SigningKey,
} from './ed25519.js';
export { createRawHmacKey, hmacSignature, hmacSignatureMatches, type HmacSignatureInput, type RawHmacKey } from './hmac-scheme.js';
export { createSigningKey, type SigningKey } from './signing-key.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  verify,
  type HeaderSource,
  type HeadersLike,
  type VerifyInput,
} from './verify.js';
export { WebhookVerificationError, type VerificationFailureReason } from './webhook-verification-error.js';

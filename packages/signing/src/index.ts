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
export { SIGNATURE_VERSION, sign, signatureHeader, type SignInput } from './sign.js';
export { createSigningKey, type SigningKey } from './signing-key.js';
export {
  DEFAULT_TOLERANCE_SECONDS,
  verify,
  type HeaderSource,
  type HeadersLike,
  type VerifyInput,
} from './verify.js';
export { WebhookVerificationError, type VerificationFailureReason } from './webhook-verification-error.js';

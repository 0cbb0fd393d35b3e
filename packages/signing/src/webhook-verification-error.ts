/** Why a message was refused; stable codes a receiver can log or map to a status. */
export type VerificationFailureReason =
  | 'missing_headers'
  | 'invalid_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_signature'
  | 'invalid_body';

/**
 * Thrown by `verify` when a message must not be trusted. Receivers should
 * answer 4xx without detail; `reason` is for their own logs.
 */
export class WebhookVerificationError extends Error {
  /** Machine-readable cause of the refusal. */
  readonly reason: VerificationFailureReason;

  constructor(reason: VerificationFailureReason, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.reason = reason;
  }
}

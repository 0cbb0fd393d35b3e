/**
 * Thrown by a job to have BullMQ retry it after `delayMs` (Herald's backoff
 * strategy reads it). A plain error instead means "try again soon" (e.g.
 * PostgreSQL was down before anything was sent).
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

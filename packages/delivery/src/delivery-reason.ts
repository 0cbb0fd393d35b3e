/** Why an endpoint stopped: by hand, 410 Gone, or failing for HERALD_DISABLE_AFTER_MS. */
export type DisabledReason = 'manual' | 'gone' | 'failing';

/**
 * Why an attempt failed, or why a delivery ended without one. The one
 * vocabulary the worker, the api's test-send and the repositories share:
 * repositories store `describeReason(reason)` as the delivery's `last_error`
 * and the attempt's `error`.
 */
export type DeliveryReason =
  /** A non-2xx answer: 3xx (redirects are not followed), 4xx, 5xx. */
  | { kind: 'status'; status: number }
  /** No answer within the endpoint's timeout_ms. */
  | { kind: 'timeout'; message: string }
  /** No answer: refused, reset, name not resolved, TLS failure. */
  | { kind: 'network'; message: string }
  /** The SMTP server's reply to an email: 4xx (tried again) or 5xx (refused for good), with its text. */
  | { kind: 'smtp'; code: number; response: string }
  /** The address connected to is not allowed (SSRF rules, checked at every delivery). */
  | { kind: 'blocked'; message: string }
  /** Dead without an attempt: the endpoint was disabled. */
  | { kind: 'endpoint_disabled'; reason: DisabledReason }
  /** Cancelled without an attempt: the endpoint was deleted. */
  | { kind: 'endpoint_deleted' }
  /** Dead without an attempt: an email, and this Herald has no HERALD_SMTP_URL (replayable once it has). */
  | { kind: 'email_not_configured' };

/** The reason as people read it (`last_error`, an attempt's `error`). */
export function describeReason(reason: DeliveryReason): string {
  switch (reason.kind) {
    case 'status':
      return `HTTP ${reason.status}`;
    case 'smtp':
      return `SMTP ${reason.response.startsWith(String(reason.code)) ? reason.response : `${reason.code} ${reason.response}`}`.slice(0, 1000);
    case 'timeout':
    case 'network':
    case 'blocked':
      return reason.message;
    case 'endpoint_disabled':
      return `endpoint disabled (${reason.reason})`;
    case 'endpoint_deleted':
      return 'endpoint deleted';
    case 'email_not_configured':
      return 'email is not configured on this Herald';
  }
}

/** Standard Webhooks header carrying the event id; receivers dedupe on it. */
export const WEBHOOK_ID_HEADER = 'webhook-id';

/** Standard Webhooks header carrying the Unix seconds of this attempt. */
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';

/** Standard Webhooks header carrying one or more space-separated `v1,` signatures. */
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** Herald's own delivery headers under a (brandable) prefix. */
export interface HeraldHeaderNames {
  event: string;
  delivery: string;
  attempt: string;
  schemaVersion: string;
  tenant: string;
  endpoint: string;
}

// RFC 9110 token characters; anything else makes every outgoing request invalid.
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Names Herald's own headers, e.g. `X-Herald-Event`, so a company can rebrand
 * them with `HERALD_HEADER_PREFIX`.
 *
 * @throws Error when the prefix contains characters not allowed in a header name.
 */
export function heraldHeaderNames(prefix = 'X-Herald'): HeraldHeaderNames {
  if (!HEADER_TOKEN.test(prefix)) {
    throw new Error(`header prefix ${JSON.stringify(prefix)} is not a valid HTTP header name`);
  }
  return {
    event: `${prefix}-Event`,
    delivery: `${prefix}-Delivery`,
    attempt: `${prefix}-Attempt`,
    schemaVersion: `${prefix}-Schema-Version`,
    tenant: `${prefix}-Tenant`,
    endpoint: `${prefix}-Endpoint`,
  };
}

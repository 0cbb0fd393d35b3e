// The Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) and any later ones.
const STANDARD_WEBHOOKS_PREFIX = 'webhook-';

// What Herald sets on every attempt besides its prefixed and Standard Webhooks headers.
const SET_BY_HERALD = new Set(['content-type', 'user-agent']);

// Headers that frame the message or concern one connection: the HTTP client sets them. A value
// from an endpoint would corrupt the request (Content-Length, Transfer-Encoding) or its reading
// (Content-Encoding on a plain body), or smuggle behaviour past the transport (Expect, Upgrade).
const FRAMING = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/**
 * Why an endpoint may not set a header of this name, or null when it may.
 * Herald's own headers (`<headerPrefix>-*`, HERALD_HEADER_PREFIX), the
 * Standard Webhooks ones, Content-Type, User-Agent and the framing and
 * hop-by-hop headers are Herald's: a receiver must be able to trust them
 * (an endpoint that could pin X-Herald-Delivery or webhook-id would defeat
 * deduplication, one that set Content-Length would break every delivery).
 * Names compare case-insensitively, as HTTP does.
 */
export function reservedHeaderReason(name: string, headerPrefix: string): string | null {
  const lower = name.toLowerCase();
  if (lower.startsWith(`${headerPrefix.toLowerCase()}-`)) return `is reserved for Herald's own headers (${headerPrefix}-*)`;
  if (lower.startsWith(STANDARD_WEBHOOKS_PREFIX)) return 'is reserved for the Standard Webhooks headers (webhook-*)';
  if (SET_BY_HERALD.has(lower)) return 'is set by Herald and cannot be overridden';
  if (FRAMING.has(lower)) return 'is a framing or connection header, set by the HTTP client';
  return null;
}

import { randomUUID } from 'node:crypto';
import type { EndpointSignature, EnvelopeEvent } from '@herald/schemas';
import {
  heraldHeaderNames,
  hmacSignature,
  signatureHeader,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '@herald/signing';
import { requestBody, requestFormatOf, type FormatSource, type RequestFormat } from './request-format.js';
import { reservedHeaderReason } from './reserved-headers.js';
import type { AttemptKeys } from './signing-keys.js';

/** The stored event, as a request needs it. */
export type WebhookEvent = EnvelopeEvent;

/** What a request needs of its endpoint: one read of it, so the whole request agrees with itself. */
export interface RequestEndpoint extends FormatSource {
  id: string;
  signature: EndpointSignature;
  /** The endpoint's own headers, sent last. */
  headers: Record<string, string>;
}

export interface WebhookRequestInput {
  event: WebhookEvent;
  endpoint: RequestEndpoint;
  /** The keys for the endpoint's scheme, from the same read of the endpoint. */
  keys: AttemptKeys;
  attempt: number;
  headerPrefix: string;
  userAgent: string;
  /** HERALD_ENVIRONMENT, or null. */
  environment: string | null;
  now: Date;
}

/** One attempt's request, and the format its body was made in (recorded with the attempt). */
export interface WebhookRequest {
  body: string;
  headers: Record<string, string>;
  format: RequestFormat;
}

/**
 * The body and headers of one attempt, exactly as docs/api.md "What a
 * receiver gets" says: the body in the endpoint's format (envelope version or
 * the payload bytes), signed by its scheme, with Herald's headers, then the
 * endpoint's. Everything comes from the one `endpoint` and `keys` given, so
 * an endpoint changed while attempts are in flight never yields a request
 * that is half one format and half the other.
 *
 * An endpoint header Herald reserves (or the one its scheme signs into) is
 * left out: the api refuses them, but an endpoint saved before a name was
 * reserved (or under another HERALD_HEADER_PREFIX) may still have one, and it
 * must not replace Herald's.
 */
export function buildWebhookRequest(input: WebhookRequestInput): WebhookRequest {
  const { event, endpoint, keys } = input;
  if (keys.scheme !== endpoint.signature.scheme) throw new Error(`keys for ${keys.scheme} cannot sign a ${endpoint.signature.scheme} request`);
  const format = requestFormatOf(endpoint, input.environment);
  const body = requestBody(format, event, endpoint.id);
  const names = heraldHeaderNames(input.headerPrefix);
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    body,
    format,
    headers: {
      [WEBHOOK_ID_HEADER]: event.id,
      [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
      ...signatureHeaders(endpoint.signature, keys, event.id, timestamp, body),
      [names.event]: event.eventType,
      [names.delivery]: randomUUID(),
      [names.attempt]: String(input.attempt),
      ...(format.body === 'envelope' ? { [names.schemaVersion]: format.schema_version } : {}),
      [names.tenant]: event.tenantId,
      [names.endpoint]: endpoint.id,
      'content-type': 'application/json',
      'user-agent': input.userAgent,
      ...endpointHeaders(endpoint, input.headerPrefix),
    },
  };
}

/** The headers a scheme signs into. */
function signatureHeaders(
  signature: EndpointSignature,
  keys: AttemptKeys,
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  if (keys.scheme !== 'hmac-sha256') return { [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(keys.keys, id, timestamp, body) };
  if (signature.scheme !== 'hmac-sha256') throw new Error('unreachable: scheme checked by the caller');
  const stamped = signature.timestamp_header !== null;
  return {
    [signature.header]: hmacSignature({
      secret: keys.key,
      body,
      timestamp: stamped ? timestamp : undefined,
      encoding: signature.encoding,
      prefix: signature.prefix,
    }),
    ...(stamped ? { [signature.timestamp_header!]: String(timestamp) } : {}),
  };
}

/** The endpoint's headers that Herald does not reserve and its scheme does not sign into. */
function endpointHeaders(endpoint: RequestEndpoint, headerPrefix: string): Record<string, string> {
  const { signature } = endpoint;
  const signed = new Set(
    signature.scheme === 'hmac-sha256' ? [signature.header, signature.timestamp_header].flatMap((h) => (h ? [h.toLowerCase()] : [])) : [],
  );
  const allowed: Record<string, string> = {};
  for (const [name, value] of Object.entries(endpoint.headers)) {
    if (!reservedHeaderReason(name, headerPrefix) && !signed.has(name.toLowerCase())) allowed[name] = value;
  }
  return allowed;
}

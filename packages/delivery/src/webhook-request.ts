import { randomUUID } from 'node:crypto';
import { envelopeBody, type EnvelopeEvent } from '@herald/schemas';
import {
  heraldHeaderNames,
  signatureHeader,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type SigningKey,
} from '@herald/signing';
import { reservedHeaderReason } from './reserved-headers.js';

/** The stored event, as the envelope needs it. */
export type WebhookEvent = EnvelopeEvent;

export interface WebhookRequestInput {
  event: WebhookEvent;
  /** Current key first; the previous one too during a rotation overlap. */
  keys: readonly SigningKey[];
  attempt: number;
  /** The endpoint's own headers, sent last. */
  endpointHeaders: Record<string, string>;
  headerPrefix: string;
  userAgent: string;
  now: Date;
}

/**
 * The body and headers of one attempt, exactly as docs/api.md "What a receiver
 * gets" says: Standard Webhooks headers, Herald's own, then the endpoint's.
 * An endpoint header Herald reserves is left out: the api refuses them, but
 * an endpoint saved before a name was reserved (or under another
 * HERALD_HEADER_PREFIX) may still have one, and it must not replace Herald's.
 */
export function buildWebhookRequest(input: WebhookRequestInput): { body: string; headers: Record<string, string> } {
  const { event } = input;
  const body = envelopeBody(event);
  const names = heraldHeaderNames(input.headerPrefix);
  const timestamp = Math.floor(input.now.getTime() / 1000);
  return {
    body,
    headers: {
      [WEBHOOK_ID_HEADER]: event.id,
      [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
      [WEBHOOK_SIGNATURE_HEADER]: signatureHeader(input.keys, event.id, timestamp, body),
      [names.event]: event.eventType,
      [names.delivery]: randomUUID(),
      [names.attempt]: String(input.attempt),
      [names.schemaVersion]: event.schemaVersion,
      'content-type': 'application/json',
      'user-agent': input.userAgent,
      ...endpointHeaders(input.endpointHeaders, input.headerPrefix),
    },
  };
}

/** The endpoint's headers that Herald does not reserve. */
function endpointHeaders(headers: Record<string, string>, headerPrefix: string): Record<string, string> {
  const allowed: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!reservedHeaderReason(name, headerPrefix)) allowed[name] = value;
  return allowed;
}

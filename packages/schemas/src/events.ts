import { z } from 'zod';
import { EventTypeNameSchema, IsoTimestampOut, JsonObjectSchema, TimestampSchema } from './common.js';

export const EventInSchema = z.strictObject({
  event_type: EventTypeNameSchema,
  payload: JsonObjectSchema,
  /** The caller's idempotency key: the same one again is a duplicate. */
  event_id: z.string().min(1).max(255).optional(),
  occurred_at: TimestampSchema.optional(),
});
export type EventIn = z.infer<typeof EventInSchema>;

export const MAX_BATCH_EVENTS = 500;

/** Items are validated one by one, so one bad event does not refuse the batch. */
export const EventBatchInSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS),
});

export const EventAcceptedOutSchema = z.object({
  event_id: z.string(),
  event_type: z.string(),
  deliveries: z.number().int(),
  duplicate: z.boolean(),
});
export type EventAcceptedOut = z.infer<typeof EventAcceptedOutSchema>;

/**
 * The body a receiver gets (docs/api.md, "What a receiver gets"), field by
 * field in the order they are sent. The one definition of the envelope: its
 * type, the bytes `envelopeBody` writes and the event lookup's answer all
 * derive from it.
 */
export const EnvelopeSchema = z.object({
  schema_version: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  tenant_id: z.string(),
  created_at: IsoTimestampOut,
  payload: z.record(z.string(), z.unknown()),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** A stored event, as its envelope needs it. */
export interface EnvelopeEvent {
  schemaVersion: string;
  id: string;
  eventType: string;
  tenantId: string;
  createdAt: Date;
  /** Payload JSON text, inserted verbatim. */
  payload: string;
}

/** Each envelope field as JSON text. */
function envelopeFields(event: EnvelopeEvent): Record<keyof Envelope, string> {
  return {
    schema_version: JSON.stringify(event.schemaVersion),
    event_id: JSON.stringify(event.id),
    event_type: JSON.stringify(event.eventType),
    tenant_id: JSON.stringify(event.tenantId),
    created_at: JSON.stringify(event.createdAt.toISOString()),
    payload: event.payload,
  };
}

const ENVELOPE_KEYS = Object.keys(EnvelopeSchema.shape) as (keyof Envelope)[];

/**
 * The exact body bytes for an event, in EnvelopeSchema's field order: built
 * from the stored payload text without re-parsing it, so every attempt and
 * every endpoint get the same bytes.
 */
export function envelopeBody(event: EnvelopeEvent): string {
  const fields = envelopeFields(event);
  return `{${ENVELOPE_KEYS.map((k) => `"${k}":${fields[k]}`).join(',')}}`;
}

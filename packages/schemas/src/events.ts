import { z } from 'zod';
import { EventTypeNameSchema, JsonObjectSchema, TimestampSchema } from './common.js';

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

/** The body a receiver gets (API.md "What a receiver gets"). */
export interface Envelope {
  schema_version: string;
  event_id: string;
  event_type: string;
  tenant_id: string;
  created_at: string;
  payload: Record<string, unknown>;
}

/**
 * The exact body bytes for an event: built from the stored payload text
 * without re-parsing it, so every attempt and every endpoint get the same bytes.
 */
export function envelopeBody(event: {
  schemaVersion: string;
  id: string;
  eventType: string;
  tenantId: string;
  createdAt: Date;
  payload: string;
}): string {
  return (
    `{"schema_version":${JSON.stringify(event.schemaVersion)},"event_id":${JSON.stringify(event.id)},` +
    `"event_type":${JSON.stringify(event.eventType)},"tenant_id":${JSON.stringify(event.tenantId)},` +
    `"created_at":${JSON.stringify(event.createdAt.toISOString())},"payload":${event.payload}}`
  );
}

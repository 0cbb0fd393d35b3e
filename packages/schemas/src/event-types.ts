import { z } from 'zod';
import { EventTypeNameSchema, IsoTimestampOut, JsonObjectSchema } from './common.js';
import { EventTypeEmailSchema } from './notifications.js';

/** The event type every tenant has, used by test sends. */
export const TEST_EVENT_TYPE = 'webhook.test';

export const EventTypeInSchema = z.strictObject({
  name: EventTypeNameSchema,
  description: z.string().max(1000).default(''),
  schema: JsonObjectSchema.nullable().optional(),
});
export type EventTypeIn = z.infer<typeof EventTypeInSchema>;

export const EventTypePatchSchema = z.strictObject({
  description: z.string().max(1000).optional(),
  schema: JsonObjectSchema.nullable().optional(),
  email: EventTypeEmailSchema.optional().describe("Who gets an email of each event (the only field Herald's own herald.* types accept)."),
});
export type EventTypePatch = z.infer<typeof EventTypePatchSchema>;

export const EventTypeOutSchema = z.object({
  name: z.string(),
  description: z.string(),
  schema: JsonObjectSchema.nullable(),
  email: z.object({ enabled: z.boolean(), subscribers: z.array(z.string()) }),
  read_only: z.boolean().describe("Built in (webhook.test, Herald's own herald.*): only its email settings can change."),
  created_at: IsoTimestampOut,
  updated_at: IsoTimestampOut,
});
export type EventTypeOut = z.infer<typeof EventTypeOutSchema>;

export const EventTypeDeletedOutSchema = z.object({ name: z.string(), deleted: z.literal(true) });
export type EventTypeDeletedOut = z.infer<typeof EventTypeDeletedOutSchema>;

/** A schema (and optionally a sample payload) to check without saving anything. */
export const EventTypeCheckInSchema = z.strictObject({
  schema: JsonObjectSchema.nullable(),
  payload: JsonObjectSchema.optional(),
});
export type EventTypeCheckIn = z.infer<typeof EventTypeCheckInSchema>;

export const EventTypeCheckOutSchema = z.object({ valid: z.literal(true) });
export type EventTypeCheckOut = z.infer<typeof EventTypeCheckOutSchema>;

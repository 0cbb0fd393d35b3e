import { z } from 'zod';
import { EventTypeNameSchema, IsoTimestampOut, TimestampSchema } from './common.js';

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'dead', 'cancelled']);

export const OutboxQuerySchema = z.object({
  status: DeliveryStatusSchema.optional(),
  endpoint_id: z.string().min(1).max(64).optional(),
  event_type: EventTypeNameSchema.optional(),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
});

export const DeliveryOutSchema = z.object({
  id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  endpoint_id: z.string(),
  status: DeliveryStatusSchema,
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  next_attempt_at: IsoTimestampOut.nullable(),
  last_response_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: IsoTimestampOut,
  delivered_at: IsoTimestampOut.nullable(),
});
export type DeliveryOut = z.infer<typeof DeliveryOutSchema>;

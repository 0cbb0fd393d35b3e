import { z } from 'zod';

/**
 * What a first attempt needs of the event, carried by the job ingest enqueues
 * so the worker does not read PostgreSQL before sending (payloads up to
 * INLINE_PAYLOAD_MAX_CHARS). Retries, replays and re-enqueued jobs carry ids
 * only and load everything from PostgreSQL.
 */
export const InlineEventSchema = z.object({
  eventId: z.string(),
  eventType: z.string(),
  /** ISO timestamp, as stored. */
  createdAt: z.string(),
  /** Payload JSON text, as stored. */
  payload: z.string(),
});
export type InlineEvent = z.infer<typeof InlineEventSchema>;

/** Longest payload (JSON text) a job carries; a longer one is loaded from PostgreSQL. */
export const INLINE_PAYLOAD_MAX_CHARS = 4096;

/**
 * A delivery job's data: the delivery's ids, and for a first attempt from
 * ingest, the event. The endpoint is the job's queue, and the delivery's
 * max_attempts the job's `attempts`.
 */
export const DeliverJobSchema = z.object({
  deliveryId: z.string(),
  tenantId: z.string(),
  event: InlineEventSchema.optional(),
});
export type DeliverJob = z.infer<typeof DeliverJobSchema>;

import { z } from 'zod';
import { ChannelQuerySchema } from './channels.js';
import { EventTypeNameSchema, IsoTimestampOut, TimestampSchema } from './common.js';
import { AttemptStatusSchema } from './endpoints.js';
import { EnvelopeSchema } from './events.js';
import { DeliveryKindSchema } from './notifications.js';

export const DeliveryStatusSchema = z.enum(['pending', 'delivered', 'dead', 'cancelled']);

export const OutboxQuerySchema = z.object({
  status: DeliveryStatusSchema.optional(),
  kind: DeliveryKindSchema.optional().describe('Only webhook or only email deliveries.'),
  endpoint_id: z.string().min(1).max(64).optional(),
  event_type: EventTypeNameSchema.optional(),
  channel: ChannelQuerySchema.optional().describe('Deliveries of events sent on this channel.'),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
});

export const DeliveryOutSchema = z.object({
  id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  kind: DeliveryKindSchema.describe('webhook: an HTTP POST to endpoint_id; email: an email to recipient.'),
  endpoint_id: z.string().nullable().describe('The endpoint of a webhook delivery; null for an email.'),
  recipient: z.string().nullable().describe('The address of an email delivery; null for a webhook.'),
  channels: z.array(z.string()).describe("Its event's channels (an email's too)."),
  ordering_key: z.string().nullable().describe("For a fifo endpoint: the key it is ordered on ('' is the default key); null when unordered (always for an email)."),
  order_broken_by: z.string().nullable().describe('The delivery before it on its key that died and so released it; null otherwise.'),
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

export const AttemptDetailOutSchema = z.object({
  id: z.string(),
  attempt: z.number().int(),
  status: AttemptStatusSchema,
  request_headers: z.record(z.string(), z.string()),
  request_body: z.string().describe("The exact body sent: the event envelope or payload; for an email, its text part."),
  response_status: z.number().int().nullable().describe('The HTTP status; for an email, the SMTP reply code.'),
  response_headers: z.record(z.string(), z.string()).nullable(),
  response_body: z.string().nullable().describe("The first HERALD_ATTEMPT_BODY_MAX_BYTES (default 4 KiB) of the response body; for an email, the SMTP server's reply."),
  latency_ms: z.number().int(),
  error: z.string().nullable(),
  created_at: IsoTimestampOut,
});

/**
 * One delivery with its attempts (docs/api.md, `GET /api/v1/outbox/{delivery_id}`):
 * here `attempts` is the list, oldest first, and the counter is `attempt_count`.
 */
export const DeliveryDetailOutSchema = DeliveryOutSchema.omit({ attempts: true }).extend({
  attempt_count: z.number().int().describe('Attempts since the delivery was created or last replayed.'),
  attempts: z.array(AttemptDetailOutSchema),
});

export type DeliveryDetailOut = z.infer<typeof DeliveryDetailOutSchema>;

/** Most deliveries one bulk replay takes without an explicit `limit`. */
export const REPLAY_DEFAULT_CAP = 10_000;

/** How many matches a dry run shows. */
export const DRY_RUN_SAMPLE = 20;

const ReplayFilterShape = {
  kind: DeliveryKindSchema.optional().describe('Only webhook or only email deliveries.'),
  endpoint_id: z.string().min(1).max(64).optional(),
  event_type: EventTypeNameSchema.optional(),
  channel: ChannelQuerySchema.optional().describe('Deliveries of events sent on this channel.'),
  status: z.enum(['dead', 'delivered', 'cancelled']).default('dead'),
  since: TimestampSchema.optional(),
  until: TimestampSchema.optional(),
};

export const ReplayFilterInSchema = z.strictObject({
  ...ReplayFilterShape,
  limit: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .optional()
    .describe(`Replay at most this many, oldest first. Without it, a filter matching more than ${REPLAY_DEFAULT_CAP} is refused (422).`),
  dry_run: z.boolean().default(false).describe(`Answer how many would be replayed and the first ${DRY_RUN_SAMPLE}, changing nothing.`),
});

/** The filter of a bulk replay, as a query: what `GET /api/v1/outbox/replay/preview` counts. */
export const ReplayPreviewQuerySchema = z.object(ReplayFilterShape);

export const ReplayPreviewOutSchema = z.object({
  matching: z.number().int().describe('Deliveries of the tenant that match the filter.'),
  replayable: z
    .number()
    .int()
    .describe('Of those, how many a replay with this filter would take now (their endpoint is live and enabled; for emails, email is configured).'),
});
export type ReplayPreviewOut = z.infer<typeof ReplayPreviewOutSchema>;

export const ReplayedOutSchema = z.object({ replayed: z.number().int() });

export const ReplayDryRunOutSchema = z.object({
  dry_run: z.literal(true),
  count: z.number().int().describe('How many deliveries the same request without dry_run would replay now.'),
  deliveries: z.array(DeliveryOutSchema).describe(`The first ${DRY_RUN_SAMPLE} of them, oldest first.`),
});
export type ReplayDryRunOut = z.infer<typeof ReplayDryRunOutSchema>;

export const BackfillInSchema = z.strictObject({
  since: TimestampSchema.describe('Events created at or after this time.'),
  until: TimestampSchema.optional().describe('Events created before this time; default now.'),
  dry_run: z.boolean().default(false).describe(`Answer how many deliveries would be created and the first ${DRY_RUN_SAMPLE} events, changing nothing.`),
});
export type BackfillIn = z.infer<typeof BackfillInSchema>;

export const BackfillOutSchema = z.object({
  dry_run: z.boolean(),
  count: z.number().int().describe('Deliveries created (or, in a dry run, that would be): one per matching event the endpoint has none for.'),
  events: z
    .array(z.object({ event_id: z.string(), event_type: z.string(), channels: z.array(z.string()), created_at: IsoTimestampOut }))
    .describe(`Dry run: the first ${DRY_RUN_SAMPLE} of those events, oldest first; otherwise empty.`),
});
export type BackfillOut = z.infer<typeof BackfillOutSchema>;

export const EventDetailOutSchema = z.object({
  envelope: EnvelopeSchema,
  idempotency_key: z.string().nullable(),
  occurred_at: IsoTimestampOut.nullable(),
  deliveries: z.array(DeliveryOutSchema),
});

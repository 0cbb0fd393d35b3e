import { z } from 'zod';
import { ChannelQuerySchema, ChannelsInSchema } from './channels.js';
import { EventTypeNameSchema, IsoTimestampOut, JsonObjectSchema } from './common.js';
import { ORDERINGS, OrderingInSchema } from './ordering.js';
import { TEST_EVENT_TYPE } from './event-types.js';
import { ENVELOPE_VERSIONS, LATEST_ENVELOPE_VERSION } from './events.js';

/** `exact.name`, a family `prefix.*`, or `*`. */
export const EventFilterSchema = z.union([
  z.literal('*'),
  EventTypeNameSchema,
  z
    .string()
    .max(128)
    .regex(/^[a-z0-9_.-]+\.\*$/, "must be an event type name, a family 'prefix.*', or '*'"),
]);

/**
 * An endpoint's own headers, as HTTP can carry them (else 400). Which names
 * Herald reserves for itself depends on HERALD_HEADER_PREFIX, so the api
 * checks that (422; packages/outbound reserved-headers.ts).
 */
export const EndpointHeadersSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid header name'),
    z
      .string()
      .max(1000)
      .regex(/^[^\r\n]*$/, 'must not contain line breaks')
      // What node:http accepts in a header value; anything else would fail every delivery.
      .regex(/^[\t\r\n\x20-\x7e\x80-\xff]*$/, 'must contain only printable Latin-1 characters'),
    // zod reports a bad key as 'Invalid key in record'; surface why the key was refused.
    { error: (issue) => (issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : undefined) },
  )
  .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers');

/** How an endpoint's requests are signed (docs/api.md, "Signature schemes"). */
export const SIGNATURE_SCHEMES = ['standard-webhooks', 'standard-webhooks-ed25519', 'hmac-sha256'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** What an endpoint's request body is: Herald's envelope, or the producer's payload bytes alone. */
export const BODY_FORMATS = ['envelope', 'payload'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

/** How the hmac-sha256 scheme writes its digest. */
export const HMAC_ENCODINGS = ['hex', 'base64'] as const;

// RFC 9110 token characters: what an HTTP header name may be made of.
const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

const SignatureHeaderNameSchema = z
  .string()
  .max(100)
  .regex(HEADER_TOKEN, "must be a valid header name (letters, digits and !#$%&'*+.^_`|~-)");

/**
 * An endpoint's signature as accepted and stored, defaults filled in. A body
 * that breaks it is well-formed but unacceptable: the api answers 422 with
 * `signature.<field>` (the request's shape is checked first, by
 * {@link SignatureInSchema}). Which header names Herald reserves depends on
 * HERALD_HEADER_PREFIX, so the api checks that too.
 */
export const SignatureSchema = z.discriminatedUnion('scheme', [
  z.strictObject({ scheme: z.literal('standard-webhooks') }),
  z.strictObject({ scheme: z.literal('standard-webhooks-ed25519') }),
  z.strictObject({
    scheme: z.literal('hmac-sha256'),
    header: SignatureHeaderNameSchema,
    prefix: z
      .string()
      .max(64)
      // A header value cannot carry control characters, and HTTP trims surrounding spaces.
      .regex(/^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/, 'must be printable ASCII without control characters or surrounding spaces')
      .default(''),
    encoding: z.enum(HMAC_ENCODINGS).default('hex'),
    timestamp_header: SignatureHeaderNameSchema.nullable().default(null),
  }),
]);
export type EndpointSignature = z.infer<typeof SignatureSchema>;

/** The default signature: today's Standard Webhooks `v1`. */
export const DEFAULT_SIGNATURE: EndpointSignature = { scheme: 'standard-webhooks' };

/**
 * `signature` as a request carries it: an object of strings (else 400). Whether
 * its values are acceptable is {@link SignatureSchema}'s question (422).
 */
export const SignatureInSchema = z
  .strictObject({
    scheme: z.string().meta({ enum: [...SIGNATURE_SCHEMES], description: 'standard-webhooks (v1, HMAC), standard-webhooks-ed25519 (v1a), or hmac-sha256.' }),
    header: z.string().optional().meta({ description: 'hmac-sha256 only, required: the header carrying the signature (not one Herald reserves).' }),
    prefix: z.string().optional().meta({ description: "hmac-sha256 only: written before the digest, e.g. 'sha256='. Default empty." }),
    encoding: z.string().optional().meta({ enum: [...HMAC_ENCODINGS], description: 'hmac-sha256 only: hex (default) or base64.' }),
    timestamp_header: z
      .string()
      .nullable()
      .optional()
      .meta({ description: 'hmac-sha256 only: when set, Unix seconds are sent in this header and `{timestamp}.{body}` is signed.' }),
  })
  .meta({ description: 'How requests are signed; an unacceptable value is answered 422.' });
export type SignatureIn = z.infer<typeof SignatureInSchema>;

/** `body` as a request carries it; anything but a BODY_FORMATS value is answered 422. */
const BodyFormatInSchema = z.string().meta({
  enum: [...BODY_FORMATS],
  description: "envelope (Herald's JSON envelope) or payload (the producer's payload bytes exactly as ingested).",
});

/** `schema_version` as a request carries it; an unpublished version is answered 422. */
const SchemaVersionInSchema = z.string().meta({
  enum: ENVELOPE_VERSIONS.map((v) => v.id),
  description: 'The envelope version this endpoint gets (GET /api/v1/schema-versions); new endpoints get the newest.',
});

/** Longest endpoint URL accepted. */
export const MAX_ENDPOINT_URL_LENGTH = 2048;

/**
 * An endpoint URL as the body carries it: any string here (else 400). What
 * makes a string acceptable (an https:// URL, not too long, a host that is
 * not internal) is one policy, checked by the api with the SSRF rules, which
 * answers 422 for a refused URL (packages/outbound url-policy.ts).
 */
export const EndpointUrlSchema = z.string().meta({
  format: 'uri',
  maxLength: MAX_ENDPOINT_URL_LENGTH,
  description: 'https:// (http:// only with HERALD_ALLOW_HTTP=true); a refused URL is answered 422.',
});

/** The most attempts an endpoint may be set to (`max_attempts`). */
export const MAX_ATTEMPTS_LIMIT = 50;
/** The longest an endpoint may wait for an answer (`timeout_ms`). */
export const MAX_TIMEOUT_MS = 30_000;

export const EndpointInSchema = z.strictObject({
  kind: z
    .string()
    .max(64)
    .optional()
    .describe("Only 'webhook' (endpoints are webhooks; email goes to people through event types' email settings); any other kind is answered 422."),
  url: EndpointUrlSchema,
  name: z.string().max(200).default(''),
  description: z.string().max(1000).default(''),
  events: z.array(EventFilterSchema).min(1, 'at least one event type or filter').max(100),
  channels: ChannelsInSchema.default([]).describe('Channels (apps) it listens on; empty (the default) receives every event, with or without channels.'),
  enabled: z.boolean().default(true),
  timeout_ms: z.number().int().min(1000).max(MAX_TIMEOUT_MS).default(10000),
  max_attempts: z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).default(15),
  rate_limit_per_second: z.number().int().min(1).max(10000).nullable().default(null),
  headers: EndpointHeadersSchema.default({}),
  metadata: JsonObjectSchema.default({}),
  signature: SignatureInSchema.default(DEFAULT_SIGNATURE),
  body: BodyFormatInSchema.default('envelope'),
  schema_version: SchemaVersionInSchema.default(LATEST_ENVELOPE_VERSION),
  ordering: OrderingInSchema.default('none'),
});
export type EndpointIn = z.infer<typeof EndpointInSchema>;

/** Any create field, all optional. */
export const EndpointPatchSchema = z.strictObject({
  url: EndpointInSchema.shape.url.optional(),
  name: z.string().max(200).optional(),
  description: z.string().max(1000).optional(),
  events: EndpointInSchema.shape.events.optional(),
  channels: ChannelsInSchema.optional(),
  enabled: z.boolean().optional(),
  timeout_ms: z.number().int().min(1000).max(MAX_TIMEOUT_MS).optional(),
  max_attempts: z.number().int().min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
  rate_limit_per_second: z.number().int().min(1).max(10000).nullable().optional(),
  headers: EndpointHeadersSchema.optional(),
  metadata: JsonObjectSchema.optional(),
  signature: SignatureInSchema.optional(),
  body: BodyFormatInSchema.optional(),
  schema_version: SchemaVersionInSchema.optional(),
  ordering: OrderingInSchema.optional().describe('Refused (422) while the endpoint has pending deliveries.'),
});
export type EndpointPatch = z.infer<typeof EndpointPatchSchema>;

export const EndpointListQuerySchema = z.object({
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  event_type: EventTypeNameSchema.optional(),
  channel: ChannelQuerySchema.optional().describe('Endpoints that list this channel (endpoints without channels are not listed).'),
});

export const EndpointOutSchema = z.object({
  id: z.string(),
  url: z.string(),
  name: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  channels: z.array(z.string()),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  timeout_ms: z.number().int(),
  max_attempts: z.number().int(),
  rate_limit_per_second: z.number().int().nullable(),
  headers: z.record(z.string(), z.string()),
  metadata: JsonObjectSchema,
  signature: SignatureSchema,
  body: z.enum(BODY_FORMATS),
  schema_version: z.string(),
  ordering: z.enum(ORDERINGS),
  signing_secret_prefix: z.string(),
  signing_public_key: z
    .string()
    .nullable()
    .describe('The whpk_ ed25519 public key receivers verify v1a signatures with (not a secret); null unless the scheme is or was standard-webhooks-ed25519.'),
  created_at: IsoTimestampOut,
  updated_at: IsoTimestampOut,
  last_delivery_at: IsoTimestampOut.nullable(),
  last_delivery_status: z.string().nullable(),
  last_response_status: z.number().int().nullable().describe('HTTP status of the newest attempt; null without one, or when it got no response.'),
});
export type EndpointOut = z.infer<typeof EndpointOutSchema>;

export const SECRET_WARNING = 'Save this signing_secret now. It will not be shown again.';

export const EndpointCreatedOutSchema = EndpointOutSchema.extend({
  signing_secret: z.string(),
  _warning: z.literal(SECRET_WARNING),
});
export type EndpointCreatedOut = z.infer<typeof EndpointCreatedOutSchema>;

/**
 * The event filters that select an event type: `*`, the name itself, and
 * each family it belongs to (`a.*` and `a.b.*` for `a.b.c`). The one
 * definition of the rule: ingest's fan-out (SQL), the endpoint list's
 * `event_type` filter and `matchesEventType` all ask for an overlap with this.
 */
export function filtersSelecting(eventType: string): string[] {
  const out = ['*', eventType];
  for (let i = eventType.indexOf('.'); i !== -1; i = eventType.indexOf('.', i + 1)) {
    out.push(`${eventType.slice(0, i + 1)}*`);
  }
  return out;
}

/** Whether an endpoint's filters select this event type. */
export function matchesEventType(filters: readonly string[], eventType: string): boolean {
  return filtersSelecting(eventType).some((f) => filters.includes(f));
}

/** `{id}` of every `/api/v1/endpoints/{id}...` route. */
export const EndpointParamsSchema = z.object({ id: z.string().describe('An endpoint id, ep_...') });

export const EndpointDeletedOutSchema = z.object({ id: z.string(), deleted: z.literal(true) });
export type EndpointDeletedOut = z.infer<typeof EndpointDeletedOutSchema>;

export const ENDPOINT_BULK_MAX_IDS = 100;

export const EndpointBulkInSchema = z
  .strictObject({
    action: z.enum(['enable', 'disable', 'delete']),
    ids: z
      .array(z.string().min(1).max(64))
      .min(1, 'at least one id')
      .max(ENDPOINT_BULK_MAX_IDS)
      .optional()
      .describe('Endpoint ids, 1..100. An id given twice is acted on once and its result repeated at each place.'),
    channel: ChannelQuerySchema.optional().describe('Instead of ids: every live endpoint that lists this channel (at most 1,000).'),
  })
  .refine((b) => (b.ids === undefined) !== (b.channel === undefined), { message: 'give either ids or channel', path: ['ids'] });
export type EndpointBulkIn = z.infer<typeof EndpointBulkInSchema>;

/** The error object (what `{ "error": ... }` holds), for a refused item of a bulk request. */
export const ItemErrorSchema = z.object({
  code: z.string().describe("e.g. 'not_found' when the id is not a live endpoint of this tenant"),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })),
});
export type ItemError = z.infer<typeof ItemErrorSchema>;

export const EndpointBulkResultSchema = z.object({
  id: z.string(),
  ok: z.boolean(),
  error: ItemErrorSchema.optional().describe('Present when ok is false.'),
});
export type EndpointBulkResult = z.infer<typeof EndpointBulkResultSchema>;

export const EndpointBulkOutSchema = z.object({
  results: z.array(EndpointBulkResultSchema).describe('One per input id, in input order.'),
});
export type EndpointBulkOut = z.infer<typeof EndpointBulkOutSchema>;

/** A week: the longest a receiver should need to deploy a new secret. */
export const MAX_SECRET_OVERLAP_SECONDS = 604_800;

export const RotateSecretInSchema = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_SECRET_OVERLAP_SECONDS)
    .default(86_400)
    .describe('How long the old secret (and key pair) keeps signing; 0 drops it at once. What is sent meanwhile depends on the scheme.'),
});
export type RotateSecretIn = z.infer<typeof RotateSecretInSchema>;

export const RotateSecretOutSchema = z.object({
  id: z.string(),
  signing_secret: z.string(),
  signing_secret_prefix: z.string(),
  signing_public_key: z.string().nullable().describe('The new whpk_ public key when the endpoint has an ed25519 key pair, else null.'),
  previous_secret_expires_at: IsoTimestampOut.nullable().describe('Until then deliveries carry both signatures; null when overlap_seconds was 0.'),
  _warning: z.literal(SECRET_WARNING),
});
export type RotateSecretOut = z.infer<typeof RotateSecretOutSchema>;

export const EndpointTestInSchema = z.strictObject({
  event_type: EventTypeNameSchema.default(TEST_EVENT_TYPE).describe('A registered event type; webhook.test always exists.'),
  payload: JsonObjectSchema.default({}),
});
export type EndpointTestIn = z.infer<typeof EndpointTestInSchema>;

export const EndpointTestOutSchema = z.object({
  delivered: z.boolean().describe('The endpoint answered 2xx within its timeout_ms.'),
  response_status: z.number().int().nullable(),
  latency_ms: z.number().int(),
  response_body: z.string().nullable().describe('The first HERALD_ATTEMPT_BODY_MAX_BYTES (default 4 KiB) of the response body.'),
  error: z.string().nullable(),
});
export type EndpointTestOut = z.infer<typeof EndpointTestOutSchema>;

const WINDOW_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WINDOW_MS = 30 * WINDOW_UNIT_MS.d;

/** Milliseconds in a stats window such as `15m`, `24h`, `7d`. */
export function windowMs(window: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(window);
  return match ? Number(match[1]) * WINDOW_UNIT_MS[match[2] as keyof typeof WINDOW_UNIT_MS] : Number.NaN;
}

export const StatsWindowSchema = z
  .string()
  .regex(/^\d{1,6}[mhd]$/, "must be a number of minutes, hours or days, e.g. '15m', '24h', '7d'")
  .refine((w) => windowMs(w) > 0 && windowMs(w) <= MAX_WINDOW_MS, 'must be more than 0 and at most 30d')
  .default('24h');

export const EndpointStatsQuerySchema = z.object({
  window: StatsWindowSchema,
  channel: ChannelQuerySchema.optional().describe("Only deliveries (and their attempts) of events sent on this channel."),
});

/** `?channel=` of an endpoint's attempts. */
export const EndpointAttemptsQuerySchema = z.object({
  channel: ChannelQuerySchema.optional().describe('Only attempts of deliveries whose event was sent on this channel.'),
});

export const EndpointStatsOutSchema = z.object({
  window: z.string(),
  delivered: z.number().int().describe('Deliveries created in the window that are delivered.'),
  failed_attempts: z.number().int().describe('Failed attempts made in the window.'),
  pending: z
    .number()
    .int()
    .describe('Deliveries waiting for an attempt now, whenever they were created: the current backlog, not windowed.'),
  dead: z.number().int().describe('Deliveries created in the window that are dead (attempts exhausted or endpoint disabled).'),
  success_rate: z.number().nullable().describe('Succeeded attempts / all attempts in the window, 0..1; null when there were none.'),
  p50_latency_ms: z.number().int().nullable().describe('Median latency of the attempts in the window; null when there were none.'),
  p99_latency_ms: z.number().int().nullable(),
});
export type EndpointStatsOut = z.infer<typeof EndpointStatsOutSchema>;

export const AttemptStatusSchema = z.enum(['succeeded', 'failed']);

export const EndpointAttemptOutSchema = z.object({
  id: z.string(),
  delivery_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  attempt: z.number().int().describe('1-based number of this attempt within its delivery.'),
  status: AttemptStatusSchema,
  response_status: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error: z.string().nullable(),
  created_at: IsoTimestampOut,
});
export type EndpointAttemptOut = z.infer<typeof EndpointAttemptOutSchema>;

/** Longest history `GET /api/v1/endpoints/{id}/stats/hourly` answers: a week. */
export const MAX_HOURLY_BUCKETS = 168;

export const EndpointHourlyQuerySchema = z.object({
  hours: z.coerce.number().int().min(1).max(MAX_HOURLY_BUCKETS).default(24).describe('How many hours, the current one included.'),
});

export const EndpointHourOutSchema = z.object({
  start: IsoTimestampOut.describe('The start of the hour (UTC).'),
  delivered: z.number().int().describe('Attempts in this hour that succeeded (each delivers its delivery).'),
  failed: z.number().int().describe('Attempts in this hour that failed.'),
  dead: z.number().int().describe('Deliveries that are dead and last changed in this hour (when they died).'),
});
export type EndpointHourOut = z.infer<typeof EndpointHourOutSchema>;

export const EndpointHourlyOutSchema = z.object({ hours: z.array(EndpointHourOutSchema).describe('Oldest first, one per hour.') });
export type EndpointHourlyOut = z.infer<typeof EndpointHourlyOutSchema>;

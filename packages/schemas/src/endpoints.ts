import { z } from 'zod';
import { EventTypeNameSchema, IsoTimestampOut, JsonObjectSchema } from './common.js';

/** `exact.name`, a family `prefix.*`, or `*`. */
export const EventFilterSchema = z.union([
  z.literal('*'),
  EventTypeNameSchema,
  z
    .string()
    .max(128)
    .regex(/^[a-z0-9_.-]+\.\*$/, "must be an event type name, a family 'prefix.*', or '*'"),
]);

// Headers Herald sets itself; an endpoint may not override them.
const RESERVED_HEADERS = /^(webhook-|content-type$|content-length$|host$|user-agent$|transfer-encoding$|connection$)/i;

export const EndpointHeadersSchema = z
  .record(
    z
      .string()
      .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a valid header name')
      .refine((name) => !RESERVED_HEADERS.test(name), 'is set by Herald and cannot be overridden'),
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

export const EndpointInSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048),
  name: z.string().max(200).default(''),
  description: z.string().max(1000).default(''),
  events: z.array(EventFilterSchema).min(1, 'at least one event type or filter').max(100),
  enabled: z.boolean().default(true),
  timeout_ms: z.number().int().min(1000).max(30000).default(10000),
  max_attempts: z.number().int().min(1).max(50).default(15),
  rate_limit_per_second: z.number().int().min(1).max(10000).nullable().default(null),
  headers: EndpointHeadersSchema.default({}),
  metadata: JsonObjectSchema.default({}),
});
export type EndpointIn = z.infer<typeof EndpointInSchema>;

/** Any create field, all optional. */
export const EndpointPatchSchema = z.strictObject({
  url: EndpointInSchema.shape.url.optional(),
  name: z.string().max(200).optional(),
  description: z.string().max(1000).optional(),
  events: EndpointInSchema.shape.events.optional(),
  enabled: z.boolean().optional(),
  timeout_ms: z.number().int().min(1000).max(30000).optional(),
  max_attempts: z.number().int().min(1).max(50).optional(),
  rate_limit_per_second: z.number().int().min(1).max(10000).nullable().optional(),
  headers: EndpointHeadersSchema.optional(),
  metadata: JsonObjectSchema.optional(),
});
export type EndpointPatch = z.infer<typeof EndpointPatchSchema>;

export const EndpointListQuerySchema = z.object({
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  event_type: EventTypeNameSchema.optional(),
});

export const EndpointOutSchema = z.object({
  id: z.string(),
  url: z.string(),
  name: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  timeout_ms: z.number().int(),
  max_attempts: z.number().int(),
  rate_limit_per_second: z.number().int().nullable(),
  headers: z.record(z.string(), z.string()),
  metadata: JsonObjectSchema,
  signing_secret_prefix: z.string(),
  created_at: IsoTimestampOut,
  updated_at: IsoTimestampOut,
  last_delivery_at: IsoTimestampOut.nullable(),
  last_delivery_status: z.string().nullable(),
});
export type EndpointOut = z.infer<typeof EndpointOutSchema>;

export const SECRET_WARNING = 'Save this signing_secret now. It will not be shown again.';

export const EndpointCreatedOutSchema = EndpointOutSchema.extend({
  signing_secret: z.string(),
  _warning: z.literal(SECRET_WARNING),
});
export type EndpointCreatedOut = z.infer<typeof EndpointCreatedOutSchema>;

/** Whether an endpoint's filters select this event type. */
export function matchesEventType(filters: readonly string[], eventType: string): boolean {
  return filters.some(
    (f) => f === '*' || f === eventType || (f.endsWith('.*') && eventType.startsWith(f.slice(0, -1))),
  );
}

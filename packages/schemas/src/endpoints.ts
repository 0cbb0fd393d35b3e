import { z } from 'zod';
import { EventTypeNameSchema, JsonObjectSchema } from './common.js';

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
    z.string().max(1000).regex(/^[^\r\n]*$/, 'must not contain line breaks'),
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

export interface EndpointOut {
  id: string;
  url: string;
  name: string;
  description: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  timeout_ms: number;
  max_attempts: number;
  rate_limit_per_second: number | null;
  headers: Record<string, string>;
  metadata: Record<string, unknown>;
  signing_secret_prefix: string;
  created_at: string;
  updated_at: string;
  last_delivery_at: string | null;
  last_delivery_status: string | null;
}

export const SECRET_WARNING = 'Save this signing_secret now. It will not be shown again.';

export interface EndpointCreatedOut extends EndpointOut {
  signing_secret: string;
  _warning: typeof SECRET_WARNING;
}

/** Whether an endpoint's filters select this event type. */
export function matchesEventType(filters: readonly string[], eventType: string): boolean {
  return filters.some(
    (f) => f === '*' || f === eventType || (f.endsWith('.*') && eventType.startsWith(f.slice(0, -1))),
  );
}

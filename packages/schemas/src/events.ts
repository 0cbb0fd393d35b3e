import { z } from 'zod';
import { ChannelsInSchema } from './channels.js';
import { OrderingKeyInSchema } from './ordering.js';
import { EventTypeNameSchema, IsoTimestampOut, JsonObjectSchema, TimestampSchema } from './common.js';

export const EventInSchema = z.strictObject({
  event_type: EventTypeNameSchema,
  payload: JsonObjectSchema,
  /** The caller's idempotency key: the same one again is a duplicate. */
  event_id: z.string().min(1).max(255).optional(),
  occurred_at: TimestampSchema.optional(),
  /** The channels (apps) it is scoped to: endpoints with channels receive it only if they share one. */
  channels: ChannelsInSchema.optional(),
  ordering_key: OrderingKeyInSchema.optional(),
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

/** A stored event, as its envelope needs it. */
export interface EnvelopeEvent {
  id: string;
  eventType: string;
  tenantId: string;
  createdAt: Date;
  /** Payload JSON text, inserted verbatim. */
  payload: string;
}

/**
 * What an envelope may say besides the event: who and where it is delivered
 * for, read when the attempt is made.
 */
export interface EnvelopeContext {
  endpointId: string;
  /** HERALD_ENVIRONMENT, or null when it is not set. */
  environment: string | null;
  tenant: { name: string; externalId: string | null };
}

/** Everything an envelope is built from. */
export interface EnvelopeSource {
  event: EnvelopeEvent;
  context: EnvelopeContext;
}

/** One envelope field: its shape (for the type, the docs and `GET /api/v1/schema-versions`) and its JSON text. */
interface EnvelopeField {
  schema: z.ZodType;
  text: (source: EnvelopeSource, versionId: string) => string;
}

const json = (value: unknown) => JSON.stringify(value);

// The fields each version shares, defined once.
const FIELDS = {
  schema_version: { schema: z.string().describe('This version id.'), text: (_s, id) => json(id) },
  event_id: { schema: z.string().describe("The event's evt_ id (also webhook-id)."), text: (s) => json(s.event.id) },
  event_type: { schema: z.string(), text: (s) => json(s.event.eventType) },
  created_at: { schema: IsoTimestampOut.describe('When ingest accepted the event.'), text: (s) => json(s.event.createdAt.toISOString()) },
  payload: {
    schema: z.record(z.string(), z.unknown()).describe('The payload exactly as the producer sent it to ingest (its bytes).'),
    text: (s) => s.event.payload,
  },
} satisfies Record<string, EnvelopeField>;

/**
 * One published envelope version: its id (the `schema_version` it sends),
 * what it is for, and its fields in the order they are sent. The zod schema
 * and the bytes both derive from `fields`, so what the docs list is what
 * receivers get. A published version never changes: an endpoint pinned to
 * it gets the same bytes for the same event forever.
 */
export interface EnvelopeVersion<S extends z.ZodRawShape = z.ZodRawShape> {
  id: string;
  description: string;
  schema: z.ZodObject<S>;
  /** The exact body for an event, without re-parsing its payload. */
  body(source: EnvelopeSource): string;
}

function defineVersion<const F extends Record<string, EnvelopeField>>(
  id: string,
  description: string,
  fields: F,
): EnvelopeVersion<{ [K in keyof F]: F[K]['schema'] }> {
  const entries = Object.entries(fields);
  const shape = Object.fromEntries(entries.map(([key, field]) => [key, field.schema])) as { [K in keyof F]: F[K]['schema'] };
  return {
    id,
    description,
    schema: z.object(shape),
    body: (source) => `{${entries.map(([key, field]) => `${json(key)}:${field.text(source, id)}`).join(',')}}`,
  };
}

/** The first envelope (Herald's only one until 2026-12-01); endpoints created before then stay on it. */
export const ENVELOPE_V1 = defineVersion('2025-01-01', 'The event and its tenant id: schema_version, event_id, event_type, tenant_id, created_at, payload.', {
  schema_version: FIELDS.schema_version,
  event_id: FIELDS.event_id,
  event_type: FIELDS.event_type,
  tenant_id: { schema: z.string(), text: (s) => json(s.event.tenantId) },
  created_at: FIELDS.created_at,
  payload: FIELDS.payload,
});

/** Adds what a receiver serving several environments, accounts and endpoints needs to route an event. */
export const ENVELOPE_V2 = defineVersion(
  '2026-12-01',
  "Adds context: environment (HERALD_ENVIRONMENT), tenant {id, name, external_id} in place of tenant_id, and endpoint_id.",
  {
    schema_version: FIELDS.schema_version,
    event_id: FIELDS.event_id,
    event_type: FIELDS.event_type,
    created_at: FIELDS.created_at,
    environment: {
      schema: z.string().nullable().describe("The sending Herald's HERALD_ENVIRONMENT (e.g. production, staging); null when unset."),
      text: (s) => json(s.context.environment),
    },
    tenant: {
      schema: z.object({
        id: z.string(),
        name: z.string(),
        external_id: z.string().nullable().describe("The producer's own id of this account, if set on the tenant."),
      }),
      text: (s) => json({ id: s.event.tenantId, name: s.context.tenant.name, external_id: s.context.tenant.externalId }),
    },
    endpoint_id: { schema: z.string().describe('The ep_ id of the endpoint this is delivered to.'), text: (s) => json(s.context.endpointId) },
    payload: FIELDS.payload,
  },
);

/** Every published envelope version, oldest first. */
export const ENVELOPE_VERSIONS: readonly EnvelopeVersion[] = [ENVELOPE_V1, ENVELOPE_V2];

/** The version a new endpoint is pinned to. */
export const LATEST_ENVELOPE_VERSION = ENVELOPE_VERSIONS.at(-1)!.id;

/** A published version by id, or undefined. */
export function envelopeVersion(id: string): EnvelopeVersion | undefined {
  return ENVELOPE_VERSIONS.find((v) => v.id === id);
}

/** The first envelope's shape (the event lookup's answer). */
export const EnvelopeSchema = ENVELOPE_V1.schema;
export type Envelope = z.infer<typeof EnvelopeSchema>;

/** One version as `GET /api/v1/schema-versions` lists it. */
export const SchemaVersionOutSchema = z.object({
  id: z.string().describe('The value of schema_version and X-Herald-Schema-Version.'),
  description: z.string(),
  latest: z.boolean().describe('New endpoints are pinned to this one.'),
  schema: z.record(z.string(), z.unknown()).describe('The envelope as a JSON Schema, fields in the order they are sent.'),
});
export type SchemaVersionOut = z.infer<typeof SchemaVersionOutSchema>;

/** Every version, newest first, as the schema-versions route answers. */
export function schemaVersionsOut(): SchemaVersionOut[] {
  return [...ENVELOPE_VERSIONS].reverse().map((v) => {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(v.schema, { io: 'output' }) as Record<string, unknown>;
    return { id: v.id, description: v.description, latest: v.id === LATEST_ENVELOPE_VERSION, schema };
  });
}

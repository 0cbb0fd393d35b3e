import {
  ENVELOPE_V1,
  ENVELOPE_V2,
  ENVELOPE_VERSIONS,
  envelopeVersion,
  EnvelopeSchema,
  EventBatchInSchema,
  EventInSchema,
  LATEST_ENVELOPE_VERSION,
  MAX_BATCH_EVENTS,
  schemaVersionsOut,
  type EnvelopeSource,
} from './events.js';
import { DeliverJobSchema } from './jobs.js';
import { EventTypeNameSchema, ListQuerySchema } from './common.js';

const event = { event_type: 'company.profile_updated', payload: { company_id: 'US-123456' } };

describe('EventInSchema', () => {
  it('accepts the minimal event and the optional fields', () => {
    expect(EventInSchema.parse(event)).toEqual(event);
    const full = { ...event, event_id: 'order-42', occurred_at: '2026-01-08T10:00:00.000Z' };
    expect(EventInSchema.parse(full)).toEqual(full);
    expect(EventInSchema.parse({ ...event, occurred_at: '2026-01-08T12:00:00+02:00' }).occurred_at).toBe('2026-01-08T12:00:00+02:00');
  });

  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '1969-07-20T20:17:00Z'])('accepts occurred_at %s, within years 0001..9999', (occurred_at) => {
    expect(EventInSchema.parse({ ...event, occurred_at }).occurred_at).toBe(occurred_at);
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', '{"a":1}'],
    ['a number', 42],
    ['null', null],
    ['missing', undefined],
  ])('refuses a payload that is %s', (_what, payload) => {
    const result = EventInSchema.safeParse({ ...event, payload });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['payload']);
  });

  it('accepts an empty and a nested payload object', () => {
    expect(EventInSchema.parse({ ...event, payload: {} }).payload).toEqual({});
    expect(EventInSchema.parse({ ...event, payload: { a: [{ b: null }] } }).payload).toEqual({ a: [{ b: null }] });
  });

  it.each([
    '2026-01-08',
    '2026-01-08 10:00:00',
    'yesterday',
    '2026-13-01T10:00:00Z',
    1767866400000,
    // Instants PostgreSQL or Prisma cannot store: year 0, and past year 9999 in UTC.
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '9999-12-31T23:59:59-01:00',
    '+275760-09-13T00:00:00.000Z',
  ])(
    'refuses occurred_at %j',
    (occurred_at) => {
      const result = EventInSchema.safeParse({ ...event, occurred_at });
      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['occurred_at']);
    },
  );

  it.each(['', 'Company.Updated', 'company updated', 'company.*', '*', 'x'.repeat(129), 'ü.x'])('refuses event_type %j', (event_type) => {
    const result = EventInSchema.safeParse({ ...event, event_type });
    expect(new Set(result.error?.issues.map((i) => i.path.join('.')))).toEqual(new Set(['event_type']));
  });

  it('accepts event type names of 1 and 128 characters', () => {
    expect(EventTypeNameSchema.parse('a')).toBe('a');
    expect(EventTypeNameSchema.parse('a'.repeat(128))).toBe('a'.repeat(128));
  });

  it('refuses an empty or overlong event_id and unknown fields', () => {
    expect(EventInSchema.safeParse({ ...event, event_id: '' }).success).toBe(false);
    expect(EventInSchema.safeParse({ ...event, event_id: 'x'.repeat(256) }).success).toBe(false);
    expect(EventInSchema.safeParse({ ...event, event_id: 'x'.repeat(255) }).success).toBe(true);
    expect(EventInSchema.safeParse({ ...event, tenant_id: 'tnt_x' }).success).toBe(false);
  });
});

describe('EventBatchInSchema', () => {
  it('takes 1..500 items of anything (each is validated on its own later)', () => {
    expect(EventBatchInSchema.parse({ events: [event, 'junk'] }).events).toEqual([event, 'junk']);
    expect(EventBatchInSchema.safeParse({ events: [] }).success).toBe(false);
    expect(EventBatchInSchema.safeParse({ events: Array(MAX_BATCH_EVENTS).fill(event) }).success).toBe(true);
    expect(EventBatchInSchema.safeParse({ events: Array(MAX_BATCH_EVENTS + 1).fill(event) }).success).toBe(false);
  });
});

describe('envelope versions', () => {
  const event = {
    id: 'evt_01JH0000000000000000000000',
    eventType: 'company.profile_updated',
    tenantId: 'tnt_01JH0000000000000000000000',
    createdAt: new Date('2026-01-08T10:00:00.000Z'),
    payload: '{"company_id":"US-123456"}',
  };
  const context = { endpointId: 'ep_01JH0000000000000000000000', environment: 'staging', tenant: { name: 'Acme', externalId: 'acct_42' } };
  const source = (change: Partial<typeof event> = {}): EnvelopeSource => ({ event: { ...event, ...change }, context });

  it('2025-01-01 is exactly the envelope Herald sent before versions existed', () => {
    const body = ENVELOPE_V1.body(source());
    expect(body).toBe(
      '{"schema_version":"2025-01-01","event_id":"evt_01JH0000000000000000000000","event_type":"company.profile_updated",' +
        '"tenant_id":"tnt_01JH0000000000000000000000","created_at":"2026-01-08T10:00:00.000Z","payload":{"company_id":"US-123456"}}',
    );
    expect(Object.keys(JSON.parse(body))).toEqual(Object.keys(EnvelopeSchema.shape));
    expect(EnvelopeSchema.strict().parse(JSON.parse(body))).toEqual(JSON.parse(body));
  });

  it('2026-12-01 adds environment, tenant {id, name, external_id} and endpoint_id, in its schema order', () => {
    const body = ENVELOPE_V2.body(source());
    const parsed = JSON.parse(body);
    expect(parsed).toEqual({
      schema_version: '2026-12-01',
      event_id: event.id,
      event_type: event.eventType,
      created_at: '2026-01-08T10:00:00.000Z',
      environment: 'staging',
      tenant: { id: event.tenantId, name: 'Acme', external_id: 'acct_42' },
      endpoint_id: context.endpointId,
      payload: { company_id: 'US-123456' },
    });
    expect(Object.keys(parsed)).toEqual(Object.keys(ENVELOPE_V2.schema.shape));
    expect(ENVELOPE_V2.schema.strict().parse(parsed)).toEqual(parsed);
    const bare = JSON.parse(ENVELOPE_V2.body({ event, context: { ...context, environment: null, tenant: { name: 'A', externalId: null } } }));
    expect([bare.environment, bare.tenant.external_id]).toEqual([null, null]);
  });

  it.each(ENVELOPE_VERSIONS.map((v) => [v.id, v] as const))('%s inserts the stored payload text byte for byte', (_id, version) => {
    const payload = '{"z": 1, "a": {"ü": "Zoë 🚀", "esc": "\\u00e9\\n"}, "big": 12345678901234567890, "f": 1.0}';
    const body = version.body(source({ payload }));
    expect(body.endsWith(`,"payload":${payload}}`)).toBe(true);
    expect(Object.keys(JSON.parse(body).payload)).toEqual(['z', 'a', 'big', 'f']);
  });

  it('escapes the string fields so they cannot break out of the JSON', () => {
    const body = ENVELOPE_V2.body({ event: { ...event, eventType: 'a"b', payload: '{}' }, context: { ...context, tenant: { name: 'x","y', externalId: '\\' } } });
    const parsed = JSON.parse(body);
    expect(parsed.event_type).toBe('a"b');
    expect(parsed.tenant).toEqual({ id: event.tenantId, name: 'x","y', external_id: '\\' });
  });

  it('writes created_at as ISO 8601 UTC whatever the Date', () => {
    const body = ENVELOPE_V1.body(source({ createdAt: new Date(Date.UTC(2026, 0, 8, 23, 59, 59, 7)) }));
    expect(JSON.parse(body).created_at).toBe('2026-01-08T23:59:59.007Z');
  });

  it('finds versions by id, the newest being the latest', () => {
    expect(envelopeVersion('2025-01-01')).toBe(ENVELOPE_V1);
    expect(envelopeVersion('2024-01-01')).toBeUndefined();
    expect(LATEST_ENVELOPE_VERSION).toBe(ENVELOPE_VERSIONS.at(-1)!.id);
    expect(new Set(ENVELOPE_VERSIONS.map((v) => v.id)).size).toBe(ENVELOPE_VERSIONS.length);
  });

  it('lists versions newest first with their JSON Schema, fields in send order', () => {
    const listed = schemaVersionsOut();
    expect(listed.map((v) => v.id)).toEqual(ENVELOPE_VERSIONS.map((v) => v.id).reverse());
    expect(listed.filter((v) => v.latest).map((v) => v.id)).toEqual([LATEST_ENVELOPE_VERSION]);
    for (const listedVersion of listed) {
      const version = envelopeVersion(listedVersion.id)!;
      expect(Object.keys(listedVersion.schema.properties as object)).toEqual(Object.keys(JSON.parse(version.body(source()))));
    }
  });
});

describe('DeliverJobSchema and ListQuerySchema', () => {
  it('a job carries ids only', () => {
    expect(DeliverJobSchema.parse({ deliveryId: 'dlv_1', tenantId: 'tnt_1' })).toEqual({ deliveryId: 'dlv_1', tenantId: 'tnt_1' });
    expect(DeliverJobSchema.safeParse({ deliveryId: 'dlv_1' }).success).toBe(false);
  });

  it('limit defaults to 50 and is 1..100, from query strings', () => {
    expect(ListQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(ListQuerySchema.parse({ limit: '100', cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
    for (const limit of ['0', '101', '1.5', 'ten']) expect(ListQuerySchema.safeParse({ limit }).success).toBe(false);
  });
});

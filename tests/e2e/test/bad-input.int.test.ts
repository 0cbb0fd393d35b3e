import { expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** JSON text of a value nested `levels` deep (`{"a":{"a":...}}`), built as text so no JS recursion is needed. */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
/** Deep enough that JSON.stringify, Prisma or PostgreSQL used to overflow their stacks on it (a 500). */
const DEEP = nested(5000);

const cursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');

/** One bad request, and what it must get: a 4xx in the error shape, naming `path` when given. */
interface Case {
  what: string;
  service: 'api' | 'ingest';
  method: string;
  path: string;
  key: 'admin' | 'read' | 'ingest' | 'root';
  body?: string | Record<string, unknown>;
  status: number;
  detail?: string;
}

/**
 * Input that once made a 500 (a stack overflow on deep JSON, a date
 * PostgreSQL or Prisma cannot store, a cursor that was not Herald's) is
 * refused with a 4xx in the error shape, on every route that takes it.
 */
describe('bad input is refused with a 4xx, never a 500', () => {
  let stack: Stack;
  let keys: Record<Case['key'], string>;
  let endpointId: string;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    const tenant = await createTenant(stack, 'Careless');
    keys = { admin: tenant.admin, read: tenant.read, ingest: tenant.ingest, root: stack.rootToken };
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: 'http://127.0.0.1:9/hook', events: ['*'] },
    });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.paid' } })).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const deepCases = (): Case[] => [
    { what: 'a deep payload', service: 'ingest', method: 'POST', path: '/api/v1/events', key: 'ingest', body: `{"event_type":"order.paid","payload":${DEEP}}`, status: 422, detail: 'payload' },
    { what: 'a deep payload in a batch', service: 'ingest', method: 'POST', path: '/api/v1/events/batch', key: 'ingest', body: `{"events":[{"event_type":"order.paid","payload":${DEEP}}]}`, status: 422, detail: 'events' },
    { what: 'a deep test payload', service: 'api', method: 'POST', path: `/api/v1/endpoints/${endpointId}/test`, key: 'admin', body: `{"payload":${DEEP}}`, status: 422, detail: 'payload' },
    { what: 'deep metadata on create', service: 'api', method: 'POST', path: '/api/v1/endpoints', key: 'admin', body: `{"url":"http://127.0.0.1:9/x","events":["*"],"metadata":${DEEP}}`, status: 422, detail: 'metadata' },
    { what: 'deep metadata on PATCH', service: 'api', method: 'PATCH', path: `/api/v1/endpoints/${endpointId}`, key: 'admin', body: `{"metadata":${DEEP}}`, status: 422, detail: 'metadata' },
    // A few hundred levels of schema: once a 500 from Prisma's JSON recursion limit.
    { what: 'a deep schema on create', service: 'api', method: 'POST', path: '/api/v1/event-types', key: 'admin', body: `{"name":"deep.schema","schema":${nested(300)}}`, status: 422, detail: 'schema' },
    { what: 'a deep schema on PATCH', service: 'api', method: 'PATCH', path: '/api/v1/event-types/order.paid', key: 'admin', body: `{"schema":${nested(300)}}`, status: 422, detail: 'schema' },
  ];

  // Year 0 (none in PostgreSQL), and past 9999 in UTC (Prisma refuses it), directly or through an offset.
  const BAD_TIMES = ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00', '+275760-09-13T00:00:00.000Z'];
  const timeCases = (): Case[] =>
    BAD_TIMES.flatMap((time): Case[] => [
      { what: `since=${time}`, service: 'api', method: 'GET', path: `/api/v1/outbox?since=${encodeURIComponent(time)}`, key: 'read', status: 400, detail: 'since' },
      { what: `until=${time}`, service: 'api', method: 'GET', path: `/api/v1/outbox?until=${encodeURIComponent(time)}`, key: 'read', status: 400, detail: 'until' },
      { what: `replay since ${time}`, service: 'api', method: 'POST', path: '/api/v1/outbox/replay', key: 'admin', body: { since: time }, status: 400, detail: 'since' },
      { what: `replay until ${time}`, service: 'api', method: 'POST', path: '/api/v1/outbox/replay', key: 'admin', body: { until: time }, status: 400, detail: 'until' },
      { what: `occurred_at ${time}`, service: 'ingest', method: 'POST', path: '/api/v1/events', key: 'ingest', body: { event_type: 'order.paid', payload: {}, occurred_at: time }, status: 400, detail: 'occurred_at' },
    ]);

  const LISTS: [string, Case['key']][] = [
    ['/api/v1/tenants', 'root'],
    ['/api/v1/api-keys', 'admin'],
    ['/api/v1/event-types', 'read'],
    ['/api/v1/endpoints', 'read'],
    ['/api/v1/outbox', 'read'],
  ];
  const BAD_CURSORS = [
    ['an unstorable date', cursor('0000-01-01T00:00:00.000Z|order.paid')],
    ['a date past 9999', cursor('+275760-09-13T00:00:00.000Z|order.paid')],
    ['garbage', cursor('x|y|z')],
    ['an id of another kind', cursor('evt_01JH0000000000000000000000')],
    ['not base64', '!!!!'],
  ];
  const cursorCases = (): Case[] =>
    [...LISTS, [`/api/v1/endpoints/${endpointId}/attempts`, 'read'] as [string, Case['key']]].flatMap(([list, key]) =>
      BAD_CURSORS.map(([what, value]): Case => ({ what: `${list} with a cursor of ${what}`, service: 'api', method: 'GET', path: `${list}?cursor=${value}`, key, status: 400, detail: 'cursor' })),
    );

  it.each([
    ['JSON nested thousands of levels deep', deepCases],
    ['timestamps PostgreSQL cannot store', timeCases],
    ['cursors Herald did not make', cursorCases],
  ])('refuses %s', async (_what, cases) => {
    const failures: string[] = [];
    for (const c of cases()) {
      const res = await call(c.service === 'api' ? stack.api.url : stack.ingest.url, c.method, c.path, { token: keys[c.key], body: c.body });
      try {
        const details = expectError(res, c.status, 'validation_failed');
        if (c.detail) expect(details.map((d) => d.path)).toContain(c.detail);
      } catch {
        failures.push(`${c.what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('still pages event types with the cursors it hands out, and accepts the oldest and latest storable times', async () => {
    for (const name of ['a.one', 'a.two', 'a.three']) {
      expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: keys.admin, body: { name } })).status).toBe(201);
    }
    const first = await call(stack.api.url, 'GET', '/api/v1/event-types?limit=2', { token: keys.read });
    const second = await call(stack.api.url, 'GET', `/api/v1/event-types?limit=2&cursor=${first.body.next_cursor}`, { token: keys.read });
    expect(second.status).toBe(200);
    expect(second.body.data).toHaveLength(2);
    const since = encodeURIComponent('0001-01-01T00:00:00Z');
    const until = encodeURIComponent('9999-12-31T23:59:59.999Z');
    expect((await call(stack.api.url, 'GET', `/api/v1/outbox?since=${since}&until=${until}`, { token: keys.read })).status).toBe(200);
  });
});

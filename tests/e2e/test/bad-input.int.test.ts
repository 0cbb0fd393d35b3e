import { expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** JSON text of a value nested `levels` deep (`{"a":{"a":...}}`), built as text so no JS recursion is needed. */
const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
/** Deep enough that JSON.stringify, Prisma or PostgreSQL used to overflow their stacks on it (a 500). */
const DEEP = nested(5000);

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
 * Input that once made a 500 (a stack overflow on deep JSON) is refused
 * with a 4xx in the error shape, on every route that takes it.
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

  it.each([
    ['JSON nested thousands of levels deep', deepCases],
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
});

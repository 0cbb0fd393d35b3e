import { detailPaths, expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * Generous: an answer is expected in milliseconds. It only tells a prompt
 * answer from the seconds-to-hours of an exponential (or quadratic) blow-up,
 * during which no other tenant's request would be answered either.
 */
const PROMPT_MS = 2000;

/** One tenant's JSON Schema cannot stall the services every tenant shares. */
describe('schemas run in linear time', () => {
  let stack: Stack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let endpointId: string;
  const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    tenant = await createTenant(stack, 'Backtracker');
    const endpoint = await api('POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events: ['*'] });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
    expect((await api('POST', '/api/v1/event-types', { name: 'patched.type' })).status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Runs a request next to a /healthz of the same service; both must answer promptly. */
  async function promptly(service: string, request: () => ReturnType<typeof call>) {
    const started = Date.now();
    const [res, health] = await Promise.all([request(), call(service, 'GET', '/healthz')]);
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    return res;
  }

  it('accepts a catastrophic-backtracking pattern and answers ingest and test sends at once', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string', pattern: '^(a+)+$' } } };
    expect((await api('POST', '/api/v1/event-types', { name: 'user.named', schema })).status).toBe(201);
    const adversarial = { name: `${'a'.repeat(40)}b` };

    const ingested = await promptly(stack.ingest.url, () =>
      call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'user.named', payload: adversarial } }),
    );
    expectError(ingested, 422, 'validation_failed');
    expect(detailPaths(ingested)).toEqual(['payload.name']);

    const tested = await promptly(stack.api.url, () => api('POST', `/api/v1/endpoints/${endpointId}/test`, { event_type: 'user.named', payload: adversarial }));
    expectError(tested, 422, 'validation_failed');
    expect(detailPaths(tested)).toEqual(['payload.name']);

    const matching = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'user.named', payload: { name: 'a'.repeat(40) } },
    });
    expect(matching.status).toBe(202);
  });

  it('checks uniqueItems on a large array at once', async () => {
    const schema = { type: 'object', properties: { rows: { type: 'array', uniqueItems: true } } };
    expect((await api('POST', '/api/v1/event-types', { name: 'table.loaded', schema })).status).toBe(201);
    // Distinct small arrays: what Ajv compared pair by pair (20,000 items, 200 million comparisons).
    const rows = Array.from({ length: 20_000 }, (_, i) => [i]);
    const ingested = await promptly(stack.ingest.url, () =>
      call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'table.loaded', payload: { rows } } }),
    );
    expect(ingested.status).toBe(202);
  });

  it.each([
    ['a backreference', { type: 'object', properties: { name: { type: 'string', pattern: '^(a)\\1$' } } }, 'schema.properties.name.pattern'],
    ['a lookahead', { type: 'object', properties: { name: { type: 'string', pattern: '^(?=a)a+$' } } }, 'schema.properties.name.pattern'],
    ['a lookbehind in a patternProperties key', { type: 'object', patternProperties: { '(?<=x)y': { type: 'string' } } }, 'schema.patternProperties.(?<=x)y'],
    ['a nested one', { type: 'object', properties: { a: { type: 'array', items: { type: 'string', pattern: '(x)\\1' } } } }, 'schema.properties.a.items.pattern'],
  ])('refuses a pattern with %s on create and on PATCH, naming where it is', async (_what, schema, path) => {
    const created = await api('POST', '/api/v1/event-types', { name: 'refused.type', schema });
    expectError(created, 422, 'validation_failed');
    expect(detailPaths(created)).toEqual([path]);
    expectError(await api('GET', '/api/v1/event-types/refused.type'), 404, 'not_found');

    const patched = await api('PATCH', '/api/v1/event-types/patched.type', { schema });
    expectError(patched, 422, 'validation_failed');
    expect(detailPaths(patched)).toEqual([path]);
    expect((await api('GET', '/api/v1/event-types/patched.type')).body.schema).toBeNull();
  });
});

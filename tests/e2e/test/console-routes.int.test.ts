import { startReceiver, type Receiver } from '@herald/testing';
import { expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** The read routes the console needs beyond the rest of the API: hourly buckets, a replay preview, a schema check. */
describe('routes for the console', () => {
  let stack: Stack;
  let receiver: Receiver;
  let tenant: { admin: string; read: string };
  let endpointId: string;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    tenant = await createTenant(stack, 'Console routes');
    // Two successes, then failures.
    receiver = await startReceiver((_req, i) => ({ status: i < 2 ? 200 : 500, body: i < 2 ? 'ok' : 'broken' }));
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: `${receiver.url}/hook`, events: ['*'] } });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
    for (let i = 0; i < 3; i++) {
      // Test sends are recorded like deliveries: a failed one is a dead delivery with its attempt.
      expect((await call(stack.api.url, 'POST', `/api/v1/endpoints/${endpointId}/test`, { token: tenant.admin, body: {} })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('GET /api/v1/endpoints/{id}/stats/hourly: one bucket per UTC hour, oldest first, counting attempts and dead deliveries', async () => {
    const res = await call(stack.api.url, 'GET', `/api/v1/endpoints/${endpointId}/stats/hourly`, { token: tenant.read });
    expect(res.status).toBe(200);
    const hours = res.body.hours as { start: string; delivered: number; failed: number; dead: number }[];
    expect(hours).toHaveLength(24);
    const starts = hours.map((h) => Date.parse(h.start));
    for (const [i, start] of starts.entries()) {
      expect(start % 3_600_000).toBe(0);
      if (i > 0) expect(start - starts[i - 1]!).toBe(3_600_000);
    }
    expect(starts[23]).toBeLessThanOrEqual(Date.now());
    expect(starts[23]! + 3_600_000).toBeGreaterThan(Date.now() - 60_000);
    const total = hours.reduce((t, h) => ({ delivered: t.delivered + h.delivered, failed: t.failed + h.failed, dead: t.dead + h.dead }), { delivered: 0, failed: 0, dead: 0 });
    expect(total).toEqual({ delivered: 2, failed: 1, dead: 1 });

    expect((await call(stack.api.url, 'GET', `/api/v1/endpoints/${endpointId}/stats/hourly?hours=3`, { token: tenant.read })).body.hours).toHaveLength(3);
    expect(expectError(await call(stack.api.url, 'GET', `/api/v1/endpoints/${endpointId}/stats/hourly?hours=0`, { token: tenant.read }), 400, 'validation_failed')[0]!.path).toBe('hours');
    expectError(await call(stack.api.url, 'GET', `/api/v1/endpoints/${endpointId}/stats/hourly?hours=169`, { token: tenant.read }), 400, 'validation_failed');
    const other = await createTenant(stack, 'Other');
    expectError(await call(stack.api.url, 'GET', `/api/v1/endpoints/${endpointId}/stats/hourly`, { token: other.read }), 404, 'not_found');
  });

  it('GET /api/v1/outbox filters by creation time exactly, whichever way the ids bound the walk', async () => {
    const ids = async (q: string) => (await call(stack.api.url, 'GET', `/api/v1/outbox?${q}`, { token: tenant.read })).body.data.map((d: { id: string }) => d.id);
    const all = await ids('');
    expect(all).toHaveLength(3);
    const created = (await call(stack.api.url, 'GET', `/api/v1/outbox/${all[1]}`, { token: tenant.read })).body.created_at as string;
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(await ids(`until=${created}`)).toEqual(all.slice(2));
    expect(await ids(`since=${created}`)).toEqual(all.slice(0, 2));
    expect(await ids(`since=${created}&until=${iso(Date.parse(created) + 1)}`)).toEqual([all[1]]);
    expect(await ids(`until=${iso(Date.now() - 30 * 60_000)}`)).toEqual([]);
    expect(await ids(`since=${iso(Date.now() + 30 * 60_000)}`)).toEqual([]);
    expect(await ids(`since=${iso(Date.now() - 30 * 60_000)}&limit=1`)).toEqual([all[0]]);
  });

  it('GET /api/v1/outbox/replay/preview: counts what the same bulk replay would take, changing nothing', async () => {
    const preview = (q: string) => call(stack.api.url, 'GET', `/api/v1/outbox/replay/preview${q}`, { token: tenant.read });
    expect((await preview(`?endpoint_id=${endpointId}`)).body).toEqual({ matching: 1, replayable: 1 });
    expect((await preview(`?endpoint_id=${endpointId}&status=delivered`)).body).toEqual({ matching: 2, replayable: 2 });
    expect((await preview('?event_type=nothing.here')).body).toEqual({ matching: 0, replayable: 0 });
    expect((await preview(`?until=2000-01-01T00:00:00Z`)).body).toEqual({ matching: 0, replayable: 0 });
    expectError(await preview('?status=pending'), 400, 'validation_failed');

    // A disabled endpoint's dead letters match but are not replayed.
    expect((await call(stack.api.url, 'PATCH', `/api/v1/endpoints/${endpointId}`, { token: tenant.admin, body: { enabled: false } })).status).toBe(200);
    expect((await preview('')).body).toEqual({ matching: 1, replayable: 0 });
    expect((await call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: {} })).body).toEqual({ replayed: 0 });
    expect((await call(stack.api.url, 'PATCH', `/api/v1/endpoints/${endpointId}`, { token: tenant.admin, body: { enabled: true } })).status).toBe(200);
    expect((await preview('')).body).toEqual({ matching: 1, replayable: 1 });
    expect((await call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: {} })).body).toEqual({ replayed: 1 });
    expect((await preview('')).body).toEqual({ matching: 0, replayable: 0 });
  });

  it('POST /api/v1/event-types/check: answers as creation would, for a schema and a sample payload, and saves nothing', async () => {
    const check = (body: unknown, token = tenant.admin) => call(stack.api.url, 'POST', '/api/v1/event-types/check', { token, body });
    const schema = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 0 } } };
    expect(await check({ schema })).toMatchObject({ status: 200, body: { valid: true } });
    expect(await check({ schema, payload: { amount: 5 } })).toMatchObject({ status: 200, body: { valid: true } });
    expect(await check({ schema: null, payload: { anything: true } })).toMatchObject({ status: 200, body: { valid: true } });

    const badSchema = expectError(await check({ schema: { type: 'object', properties: { x: { type: 'nope' } } } }), 422, 'validation_failed');
    expect(badSchema[0]!.path).toMatch(/^schema/);
    const badPattern = expectError(await check({ schema: { type: 'string', pattern: '(a)\\1' } }), 422, 'validation_failed');
    expect(badPattern[0]!.path).toBe('schema.pattern');
    const badPayload = expectError(await check({ schema, payload: { amount: -1 } }), 422, 'validation_failed');
    expect(badPayload).toEqual([{ path: 'payload.amount', message: expect.stringMatching(/>= 0/) }]);
    expect(expectError(await check({ schema, payload: {} }), 422, 'validation_failed')[0]!.path).toBe('payload.amount');

    expectError(await check({ schema: 'not an object' }), 400, 'validation_failed');
    expectError(await check({ schema }, tenant.read), 403, 'forbidden');
    const names = (await call(stack.api.url, 'GET', '/api/v1/event-types', { token: tenant.read })).body.data.map((t: { name: string }) => t.name);
    // Only the built-in types: nothing was saved.
    expect(names.filter((n: string) => !n.startsWith('herald.'))).toEqual(['webhook.test']);
  });
});

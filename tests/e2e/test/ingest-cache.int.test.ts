import { call, createTenant, startStack, type Stack } from '../src/stack.js';

// Ingest keeps keys, event types and fan-out targets in memory (apps/ingest/src/ingest-cache.ts).
// Every change made through the api must hold for the very next event, with no pause in between.
describe('ingest never acts on settings older than the last change', () => {
  let stack: Stack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
  const send = (body: unknown, token = tenant.ingest) => call(stack.ingest.url, 'POST', '/api/v1/events', { token, body });
  const sendBatch = (events: unknown[], token = tenant.ingest) =>
    call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token, body: { events } });

  beforeAll(async () => {
    // No worker: these tests read what ingest stored, not what was delivered.
    stack = await startStack({}, { worker: false });
    tenant = await createTenant(stack, 'Cache');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const endpoint = async (events: string[]) => {
    const res = await api('POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/in', events });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('fans out to endpoints created, disabled, re-enabled, refiltered and deleted a moment before', async () => {
    expect((await api('POST', '/api/v1/event-types', { name: 'order.paid' })).status).toBe(201);
    const first = await endpoint(['order.paid']);
    const deliveries = async () => {
      const res = await send({ event_type: 'order.paid', payload: {} });
      expect(res.status).toBe(202);
      return res.body.deliveries as number;
    };
    expect(await deliveries()).toBe(1); // now cached

    const second = await endpoint(['order.*']);
    expect(await deliveries()).toBe(2);
    expect((await api('PATCH', `/api/v1/endpoints/${first}`, { enabled: false })).status).toBe(200);
    expect(await deliveries()).toBe(1);
    expect((await api('PATCH', `/api/v1/endpoints/${first}`, { enabled: true })).status).toBe(200);
    expect(await deliveries()).toBe(2);
    expect((await api('PATCH', `/api/v1/endpoints/${second}`, { events: ['invoice.*'] })).status).toBe(200);
    expect(await deliveries()).toBe(1);
    expect((await api('DELETE', `/api/v1/endpoints/${first}`)).status).toBe(200);
    expect(await deliveries()).toBe(0);
  });

  it('accepts a type registered a moment after it was refused, and checks a schema changed a moment before', async () => {
    const unknown = await send({ event_type: 'user.created', payload: { id: 1 } });
    expect(unknown.status).toBe(422); // now known (as unregistered) to the cache
    expect((await api('POST', '/api/v1/event-types', { name: 'user.created' })).status).toBe(201);
    expect((await send({ event_type: 'user.created', payload: { id: 1 } })).status).toBe(202);

    const schema = { type: 'object', required: ['email'], properties: { email: { type: 'string' } } };
    expect((await api('PATCH', '/api/v1/event-types/user.created', { schema })).status).toBe(200);
    const refused = await send({ event_type: 'user.created', payload: { id: 1 } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toEqual([expect.objectContaining({ path: 'payload.email' })]);
    expect((await send({ event_type: 'user.created', payload: { email: 'a@b.example' } })).status).toBe(202);

    expect((await api('PATCH', '/api/v1/event-types/user.created', { schema: null })).status).toBe(200);
    expect((await send({ event_type: 'user.created', payload: { id: 1 } })).status).toBe(202);
  });

  it('refuses a revoked key at once, also for requests that would store nothing', async () => {
    const created = await api('POST', '/api/v1/api-keys', { scope: 'ingest', name: 'soon revoked' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await send({ event_type: 'webhook.test', payload: {} }, key)).status).toBe(202); // now cached
    expect((await send({ event_type: 'no.such.type', payload: {} }, key)).status).toBe(422);

    expect((await api('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(200);
    for (const res of [
      await send({ event_type: 'webhook.test', payload: {} }, key),
      await send({ event_type: 'no.such.type', payload: {} }, key),
      await sendBatch([{ event_type: 'webhook.test', payload: {} }, { bad: true }], key),
      await sendBatch([{ bad: true }], key),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    // The tenant's other keys are unaffected.
    expect((await send({ event_type: 'webhook.test', payload: {} })).status).toBe(202);
  });

  it('keeps each tenant to its own settings', async () => {
    const other = await createTenant(stack, 'Other');
    const otherEndpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: other.admin,
      body: { url: 'http://127.0.0.1:9/other', events: ['*'] },
    });
    expect(otherEndpoint.status).toBe(201);
    const mine = await send({ event_type: 'webhook.test', payload: {} });
    const theirs = await send({ event_type: 'webhook.test', payload: {} }, other.ingest);
    expect(theirs.body.deliveries).toBe(1);
    expect(mine.body.deliveries).toBe(0);
    expect((await send({ event_type: 'order.paid', payload: {} }, other.ingest)).status).toBe(422);
  });

  it('answers each of many concurrent requests (stored together) with its own event, duplicates included', async () => {
    const sends = Array.from({ length: 40 }, (_, i) =>
      send({ event_type: 'webhook.test', event_id: `concurrent-${i % 30}`, payload: { i } }),
    );
    const answers = await Promise.all(sends);
    const byKey = new Map<string, { statuses: number[]; ids: Set<string> }>();
    answers.forEach((a, i) => {
      const group = byKey.get(`concurrent-${i % 30}`) ?? { statuses: [], ids: new Set<string>() };
      group.statuses.push(a.status);
      group.ids.add(a.body.event_id);
      byKey.set(`concurrent-${i % 30}`, group);
    });
    for (const [key, { statuses, ids }] of byKey) {
      // Once stored (202), and a duplicate (200) naming the same event when sent twice.
      expect([key, statuses.sort()]).toEqual([key, statuses.length === 1 ? [202] : [200, 202]]);
      expect(ids.size).toBe(1);
    }
    const stored = await stack.db.event.findMany({ where: { tenantId: tenant.id, idempotencyKey: { startsWith: 'concurrent-' } } });
    expect(stored).toHaveLength(30);
    expect(new Set(stored.map((e) => e.id))).toEqual(new Set([...byKey.values()].map((g) => [...g.ids][0])));
  });
});


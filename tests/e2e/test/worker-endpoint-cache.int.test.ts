import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

// First attempts carry their event and take the endpoint from the worker's memory
// (apps/worker/src/endpoint-cache.ts). A change made through the api must hold for the
// next delivery; a change the worker was never told of must hold within its 2 s refresh.
describe('the worker never sends with endpoint settings older than the last change', () => {
  let stack: Stack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const receivers: Receiver[] = [];
  const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });

  beforeAll(async () => {
    stack = await startStack({ HERALD_RETRY_BASE_MS: '100', HERALD_RETRY_MAX_DELAY_MS: '400' });
    tenant = await createTenant(stack, 'Endpoint cache');
    expect((await api('POST', '/api/v1/event-types', { name: 'cache.test' })).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
  });

  async function receiver(): Promise<Receiver> {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  }
  const send = async (payload: Record<string, unknown>) => {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'cache.test', payload } });
    expect(res.status).toBe(202);
    return res.body.event_id as string;
  };

  it('sends to the new URL, with the new headers and both secrets, right after the change', async () => {
    const [first, second] = [await receiver(), await receiver()];
    const created = await api('POST', '/api/v1/endpoints', { url: first.url, events: ['cache.test'], headers: { 'X-Version': '1' } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await send({ n: 1 });
    await first.waitFor(1); // the worker now holds the endpoint in memory

    expect((await api('PATCH', `/api/v1/endpoints/${id}`, { url: second.url, headers: { 'X-Version': '2' } })).status).toBe(200);
    const rotated = await api('POST', `/api/v1/endpoints/${id}/rotate-secret`, { overlap_seconds: 600 });
    expect(rotated.status).toBe(200);
    const eventId = await send({ n: 2 });
    const [request] = await second.waitFor(1);
    expect(request!.headers['x-version']).toBe('2');
    expect(request!.headers['webhook-id']).toBe(eventId);
    // Signed with the new secret and the old one (overlap): each verifies.
    const signature = String(request!.headers['webhook-signature']);
    expect(signature.split(' ')).toHaveLength(2);
    const headers = request!.headers as Record<string, string>;
    expect(() => new Webhook(rotated.body.signing_secret).verify(request!.body, headers)).not.toThrow();
    expect(() => new Webhook(created.body.signing_secret).verify(request!.body, headers)).not.toThrow();
    expect(first.requests).toHaveLength(1);
  });

  it('sends nothing more to an endpoint deleted while its events wait in the queue', async () => {
    const r = await receiver();
    const created = await api('POST', '/api/v1/endpoints', { url: r.url, events: ['cache.test'], rate_limit_per_second: 1 });
    const id = created.body.id as string;
    // One event goes out, the next ones wait for the rate limit (1/s) with the endpoint in the worker's memory.
    await Promise.all([send({ n: 1 }), send({ n: 2 }), send({ n: 3 })]);
    await r.waitFor(1);
    expect((await api('DELETE', `/api/v1/endpoints/${id}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(r.requests.length).toBeLessThanOrEqual(2); // at most one was already on its way
    const statuses = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${id}`, { token: tenant.read });
      const all = res.body.data.map((d: { status: string }) => d.status);
      return all.includes('pending') ? undefined : all;
    });
    expect(statuses.filter((s: string) => s === 'cancelled').length).toBeGreaterThanOrEqual(1);
  });

  it('notices within its refresh a change it was never told of', async () => {
    const [first, second] = [await receiver(), await receiver()];
    const created = await api('POST', '/api/v1/endpoints', { url: first.url, events: ['cache.test'] });
    const id = created.body.id as string;
    await send({ n: 1 });
    await first.waitFor(1);
    // Behind the api's back: no announcement reaches the worker.
    await stack.db.endpoint.update({ where: { id }, data: { url: second.url } });
    const changedAt = Date.now();
    await eventually(async () => {
      await send({ n: 2 });
      return second.requests.length > 0 ? true : undefined;
    }, 10_000, 200);
    expect(Date.now() - changedAt).toBeLessThan(5000); // refresh every 2 s, plus a delivery
  });

  it('sends a retry (read from PostgreSQL) with exactly the body of the first attempt (carried by the job)', async () => {
    const r = await startReceiver((_req, i) => ({ status: i === 0 ? 500 : 200 }));
    receivers.push(r);
    expect((await api('POST', '/api/v1/endpoints', { url: r.url, events: ['cache.test'] })).status).toBe(201);
    await send({ text: 'ünïcødé', nested: { list: [1, 2.5, null, true] } });
    const [first, retry] = await r.waitFor(2);
    expect(retry!.body).toBe(first!.body);
    expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect([first!.headers['x-herald-attempt'], retry!.headers['x-herald-attempt']]).toEqual(['1', '2']);
  });
});

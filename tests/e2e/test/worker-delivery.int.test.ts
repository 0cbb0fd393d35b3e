import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { Redis } from 'ioredis';
import { queueKeys, workerEndpointsKey } from '@herald/queue';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Worker behaviour through the real stack: backoff, Retry-After, 3xx, timeouts, 410, rate limits, isolation. */
describe('delivery engine', () => {
  let stack: Stack;
  const receivers: Receiver[] = [];
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let typeCounter = 0;

  beforeAll(async () => {
    stack = await startStack({ HERALD_RETRY_BASE_MS: '100', HERALD_RETRY_MAX_DELAY_MS: '3000', HERALD_WORKER_CONCURRENCY: '3' });
    tenant = await createTenant(stack);
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
  });

  async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  }

  /** A fresh event type and an endpoint subscribed to it. */
  async function endpointFor(url: string, extra: Record<string, unknown> = {}): Promise<{ id: string; type: string }> {
    const type = `test.t${++typeCounter}`;
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: type } })).status).toBe(201);
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url, events: [type], ...extra } });
    expect(endpoint.status).toBe(201);
    return { id: endpoint.body.id, type };
  }

  async function send(type: string, count = 1): Promise<string[]> {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: count }, (_, i) => ({ event_type: type, payload: { i } })) },
    });
    expect(res.status).toBe(202);
    return res.body.results.map((r: { event_id: string }) => r.event_id);
  }

  async function deliveryOf(endpointId: string, status: string) {
    return eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${endpointId}&status=${status}`, { token: tenant.read });
      return res.body.data[0];
    }, 20_000);
  }

  it('honours Retry-After on 429 (clamped to the max delay) instead of the backoff', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { id, type } = await endpointFor(r.url);
    await send(type);
    await r.waitFor(2, 10_000);
    const gap = r.requests[1]!.receivedAt - r.requests[0]!.receivedAt;
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(gap).toBeLessThan(2500);
    expect(await deliveryOf(id, 'delivered')).toMatchObject({ attempts: 2 });
  });

  it('counts a 3xx as a failure and never follows the redirect', async () => {
    const target = await receiver();
    const r = await receiver(() => ({ status: 302, headers: { location: `${target.url}/moved` } }));
    const { id, type } = await endpointFor(r.url, { max_attempts: 2 });
    await send(type);
    const dead = await deliveryOf(id, 'dead');
    expect(dead).toMatchObject({ attempts: 2, last_response_status: 302 });
    expect(target.requests).toHaveLength(0);
  });

  it('counts a timeout as a failure and waits at least two base steps after it', async () => {
    const r = await receiver((_req, i) => (i === 0 ? { status: 200, delayMs: 1500 } : { status: 204 }));
    const { id, type } = await endpointFor(r.url, { timeout_ms: 1000 });
    await send(type);
    const delivered = await deliveryOf(id, 'delivered');
    expect(delivered.attempts).toBe(2);
    const attempts = await stack.db.attempt.findMany({ where: { deliveryId: delivered.id }, orderBy: { attempt: 'asc' } });
    expect(attempts[0]).toMatchObject({ status: 'failed', responseStatus: null, error: expect.stringMatching(/^timeout/) });
    expect(attempts[0]!.latencyMs).toBeGreaterThanOrEqual(1000);
    expect(attempts[0]!.latencyMs).toBeLessThan(1500);
    expect(r.requests[1]!.receivedAt - r.requests[0]!.receivedAt).toBeGreaterThanOrEqual(1000 + 200);
  });

  it('records an answer whose body PostgreSQL cannot store as it is (a NUL byte), with U+FFFD in its place', async () => {
    // The attempt goes in one statement with other endpoints' attempts: refused, it would leave them all
    // pending, to be sent again.
    const odd = await receiver(() => ({ status: 200, body: 'ok\u0000done' }));
    const plain = await receiver(() => ({ status: 200, body: 'fine' }));
    const type = `test.t${++typeCounter}`;
    expect((await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: type } })).status).toBe(201);
    const ids: string[] = [];
    for (const r of [odd, plain]) {
      const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: r.url, events: [type] } });
      expect(endpoint.status).toBe(201);
      ids.push(endpoint.body.id);
    }
    await send(type, 5);
    const delivered = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?event_type=${type}&status=delivered`, { token: tenant.read });
      return res.body.data.length === 10 ? res.body.data : null;
    }, 20_000);
    const oddDelivery = delivered.find((d: { endpoint_id: string }) => d.endpoint_id === ids[0]);
    const detail = await call(stack.api.url, 'GET', `/api/v1/outbox/${oddDelivery.id}`, { token: tenant.read });
    expect(detail.body.attempts).toHaveLength(1);
    expect(detail.body.attempts[0]).toMatchObject({ response_status: 200, response_body: 'ok\uFFFDdone' });
    expect(odd.requests).toHaveLength(5);
    expect(plain.requests).toHaveLength(5);
  });

  it('disables an endpoint at once on 410 Gone; its other pending deliveries become dead', async () => {
    const r = await receiver(() => ({ status: 410, body: 'gone', delayMs: 50 }));
    const { id, type } = await endpointFor(r.url, { rate_limit_per_second: 1 });
    await send(type, 3);
    const endpoint = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/endpoints/${id}`, { token: tenant.read });
      return res.body.enabled === false ? res.body : null;
    });
    expect(endpoint.disabled_reason).toBe('gone');
    const dead = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${id}&status=dead`, { token: tenant.read });
      return res.body.data.length === 3 ? res.body.data : null;
    });
    expect(dead.filter((d: { last_response_status: number | null }) => d.last_response_status === 410)).toHaveLength(1);
    expect(dead.filter((d: { last_error: string }) => d.last_error === 'endpoint disabled (gone)')).toHaveLength(2);
    expect(r.requests).toHaveLength(1);
  });

  it('holds an endpoint to its rate_limit_per_second (measured within 10%)', async () => {
    const r = await receiver();
    const { type } = await endpointFor(r.url, { rate_limit_per_second: 20 });
    await send(type, 60);
    await r.waitFor(60, 10_000);
    const times = r.requests.map((q) => q.receivedAt).sort((a, b) => a - b);
    // The limiter lets 4 through per 200 ms window: after the first window, 56 more take 2.8 s.
    const rate = (times.length - 4) / ((times[times.length - 1]! - times[0]!) / 1000);
    expect(rate).toBeGreaterThan(18);
    expect(rate).toBeLessThan(22);
  });

  it('applies a changed rate_limit_per_second to an endpoint that already has work', async () => {
    const r = await receiver();
    const { id, type } = await endpointFor(r.url, { rate_limit_per_second: 1 });
    await send(type, 12);
    await r.waitFor(2, 5000);
    const patched = await call(stack.api.url, 'PATCH', `/api/v1/endpoints/${id}`, { token: tenant.admin, body: { rate_limit_per_second: 1000 } });
    expect(patched.status).toBe(200);
    const changedAt = Date.now();
    // At 1/s the other 10 would take 10 s more; at the new limit they come at once.
    await r.waitFor(12, 4000);
    expect(Date.now() - changedAt).toBeLessThan(3000);
  });

  it('sends at most HERALD_WORKER_CONCURRENCY of one endpoint at once, and holds nothing of it once idle', async () => {
    let open = 0;
    let most = 0;
    const r = await receiver(() => {
      most = Math.max(most, ++open);
      setTimeout(() => open--, 300);
      return { status: 200, delayMs: 300 };
    });
    const { id, type } = await endpointFor(r.url);
    await send(type, 9);
    await r.waitFor(9, 10_000);
    expect(most).toBe(3);
    await eventually(async () => stack.worker.inFlight() === 0, 5000, 20);
    const redis = new Redis(stack.env.REDIS_URL!);
    const keys = queueKeys(stack.redis.prefix);
    expect(await redis.zscore(keys.ready, id)).toBeNull();
    expect(await redis.zscore(keys.timers, id)).toBeNull();
    await eventually(async () => !(await redis.sismember(workerEndpointsKey(stack.redis.prefix, stack.worker.id), id)), 5000, 20);
    redis.disconnect();
  });

  it('does not let a receiver that hangs 5 s delay a healthy endpoint (40 events within 3 s)', async () => {
    const slow = await receiver(() => ({ status: 200, delayMs: 5000 }));
    const healthy = await receiver();
    const type = `test.t${++typeCounter}`;
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: type } });
    for (const url of [slow.url, healthy.url]) {
      expect((await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url, events: [type] } })).status).toBe(201);
    }
    const started = Date.now();
    await send(type, 40);
    await healthy.waitFor(40, 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(slow.requests.length).toBeGreaterThan(0);
  });
});

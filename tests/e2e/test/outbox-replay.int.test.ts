import { Redis } from 'ioredis';
import { eventually, startPrivateRedis, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

describe('outbox, dead letters and replay', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let stack: Stack;
  let receiver: Receiver;
  let failing = true;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let endpointId: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startStack({ REDIS_URL: redis.url });
    receiver = await startReceiver(() => (failing ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.paid' } });
  });
  // Each test gets its own endpoint, so dead letters of one never count in another.
  beforeEach(async () => {
    failing = true;
    if (endpointId) await call(stack.api.url, 'DELETE', `/api/v1/endpoints/${endpointId}`, { token: tenant.admin });
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: receiver.url, events: ['order.paid'], max_attempts: 2 },
    });
    expect(endpoint.status).toBe(201);
    endpointId = endpoint.body.id;
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
    await redis?.stop();
  });

  async function deadLetters(count: number): Promise<string[]> {
    failing = true;
    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: count }, (_, i) => ({ event_type: 'order.paid', payload: { i } })) },
    });
    expect(sent.status).toBe(202);
    const eventIds = new Set(sent.body.results.map((r: { event_id: string }) => r.event_id));
    return eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?status=dead&endpoint_id=${endpointId}&limit=100`, { token: tenant.read });
      const ours = res.body.data.filter((d: { event_id: string }) => eventIds.has(d.event_id));
      return ours.length === count ? ours.map((d: { id: string }) => d.id) : null;
    });
  }

  const detail = (id: string) => call(stack.api.url, 'GET', `/api/v1/outbox/${id}`, { token: tenant.read });

  it('shows each attempt with the request sent and the response got', async () => {
    const [id] = await deadLetters(1);
    const res = await detail(id!);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'dead', attempt_count: 2, max_attempts: 2, endpoint_id: endpointId });
    expect(res.body.attempts).toHaveLength(2);
    const [first] = res.body.attempts;
    expect(first).toMatchObject({ attempt: 1, status: 'failed', response_status: 500, response_body: 'down', error: 'HTTP 500' });
    expect(first.request_headers['webhook-id']).toBe(res.body.event_id);
    expect(first.request_headers['X-Herald-Attempt']).toBe('1');
    expect(JSON.parse(first.request_body)).toMatchObject({ event_id: res.body.event_id, event_type: 'order.paid', payload: { i: 0 } });
    expect(typeof first.latency_ms).toBe('number');

    const event = await call(stack.api.url, 'GET', `/api/v1/events/${res.body.event_id}`, { token: tenant.read });
    expect(event.status).toBe(200);
    expect(event.body.envelope).toMatchObject({ event_id: res.body.event_id, tenant_id: tenant.id, payload: { i: 0 } });
    expect(event.body.deliveries.map((d: { id: string }) => d.id)).toEqual([id]);
  });

  it('replays one dead delivery: attempt 1 again, delivered; not while pending, nor for a disabled endpoint', async () => {
    const [id] = await deadLetters(1);
    const patch = (enabled: boolean) =>
      call(stack.api.url, 'PATCH', `/api/v1/endpoints/${endpointId}`, { token: tenant.admin, body: { enabled } });
    expect((await patch(false)).status).toBe(200);
    const refused = await call(stack.api.url, 'POST', `/api/v1/outbox/${id}/replay`, { token: tenant.admin });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/disabled/);
    expect((await patch(true)).status).toBe(200);
    // Held pending by a receiver that is slow to answer, so a second replay finds it pending.
    receiver.reply(() => ({ status: 200, delayMs: 500 }));
    const before = receiver.requests.length;
    const replay = await call(stack.api.url, 'POST', `/api/v1/outbox/${id}/replay`, { token: tenant.admin });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id, attempts: 0, status: 'pending' });
    const again = await call(stack.api.url, 'POST', `/api/v1/outbox/${id}/replay`, { token: tenant.admin });
    expect(again.status).toBe(409);
    await eventually(async () => (await detail(id!)).body.status === 'delivered');
    const arrived = receiver.requests.slice(before);
    expect(arrived).toHaveLength(1);
    expect(arrived[0]!.headers['x-herald-attempt']).toBe('1');
    receiver.reply(() => (failing ? { status: 500, body: 'down' } : { status: 200, body: 'ok' }));
    expect((await call(stack.api.url, 'POST', `/api/v1/outbox/${id}/replay`, { token: tenant.read })).status).toBe(403);
    expect((await call(stack.api.url, 'POST', '/api/v1/outbox/dlv_nope/replay', { token: tenant.admin })).status).toBe(404);
  });

  it('bulk-replays 5 dead deliveries once each; running it twice replays nothing more', async () => {
    const ids = await deadLetters(5);
    failing = false;
    const before = receiver.requests.length;
    const [first, second] = await Promise.all([
      call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: { endpoint_id: endpointId } }),
      call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: { endpoint_id: endpointId } }),
    ]);
    expect(first.body.replayed + second.body.replayed).toBe(5);
    for (const id of ids) await eventually(async () => (await detail(id)).body.status === 'delivered');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests.length - before).toBe(5);
    const third = await call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: {} });
    expect(third.body).toEqual({ replayed: 0 });
    expect((await call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: { status: 'pending' } })).status).toBe(400);
  });

  it('replay still delivers after Redis lost everything (FLUSHALL)', async () => {
    const ids = await deadLetters(3);
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    failing = false;
    const res = await call(stack.api.url, 'POST', '/api/v1/outbox/replay', { token: tenant.admin, body: { endpoint_id: endpointId } });
    expect(res.body.replayed).toBe(3);
    for (const id of ids) await eventually(async () => (await detail(id)).body.status === 'delivered');
  });
});

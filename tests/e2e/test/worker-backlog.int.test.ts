import { createLogger } from '@herald/core';
import { INLINE_EVENT_TRUST_MS } from '@herald/queue';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { parseWorkerConfig, startWorker, type RunningWorker } from '@herald/worker';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * A backlog that waited longer than INLINE_EVENT_TRUST_MS: ingest's jobs
 * still carry their events, and the worker checks only where each delivery
 * stands (pending, never attempted) before sending the job's own event. A
 * delivery another job already delivered is not sent again.
 */
describe('worker: a backlog older than the trust window', () => {
  let stack: Stack;
  let receiver: Receiver;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await stack?.stop();
  });

  it("sends each pending delivery's own job event once, and none already delivered", async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'backlog.test' } });
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${receiver.url}/backlog`, events: ['backlog.test'] },
    });
    expect(endpoint.status).toBe(201);
    // No worker yet: the jobs wait in Redis, each carrying its event.
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: 20 }, (_, i) => ({ event_type: 'backlog.test', payload: { i } })) },
    });
    expect(res.status).toBe(202);
    const eventIds: string[] = res.body.results.map((r: { event_id: string }) => r.event_id);
    const [alreadyDelivered, pending] = [eventIds.slice(0, 5), eventIds.slice(5)];
    // As if another job (the reconciler's, while ingest's were late) had delivered these five.
    await stack.db.$executeRawUnsafe(
      `UPDATE deliveries SET status = 'delivered', attempts = 1, delivered_at = now() WHERE event_id = ANY($1::text[])`,
      alreadyDelivered,
    );
    // What PostgreSQL holds no longer matches the jobs' events, so the requests show which one was sent.
    await stack.db.$executeRawUnsafe(`UPDATE events SET payload = '{"read_from":"postgresql"}' WHERE id = ANY($1::text[])`, eventIds);

    await new Promise((resolve) => setTimeout(resolve, INLINE_EVENT_TRUST_MS + 200));
    worker = await startWorker(parseWorkerConfig(stack.env), { port: 0, logger: createLogger({ service: 'worker', level: 'warn' }) });

    await eventually(
      async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === eventIds.length,
      30_000,
      100,
    );
    // A moment for anything that would be sent twice.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const sent = receiver.requests.filter((r) => r.path === '/backlog');
    expect(sent.map((r) => String(r.headers['webhook-id'])).sort()).toEqual([...pending].sort());
    for (const request of sent) {
      const body = JSON.parse(request.body);
      expect(body.payload).toEqual({ i: eventIds.indexOf(body.event_id) });
    }
  });
});

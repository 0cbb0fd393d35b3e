import { Redis } from 'ioredis';
import { eventually, startPrivateRedis, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const ENDPOINTS = 10;
const EVENTS = 100; // x 10 endpoints = 1,000 deliveries

/**
 * Fault tests (docs/architecture.md, invariants 1 and 2): the worker runs as its own
 * process on a Redis of the test's own, so it can be killed and Redis flushed.
 */
describe('nothing is lost', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let stack: Stack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startStack(
      { REDIS_URL: redis.url, HERALD_JOB_LOCK_MS: '1000', HERALD_RECONCILE_INTERVAL_MS: '500', HERALD_WORKER_CONCURRENCY: '8' },
      { worker: false },
    );
    receiver = await startReceiver(() => ({ status: 200, delayMs: 5 }));
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
    await redis?.stop();
  });

  /** A fresh tenant with 10 endpoints on one event type, and 100 events sent: 1,000 deliveries. */
  async function load(): Promise<{ tenantId: string; eventIds: string[]; paths: string[] }> {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'load.test' } });
    const paths: string[] = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      const path = `/${tenant.id}/ep${i}`;
      paths.push(path);
      const res = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: `${receiver.url}${path}`, events: ['load.test'] } });
      expect(res.status).toBe(201);
    }
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: EVENTS }, (_, i) => ({ event_type: 'load.test', payload: { i } })) },
    });
    expect(res.status).toBe(202);
    return { tenantId: tenant.id, eventIds: res.body.results.map((r: { event_id: string }) => r.event_id), paths };
  }

  function received(paths: string[]) {
    return receiver.requests.filter((r) => paths.includes(r.path));
  }

  /** Every delivery is `delivered`, every (endpoint, event) pair arrived, and duplicates carry the same webhook-id. */
  async function expectAllDelivered({ tenantId, eventIds, paths }: Awaited<ReturnType<typeof load>>): Promise<void> {
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId, status: 'delivered' } })) === ENDPOINTS * EVENTS, 60_000, 200);
    expect(await stack.db.delivery.count({ where: { tenantId } })).toBe(ENDPOINTS * EVENTS);
    const got = received(paths);
    const pairs = new Set(got.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`));
    expect(pairs.size).toBe(ENDPOINTS * EVENTS);
    for (const r of got) expect(eventIds).toContain(r.headers['webhook-id']);
  }

  it('recovers every delivery after the worker is SIGKILLed with deliveries in flight', async () => {
    const run = await load();
    const first = spawnWorker(stack.env);
    workers.push(first);
    await eventually(async () => received(run.paths).length >= 150, 30_000, 10);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(received(run.paths).length).toBeLessThan(ENDPOINTS * EVENTS);

    const second = spawnWorker(stack.env);
    workers.push(second);
    await expectAllDelivered(run);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('delivers everything after Redis is flushed (FLUSHALL) in the middle', async () => {
    const run = await load();
    const worker = spawnWorker(stack.env);
    workers.push(worker);
    await eventually(async () => received(run.paths).length >= 150, 30_000, 10);
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    await expectAllDelivered(run);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('exits 0 on SIGTERM under load, and loses nothing', async () => {
    const run = await load();
    const worker = spawnWorker(stack.env);
    workers.push(worker);
    await eventually(async () => received(run.paths).length >= 150, 30_000, 10);
    const stoppedAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    // Whatever it finished is recorded: no delivery it reported is left without its attempt.
    const next = spawnWorker(stack.env);
    workers.push(next);
    await expectAllDelivered(run);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  });
});

import { newId } from '@herald/core';
import { eventually, startReceiver, tcpConnectionsOf, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const ENDPOINTS = 5_000;

/** One worker process serves 5,000 endpoints that all have work, on the same three Redis connections. */
describe('one worker process, 5,000 active endpoints', () => {
  let stack: Stack;
  let receiver: Receiver;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  it('delivers to every endpoint without opening a connection per endpoint', async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'scale.test' } });
    const first = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${receiver.url}/0`, events: ['scale.test'] },
    });
    expect(first.status).toBe(201);
    // The other 4,999 are copies of the first (same secret), written directly: creating them one by one
    // through the api would take most of a minute and test nothing more.
    const ids = Array.from({ length: ENDPOINTS - 1 }, () => newId('ep'));
    await stack.db.$executeRaw`
      INSERT INTO endpoints (id, tenant_id, url, name, description, events, enabled, timeout_ms, max_attempts, headers, metadata,
                             secret_ciphertext, secret_prefix, schema_version, signature, body_format, created_at, updated_at)
      SELECT k.id, e.tenant_id, ${receiver.url} || '/' || k.n, e.name, e.description, e.events, true, e.timeout_ms, e.max_attempts,
             e.headers, e.metadata, e.secret_ciphertext, e.secret_prefix, e.schema_version, e.signature, e.body_format, now(), now()
      FROM endpoints e, unnest(${ids}::text[]) WITH ORDINALITY AS k(id, n)
      WHERE e.id = ${first.body.id as string}`;

    worker = spawnWorker(stack.env);
    const started = await worker.url();
    expect(started).toMatch(/^http:/);
    const port = Number(new URL(stack.env.REDIS_URL!).port || 6379);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, tcpConnectionsOf(worker!.child.pid!, port))), 50);

    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'scale.test', payload: { n: 1 } } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(ENDPOINTS);
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === ENDPOINTS, 90_000, 250);
    clearInterval(sampler);

    expect(new Set(receiver.requests.map((r) => r.path)).size).toBe(ENDPOINTS);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
  }, 120_000);
});

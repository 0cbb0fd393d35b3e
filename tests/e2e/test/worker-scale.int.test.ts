import { Redis } from 'ioredis';
import { newId } from '@herald/core';
import { eventually, startReceiver, tcpConnectionsTo, type Receiver, type TcpConnection } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const ENDPOINTS = 5_000;
// The worker's connections: commands, the blocking pop, and the cache-invalidation subscriber.
const MAX_CONNECTIONS = 3;

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
    // The first sample over the bound, with what Redis calls each of those connections, so a failure says whose they were.
    let over: Promise<string> | null = null;
    const sampler = setInterval(() => {
      const connections = tcpConnectionsTo(worker!.child.pid!, port);
      most = Math.max(most, connections.length);
      if (connections.length > MAX_CONNECTIONS) over ??= nameConnections(stack.env.REDIS_URL!, connections);
    }, 50);

    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'scale.test', payload: { n: 1 } } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(ENDPOINTS);
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === ENDPOINTS, 90_000, 250);
    clearInterval(sampler);

    expect(new Set(receiver.requests.map((r) => r.path)).size).toBe(ENDPOINTS);
    expect(most).toBeGreaterThan(0);
    expect(over === null ? null : await over).toBeNull();
    expect(most).toBeLessThanOrEqual(MAX_CONNECTIONS);
  }, 120_000);
});

/** The connections by local port, with the name and age Redis gives the client on each (CLIENT LIST). */
async function nameConnections(url: string, connections: TcpConnection[]): Promise<string> {
  const redis = new Redis(url);
  try {
    const clients = String(await redis.client('LIST')).split('\n');
    const named = connections.map(({ localPort }) => {
      const line = clients.find((l) => new RegExp(`\\baddr=\\S*:${localPort}\\b`).test(l));
      const field = (name: string) => (line ? new RegExp(`\\b${name}=(\\S*)`).exec(line)?.[1] : undefined);
      return line ? `port ${localPort}: name=${field('name')} age=${field('age')}s cmd=${field('cmd')}` : `port ${localPort}: gone from CLIENT LIST`;
    });
    return `${connections.length} connections to Redis at once: ${named.join('; ')}`;
  } finally {
    redis.disconnect();
  }
}

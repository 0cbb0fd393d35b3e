import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, startRedisCluster, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * The delivery path on a real Redis Cluster of three masters: every key and
 * script Herald uses stays within one hash slot (an endpoint's queue, or the
 * scheduling keys), and endpoints spread over the shards.
 */
describe('on a Redis Cluster', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    stack = await startStack({ REDIS_URL: cluster.url, HERALD_RECONCILE_INTERVAL_MS: '300' });
    receiver = await startReceiver();
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
    await cluster?.stop();
  });

  it('delivers signed webhooks to endpoints on every shard, retries, replays, and recovers a flushed cluster', async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.created' } });
    const secrets = new Map<string, string>();
    for (let i = 0; i < 9; i++) {
      const res = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: `${receiver.url}/ep${i}`, events: ['order.created'] },
      });
      expect(res.status).toBe(201);
      secrets.set(`/ep${i}`, res.body.signing_secret);
    }
    // The first answer of one endpoint is a 500: its delivery is retried (a delayed job and a timer).
    let failedOnce = false;
    receiver.reply((req) => {
      if (req.path === '/ep0' && !failedOnce) {
        failedOnce = true;
        return { status: 500 };
      }
      return { status: 200 };
    });

    const single = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.created', payload: { n: 0 } } });
    expect(single.status).toBe(202);
    const batch = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: 10 }, (_, i) => ({ event_type: 'order.created', payload: { n: i + 1 } })) },
    });
    expect(batch.status).toBe(202);
    const delivered = (n: number) => async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === n;
    await eventually(delivered(99), 30_000, 100);
    expect(failedOnce).toBe(true);

    // Each request verifies with its endpoint's secret.
    for (const request of receiver.requests.filter((r) => r.headers['webhook-id'])) {
      const verified = new Webhook(secrets.get(request.path)!).verify(request.body, request.headers as Record<string, string>);
      expect(verified).toMatchObject({ event_type: 'order.created' });
    }

    // The endpoints' queues are spread over the shards.
    const shardsWithQueues = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        try {
          return (await node.keys(`${stack.redis.prefix}:ep.{*`)).length > 0;
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(shardsWithQueues.filter(Boolean).length).toBeGreaterThanOrEqual(2);

    // Delivered jobs were let go before their commit (the worker's unrecorded hash): every entry is gone once committed.
    const keysOnShards = async (pattern: string) =>
      (
        await Promise.all(
          cluster.ports.map(async (port) => {
            const node = new Redis(port, '127.0.0.1');
            try {
              return await node.keys(pattern);
            } finally {
              node.disconnect();
            }
          }),
        )
      ).flat();
    await eventually(async () => (await keysOnShards(`${stack.redis.prefix}:worker:*:unrecorded`)).length === 0, 10_000, 100);

    // A replay is queued through the cluster too.
    const [one] = (await call(stack.api.url, 'GET', '/api/v1/outbox?limit=1', { token: tenant.read })).body.data;
    const before = receiver.requests.length;
    expect((await call(stack.api.url, 'POST', `/api/v1/outbox/${one.id}/replay`, { token: tenant.admin })).status).toBe(202);
    await receiver.waitFor(before + 1);

    // Every shard flushed: the reconciler queues what is pending again.
    receiver.reply(() => ({ status: 200, delayMs: 0 }));
    await eventually(delivered(99), 10_000, 100);
    const stopped = receiver.requests.length;
    receiver.reply(() => ({ status: 503 }));
    await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.created', payload: { n: 'late' } } });
    await receiver.waitFor(stopped + 9);
    for (const port of cluster.ports) {
      const node = new Redis(port, '127.0.0.1');
      await node.flushall();
      node.disconnect();
    }
    receiver.reply(() => ({ status: 200 }));
    await eventually(delivered(108), 30_000, 200);
  }, 90_000);
});

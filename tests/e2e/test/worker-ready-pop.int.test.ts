import { Redis } from 'ioredis';
import { eventually, startPrivateRedis, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenantWithEndpoints, startStack, type Stack } from '../src/stack.js';

const ENDPOINTS = 20;

/** Calls of each command since the counts were last reset (INFO commandstats). */
async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  return Object.fromEntries([...info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
}

/**
 * How the worker takes endpoints from the ready set: every endpoint readied
 * together in one blocking pop (BZMPOP, Redis 7), or one at a time on a Redis
 * without it. Each case on a Redis of its own, so its command counts are the
 * stack's alone.
 */
describe.each([
  { redis: 'Redis 7', args: [] as string[], multiPop: true },
  { redis: 'a Redis without BZMPOP (as before 7.0)', args: ['--rename-command', 'BZMPOP', ''], multiPop: false },
])('popping ready endpoints on $redis', ({ args, multiPop }) => {
  let server: Awaited<ReturnType<typeof startPrivateRedis>>;
  let stack: Stack;
  let receiver: Receiver;
  let redis: Redis;

  beforeAll(async () => {
    server = await startPrivateRedis(args);
    redis = new Redis(server.url);
    stack = await startStack({ REDIS_URL: server.url });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    redis?.disconnect();
    await receiver?.close();
    await stack?.stop();
    await server?.stop();
  });

  it(`delivers one event's deliveries to ${ENDPOINTS} idle endpoints, each once, ${multiPop ? 'taking every endpoint in one pop' : 'popping one endpoint at a time'}`, async () => {
    const { tenant, paths } = await createTenantWithEndpoints(stack, { receiverUrl: receiver.url, eventType: 'order.created', endpoints: ENDPOINTS });
    // The worker is idle, waiting in its blocking pop: one event readies all its endpoints in one ZADD.
    await redis.config('RESETSTAT');
    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.created', payload: { n: 1 } } });
    expect(sent.status).toBe(202);
    expect(sent.body.deliveries).toBe(ENDPOINTS);
    const received = await receiver.waitFor(ENDPOINTS, 20_000);
    expect(received.map((r) => r.path).sort()).toEqual([...paths].sort());
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === ENDPOINTS);

    const calls = await commandCalls(redis);
    // The blocking pops that handed the endpoints to the worker (ZPOPMIN is not counted: BullMQ's scripts run it too).
    if (multiPop) {
      // BZPOPMIN popped them one blocking round trip after another: 20 of them.
      expect(calls.bzpopmin ?? 0).toBe(0);
      expect(calls.bzmpop).toBeGreaterThanOrEqual(1);
      expect(calls.bzmpop).toBeLessThanOrEqual(3);
    } else {
      expect(calls.bzmpop ?? 0).toBe(0);
      expect(calls.bzpopmin ?? 0).toBeGreaterThan(0);
      expect(stack.logs.filter((line) => line.includes('Redis has no BZMPOP'))).toHaveLength(1);
    }
    // Nothing sent twice.
    expect(receiver.requests).toHaveLength(ENDPOINTS);
  });
});

import { testRedisPrefix, type TestRedisPrefix } from '@herald/testing';
import { createLogger } from '@herald/core';
import { deliveriesWithoutJob, encodeUnrecorded, UNRECORDED_HOLD_MS } from './job-presence.js';
import { endpointQueueName, jobKey, queueKeys, workerUnrecordedKey } from './names.js';
import { createRedis, whenReady, type RedisClient } from './redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('deliveriesWithoutJob against real Redis', () => {
  let keys: TestRedisPrefix;
  let redis: RedisClient;

  beforeAll(async () => {
    keys = testRedisPrefix(REDIS_URL);
    redis = createRedis(REDIS_URL, 'presence-test', { role: 'producer', logger: createLogger({ service: 'queue-test', level: 'error' }) });
    await whenReady(redis, 5_000);
  });
  afterAll(async () => {
    await keys.cleanup();
    redis.disconnect();
  });

  it("counts a job, or a live worker's recent unrecorded entry, as the delivery's; not a dead worker's or a stale one", async () => {
    const { prefix } = keys;
    const d = (id: string) => ({ deliveryId: id, endpointId: 'ep_1', tenantId: 'tnt_1' });
    const entry = (listedAt: number) => encodeUnrecorded({ ...d('x'), maxAttempts: 3 }, listedAt);
    await redis.hset(jobKey(prefix, endpointQueueName('ep_1'), 'dlv_job'), 'name', 'deliver');
    await redis.zadd(queueKeys(prefix).workers, Date.now() + 60_000, 'w_live');
    await redis.hset(workerUnrecordedKey(prefix, 'w_live'), 'dlv_unrecorded', entry(Date.now()), 'dlv_stale', entry(Date.now() - UNRECORDED_HOLD_MS - 1_000));
    // A worker no longer in the fleet: whoever reaps it queues its entries, so they do not count here.
    await redis.hset(workerUnrecordedKey(prefix, 'w_dead'), 'dlv_dead', entry(Date.now()));

    const missing = await deliveriesWithoutJob(redis, prefix, ['dlv_job', 'dlv_unrecorded', 'dlv_stale', 'dlv_dead', 'dlv_none'].map(d));
    expect(missing.map((m) => m.deliveryId)).toEqual(['dlv_stale', 'dlv_dead', 'dlv_none']);
  });
});

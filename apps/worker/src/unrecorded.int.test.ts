import { createLogger } from '@herald/core';
import { createRedis, whenReady, workerUnrecordedKey, type RedisClient } from '@herald/queue';
import { startPrivateRedis, startTcpProxy, testRedisPrefix, type TcpProxy, type TestRedisPrefix } from '@herald/testing';
import { takeUnrecorded, UnrecordedAttempts } from './unrecorded.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ service: 'unrecorded-test', level: 'error' });

// Answers whether the entry is there when Redis runs it: a script, sent like BullMQ's job completion.
const HAS_ENTRY = "return redis.call('HEXISTS', KEYS[1], ARGV[1])";

describe('UnrecordedAttempts against real Redis (through a proxy the test can stall)', () => {
  let keys: TestRedisPrefix;
  let proxy: TcpProxy;
  let redis: RedisClient;

  beforeAll(async () => {
    keys = testRedisPrefix(REDIS_URL);
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    redis = createRedis(`redis://127.0.0.1:${proxy.port}`, 'unrecorded-test', { role: 'consumer', logger });
    await whenReady(redis, 5_000);
  });
  afterAll(async () => {
    proxy.resume();
    redis.disconnect();
    await proxy.close();
    await keys.cleanup();
  });

  it("lets a job go without waiting for Redis's answer; what the worker sends next lands after the entry; the commit removes it", async () => {
    const { prefix } = keys;
    const unrecorded = new UnrecordedAttempts({ redis, prefix, workerId: 'w_test', logger });
    const key = workerUnrecordedKey(prefix, 'w_test');
    const spec = { deliveryId: 'dlv_1', tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 5 };
    let commit!: () => void;
    const recording = new Promise<void>((resolve) => (commit = resolve));

    proxy.pause(); // Redis answers nothing meanwhile: a letGo that waited for the answer would not resolve
    const letGo = await Promise.race([unrecorded.letGo(spec, recording), new Promise((resolve) => setTimeout(() => resolve('waited'), 1_000))]);
    expect(letGo).toBe(true);
    const completion = redis.eval(HAS_ENTRY, 1, key, spec.deliveryId);
    proxy.resume();
    expect(await completion).toBe(1);

    commit();
    await new Promise((resolve) => setImmediate(resolve));
    await unrecorded.flush();
    expect(await redis.hexists(key, spec.deliveryId)).toBe(0);
  });

  it("hands a dead worker's entries to its reaper once", async () => {
    const { prefix } = keys;
    const unrecorded = new UnrecordedAttempts({ redis, prefix, workerId: 'w_dead', logger });
    const spec = { deliveryId: 'dlv_2', tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 5 };
    expect(await unrecorded.letGo(spec, new Promise<void>(() => undefined))).toBe(true); // never committed: the worker died
    expect(await takeUnrecorded(redis, prefix, 'w_dead')).toEqual([spec]);
    expect(await takeUnrecorded(redis, prefix, 'w_dead')).toEqual([]);
  });
});

describe('UnrecordedAttempts on a Redis of its own (its command counts are this test\'s alone)', () => {
  let server: Awaited<ReturnType<typeof startPrivateRedis>>;
  let redis: RedisClient;

  beforeAll(async () => {
    server = await startPrivateRedis();
    redis = createRedis(server.url, 'unrecorded-batch-test', { role: 'consumer', logger });
    await whenReady(redis, 5_000);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  /** HSETs Redis has run so far (INFO commandstats). */
  const hsets = async () => Number(/cmdstat_hset:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

  it('lists the deliveries of jobs let go in the same turn with one HSET, each before what is sent after it', async () => {
    const unrecorded = new UnrecordedAttempts({ redis, prefix: 'herald-batch', workerId: 'w_batch', logger });
    const key = workerUnrecordedKey('herald-batch', 'w_batch');
    const specs = Array.from({ length: 5 }, (_, i) => ({ deliveryId: `dlv_${i}`, tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 5 }));
    const before = await hsets();
    const pending = new Promise<void>(() => undefined); // not committed during the test
    // As the dispatcher does: each job's completion is sent once its letGo resolved.
    const completions = specs.map(async (spec) => {
      expect(await unrecorded.letGo(spec, pending)).toBe(true);
      return redis.eval(HAS_ENTRY, 1, key, spec.deliveryId);
    });
    expect(await Promise.all(completions)).toEqual([1, 1, 1, 1, 1]);
    expect((await hsets()) - before).toBe(1);
    expect(Object.keys(await redis.hgetall(key)).sort()).toEqual(specs.map((s) => s.deliveryId));

    // A job let go in a later turn gets an HSET of its own.
    const later = { deliveryId: 'dlv_later', tenantId: 'tnt_1', endpointId: 'ep_1', maxAttempts: 5 };
    expect(await unrecorded.letGo(later, pending)).toBe(true);
    expect(await redis.eval(HAS_ENTRY, 1, key, later.deliveryId)).toBe(1);
    expect((await hsets()) - before).toBe(2);
  });
});

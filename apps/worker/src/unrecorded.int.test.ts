import { createLogger } from '@herald/core';
import { createRedis, whenReady, workerUnrecordedKey, type RedisClient } from '@herald/queue';
import { startTcpProxy, testRedisPrefix, type TcpProxy, type TestRedisPrefix } from '@herald/testing';
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

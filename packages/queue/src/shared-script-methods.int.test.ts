import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '@herald/core';
import { testRedisPrefix, type TestRedisPrefix } from '@herald/testing';
import { createRedis, whenReady, type RedisClient } from './redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe("a connection's pipelines share its script methods (real Redis, BullMQ's scripts loaded)", () => {
  let keys: TestRedisPrefix;
  let redis: RedisClient;
  let queue: Queue;

  beforeAll(async () => {
    keys = testRedisPrefix(REDIS_URL);
    redis = createRedis(REDIS_URL, 'pipeline-test', { role: 'consumer', logger: createLogger({ service: 'queue-test', level: 'error' }) });
    await whenReady(redis, 5_000);
    queue = new Queue('pipeline-test', { connection: redis, prefix: keys.prefix });
    await queue.waitUntilReady();
  });
  afterAll(async () => {
    await queue.close();
    await keys.cleanup();
    redis.disconnect();
  });

  it('runs scripts and commands in a pipeline, in auto-pipelined turns, and scripts defined after the first pipeline', async () => {
    expect(Object.keys((redis as Redis).scriptsSet).length).toBeGreaterThan(40); // BullMQ's
    const pipeline = redis.pipeline();
    // The methods come from the shared prototype, not copied onto each pipeline.
    expect(Object.keys(pipeline).filter((name) => name in (redis as Redis).scriptsSet)).toEqual([]);

    redis.defineCommand('heraldTestEcho', { numberOfKeys: 1, lua: 'return {KEYS[1], ARGV[1]}' });
    const key = `${keys.prefix}:k`;
    const echo = (p: unknown, ...args: string[]) => (p as { heraldTestEcho(...a: string[]): unknown }).heraldTestEcho(...args);
    const results = await (echo(redis.pipeline(), key, 'v') as ReturnType<RedisClient['pipeline']>).set(key, '1').get(key).exec();
    expect(results).toEqual([
      [null, [key, 'v']],
      [null, 'OK'],
      [null, '1'],
    ]);
    // Auto-pipelining: a script and a command sent in one turn go out in one pipeline.
    expect(await Promise.all([echo(redis, key, 'w'), redis.incr(key)])).toEqual([[key, 'w'], 2]);

    // BullMQ's own scripts, through the same connection.
    await queue.add('job', { n: 1 });
    await queue.addBulk([{ name: 'job', data: { n: 2 } }, { name: 'job', data: { n: 3 } }]);
    expect(await queue.getJobCounts('wait')).toEqual({ wait: 3 });
  });
});

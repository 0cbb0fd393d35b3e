import { eventually, startTcpProxy, testRedisPrefix, viaProxy, type TcpProxy, type TestRedisPrefix } from '@herald/testing';
import { createLogger } from '@herald/core';
import { createRedis, duplicateForBlocking, whenReady, type RedisClient } from './redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('createRedis: each command is written when it is sent (real Redis, through a proxy that holds its answers)', () => {
  let keys: TestRedisPrefix;
  let proxy: TcpProxy;
  let direct: RedisClient;
  const proxied: RedisClient[] = [];
  const logger = createLogger({ service: 'queue-test', level: 'error' });

  beforeEach(async () => {
    keys = testRedisPrefix(REDIS_URL);
    const target = new URL(REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    direct = createRedis(REDIS_URL, 'redis-test-direct', { role: 'consumer', logger });
    await whenReady(direct, 5_000);
  });
  afterEach(async () => {
    proxy.resume();
    for (const redis of proxied.splice(0)) redis.disconnect();
    await proxy.close();
    await keys.cleanup();
    direct.disconnect();
  });

  /** Sends `a`, then in a later turn of the event loop `b`, while Redis's answers are held: both must reach Redis. */
  async function laterCommandIsNotHeldBack(redis: RedisClient): Promise<void> {
    const [a, b] = [`${keys.prefix}:a`, `${keys.prefix}:b`];
    proxy.holdReplies();
    const first = redis.set(a, '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = redis.set(b, '2');
    // With auto-pipelining the second would wait in the client for the first's answer, which never comes.
    await eventually(async () => (await direct.get(b)) === '2', 3_000, 20);
    expect(await direct.get(a)).toBe('1');
    proxy.resume();
    expect(await Promise.all([first, second])).toEqual(['OK', 'OK']);
  }

  it.each(['consumer', 'producer'] as const)('a %s connection', async (role) => {
    const redis = createRedis(viaProxy(REDIS_URL, proxy), `redis-test-${role}`, { role, logger });
    proxied.push(redis);
    await whenReady(redis, 5_000);
    await laterCommandIsNotHeldBack(redis);
  });

  it("the worker's blocking connection, and a script after a command (the order Redis runs them in is the order sent)", async () => {
    const redis = createRedis(viaProxy(REDIS_URL, proxy), 'redis-test-base', { role: 'consumer', logger });
    const blocking = duplicateForBlocking(redis, 'redis-test-blocking', logger);
    proxied.push(redis, blocking);
    await Promise.all([whenReady(redis, 5_000), whenReady(blocking, 5_000)]);
    await laterCommandIsNotHeldBack(blocking);

    redis.defineCommand('heraldTestReadBack', { numberOfKeys: 1, lua: "return redis.call('GET', KEYS[1])" });
    const key = `${keys.prefix}:order`;
    proxy.holdReplies();
    const written = redis.set(key, 'first');
    const readBack = (redis as unknown as { heraldTestReadBack(key: string): Promise<string | null> }).heraldTestReadBack(key);
    await eventually(async () => (await direct.get(key)) === 'first', 3_000, 20);
    proxy.resume();
    expect(await written).toBe('OK');
    expect(await readBack).toBe('first');
  });
});

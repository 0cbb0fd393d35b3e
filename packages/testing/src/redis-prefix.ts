import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export interface TestRedisPrefix {
  prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** A Redis key prefix of a test's own, so suites run in parallel and never touch a user's keys. */
export function testRedisPrefix(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): TestRedisPrefix {
  const prefix = `herald-test-${randomUUID().slice(0, 8)}`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(url);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    },
  };
}

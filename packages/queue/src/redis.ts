import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ wants it (`maxRetriesPerRequest: null`, so
 * blocking commands wait out a reconnect instead of failing). One per role;
 * BullMQ Workers duplicate it for their blocking connection.
 */
export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName,
    // Keep retrying quietly with a cap; readiness reports the outage meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

import { Redis } from 'ioredis';
import type { Logger } from '@herald/core';

/**
 * How a connection behaves while Redis is unreachable:
 * - `consumer` (the worker): commands wait out a reconnect, as BullMQ's
 *   blocking commands need (`maxRetriesPerRequest: null`).
 * - `producer` (ingest, the api): a command fails at once while Redis is
 *   unreachable and a command cut off by a disconnect is never re-sent, so a
 *   request never waits on Redis and a job whose add failed does not appear
 *   much later. PostgreSQL holds the work meanwhile; the reconciler queues it.
 */
export type RedisRole = 'consumer' | 'producer';

export interface CreateRedisOptions {
  role: RedisRole;
  /** Connection errors go here, one line per outage (without a listener ioredis prints raw stack traces). */
  logger: Logger;
}

/** A Redis connection for one role of one service. BullMQ Workers duplicate a consumer connection for their blocking one. */
export function createRedis(url: string, connectionName: string, { role, logger }: CreateRedisOptions): Redis {
  const redis = new Redis(url, {
    connectionName,
    enableReadyCheck: true,
    // Keep retrying quietly with a cap; readiness reports the outage meanwhile.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(role === 'consumer'
      ? { maxRetriesPerRequest: null }
      : { maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false }),
  });
  logConnectionErrors(redis, connectionName, logger);
  return redis;
}

/** Logs the first error of each outage (ioredis emits one per reconnect attempt), and the recovery. */
export function logConnectionErrors(redis: Redis, connectionName: string, logger: Logger): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn('redis connection error', { connection: connectionName, error: error.message });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis connection restored', { connection: connectionName });
  });
}

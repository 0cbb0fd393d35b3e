import { endpointQueueName, jobKey, queueKeys, workerEndpointsKey } from './names.js';
import type { RedisClient } from './redis.js';

/** Which of these deliveries have no job in Redis (one EXISTS per delivery, pipelined by the connection). */
export async function deliveriesWithoutJob<T extends { deliveryId: string; endpointId: string }>(
  redis: RedisClient,
  prefix: string,
  deliveries: readonly T[],
): Promise<T[]> {
  const exists = await Promise.all(deliveries.map((d) => redis.exists(jobKey(prefix, endpointQueueName(d.endpointId), d.deliveryId))));
  return deliveries.filter((_, i) => exists[i] === 0);
}

/**
 * Endpoints that have work now, fleet-wide (at most `limit`, sorted by id):
 * ready, scheduled for later, or with jobs in flight on a worker.
 */
export async function endpointsWithWork(redis: RedisClient, prefix: string, limit: number): Promise<string[]> {
  const keys = queueKeys(prefix);
  const [ready, scheduled, workers] = await Promise.all([
    redis.zrange(keys.ready, 0, limit - 1),
    redis.zrange(keys.timers, 0, limit - 1),
    redis.zrange(keys.workers, 0, -1),
  ]);
  const inFlight = await Promise.all(workers.map((id) => redis.smembers(workerEndpointsKey(prefix, id))));
  return [...new Set([...ready, ...scheduled, ...inFlight.flat()])].sort().slice(0, limit);
}

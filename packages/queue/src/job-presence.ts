import type { Redis } from 'ioredis';
import { endpointQueueName, jobKey } from './names.js';

/** Which of these deliveries have no job in Redis (one pipelined EXISTS per delivery). */
export async function deliveriesWithoutJob<T extends { deliveryId: string; endpointId: string }>(
  redis: Redis,
  prefix: string,
  deliveries: readonly T[],
): Promise<T[]> {
  if (deliveries.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const d of deliveries) pipeline.exists(jobKey(prefix, endpointQueueName(d.endpointId), d.deliveryId));
  const results = (await pipeline.exec()) ?? [];
  return deliveries.filter((_, i) => {
    const [error, exists] = results[i] ?? [new Error('no reply'), 0];
    if (error) throw error;
    return exists === 0;
  });
}

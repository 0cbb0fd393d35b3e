import { purgeEndpointQueue } from '@herald/queue';
import type { ApiDeps } from '../deps.js';

/** Longest a request waits on Redis for a purge; ioredis would otherwise queue the command until Redis is back. */
const PURGE_TIMEOUT_MS = 2000;

/**
 * Removes an endpoint's jobs from Redis after PostgreSQL already settled its
 * pending deliveries. Best effort: PostgreSQL is what counts, and the worker
 * skips a job whose delivery is no longer pending, so a failed purge only
 * leaves keys behind. It is logged, never answered as an error (the change
 * the caller asked for is committed).
 */
export async function purgeEndpointJobs({ redis, config, logger }: ApiDeps, tenantId: string, endpointId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      purgeEndpointQueue(redis, config.HERALD_REDIS_PREFIX, endpointId),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from Redis within ${PURGE_TIMEOUT_MS} ms`)), PURGE_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    logger.warn('purging the endpoint queue failed; the worker will skip its jobs', { tenant_id: tenantId, endpoint_id: endpointId, error });
  } finally {
    clearTimeout(timer);
  }
}

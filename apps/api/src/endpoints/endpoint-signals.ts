import { announceEndpointChanged, purgeEndpointQueue } from '@herald/queue';
import type { ApiDeps } from '../deps.js';

/** Longest a request waits on Redis for these; ioredis would otherwise queue the command until Redis is back. */
const REDIS_TIMEOUT_MS = 2000;

/**
 * Runs a Redis side effect of a change PostgreSQL already committed. Best
 * effort: it is logged, never answered as an error (the change the caller
 * asked for is committed), and the worker does not depend on it alone.
 */
async function bestEffort({ logger }: ApiDeps, what: string, fields: Record<string, string>, effect: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      effect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer from Redis within ${REDIS_TIMEOUT_MS} ms`)), REDIS_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    logger.warn(`${what} failed`, { ...fields, error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Removes an endpoint's jobs from Redis after PostgreSQL already settled its
 * pending deliveries. If it fails, the worker skips jobs whose delivery is no
 * longer pending, so only keys are left behind.
 */
export async function purgeEndpointJobs(deps: ApiDeps, tenantId: string, endpointId: string): Promise<void> {
  await bestEffort(deps, 'purging the endpoint queue', { tenant_id: tenantId, endpoint_id: endpointId }, () =>
    purgeEndpointQueue(deps.redis, deps.config.HERALD_REDIS_PREFIX, endpointId),
  );
}

/**
 * Tells the workers that an endpoint changed (settings, secret, enabled,
 * deleted): they drop what they cached of it and restart its Worker if its
 * rate limit changed. If the notice is lost, the worker still re-reads every
 * endpoint it caches within 2 s (apps/worker/src/endpoint-cache.ts).
 */
export async function announceEndpointChange(deps: ApiDeps, tenantId: string, endpointId: string): Promise<void> {
  await bestEffort(deps, 'announcing an endpoint change', { tenant_id: tenantId, endpoint_id: endpointId }, () =>
    announceEndpointChanged(deps.redis, deps.config.HERALD_REDIS_PREFIX, endpointId),
  );
}

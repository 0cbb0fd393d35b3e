import { announceEndpointChanged, purgeEndpointQueue } from '@herald/queue';
import { bestEffort } from '../best-effort.js';
import type { ApiDeps } from '../deps.js';

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

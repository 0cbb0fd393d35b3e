import { disableEndpoint, enableEndpoint, type Endpoint } from '@herald/db';
import type { ApiDeps } from '../deps.js';
import { announceEndpointChange, purgeEndpointJobs } from './endpoint-signals.js';

/**
 * Enables or disables an endpoint by hand (PATCH `enabled`, bulk enable/disable).
 * Re-enabling clears `disabled_reason` and the failure run. Disabling makes
 * its pending deliveries `dead` (replayable) and empties its queue. Either is
 * a no-op when the endpoint is already so: an endpoint the worker disabled
 * (`gone`, `failing`) keeps its reason when "disabled" again, and an enabled
 * one keeps its failure run when "enabled" again.
 */
export async function setEndpointEnabled(
  deps: ApiDeps,
  tenantId: string,
  endpoint: Pick<Endpoint, 'id' | 'enabled'>,
  enabled: boolean,
): Promise<void> {
  if (enabled) {
    if (!endpoint.enabled) {
      await enableEndpoint(deps.db, tenantId, endpoint.id);
      await announceEndpointChange(deps, tenantId, endpoint.id);
    }
    return;
  }
  if (!endpoint.enabled) return;
  const dead = await disableEndpoint(deps.sql, tenantId, endpoint.id, 'manual');
  if (dead === null) return;
  await announceEndpointChange(deps, tenantId, endpoint.id);
  await purgeEndpointJobs(deps, tenantId, endpoint.id);
}

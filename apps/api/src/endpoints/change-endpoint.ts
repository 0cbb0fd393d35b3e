import { changeEndpoint as changeEndpointRow, type EndpointChanges } from '@herald/db';
import type { ApiDeps } from '../deps.js';
import { announceEndpointChange, purgeEndpointJobs } from './endpoint-signals.js';

/**
 * Changes an endpoint (PATCH, bulk enable/disable): fields and `enabled`
 * committed together, then announced to the workers once. Disabling by hand
 * also empties its queue; its pending deliveries are already `dead`
 * (replayable). `not_found` for an unknown, another tenant's or a deleted
 * endpoint; `orderingInFlight` when `ordering` would change while deliveries
 * are pending (nothing changed).
 */
export async function changeEndpoint(
  deps: ApiDeps,
  tenantId: string,
  id: string,
  changes: EndpointChanges,
): Promise<'changed' | 'not_found' | { orderingInFlight: number }> {
  const result = await changeEndpointRow(deps.sql, tenantId, id, changes);
  if (result.outcome === 'not_found') return 'not_found';
  if (result.outcome === 'ordering_in_flight') return { orderingInFlight: result.pending };
  if (result.changed) await announceEndpointChange(deps, tenantId, id);
  if (result.disabled) await purgeEndpointJobs(deps, tenantId, id);
  return 'changed';
}

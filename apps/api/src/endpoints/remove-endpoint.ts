import { deleteEndpoint } from '@herald/db';
import type { ApiDeps } from '../deps.js';
import { announceEndpointChange, purgeEndpointJobs } from './endpoint-signals.js';

/**
 * Deletes a live endpoint: its pending deliveries become `cancelled` and its
 * queue is emptied, so nothing more is sent to it (an attempt already on the
 * wire still finishes). `not_found` for an unknown, another tenant's or an
 * already deleted endpoint.
 */
export async function removeEndpoint(deps: ApiDeps, tenantId: string, id: string): Promise<'deleted' | 'not_found'> {
  if (!(await deleteEndpoint(deps.db, tenantId, id))) return 'not_found';
  await announceEndpointChange(deps, tenantId, id);
  await purgeEndpointJobs(deps, tenantId, id);
  return 'deleted';
}

import { AppError } from '@herald/core';
import { findEndpointsByIds, listEndpoints } from '@herald/db';
import type { EndpointBulkIn, EndpointBulkResult } from '@herald/schemas';
import type { ApiDeps } from '../deps.js';
import { removeEndpoint } from './remove-endpoint.js';
import { changeEndpoint } from './change-endpoint.js';

/** How many endpoints are acted on at once. */
const CONCURRENCY = 8;

/** Most endpoints one `{"channel": …}` request acts on. */
export const ENDPOINT_BULK_MAX_BY_CHANNEL = 1_000;

const notFound = (id: string): EndpointBulkResult => ({
  id,
  ok: false,
  error: { code: 'not_found', message: `Endpoint '${id}' not found`, details: [] },
});

/**
 * The ids a bulk request names: its `ids`, or the live endpoints listing its
 * `channel` (newest first; 422 when more than ENDPOINT_BULK_MAX_BY_CHANNEL).
 */
export async function bulkTargets(deps: ApiDeps, tenantId: string, input: EndpointBulkIn): Promise<string[]> {
  if (input.ids) return input.ids;
  const found = await listEndpoints(deps.db, tenantId, { channel: input.channel }, ENDPOINT_BULK_MAX_BY_CHANNEL, null);
  if (found.length > ENDPOINT_BULK_MAX_BY_CHANNEL) {
    throw AppError.unprocessable(`More than ${ENDPOINT_BULK_MAX_BY_CHANNEL} endpoints list this channel; act on them by ids.`, [
      { path: 'channel', message: `matches more than ${ENDPOINT_BULK_MAX_BY_CHANNEL} endpoints` },
    ]);
  }
  return found.map((e) => e.id);
}

/**
 * Enables, disables or deletes each endpoint on its own, exactly as the
 * single-endpoint routes do. An id that is not a live endpoint of this tenant
 * is refused alone (`not_found`). An id given twice is acted on once and its
 * result repeated, so the answer does not depend on the order of duplicates.
 * Results are in input order.
 */
export async function bulkEndpointAction(
  deps: ApiDeps,
  tenantId: string,
  input: EndpointBulkIn,
): Promise<EndpointBulkResult[]> {
  const { action } = input;
  const ids = await bulkTargets(deps, tenantId, input);
  const unique = [...new Set(ids)];
  const live = new Map((await findEndpointsByIds(deps.db, tenantId, unique)).map((e) => [e.id, e]));
  const results = new Map<string, EndpointBulkResult>();

  async function act(id: string): Promise<EndpointBulkResult> {
    const endpoint = live.get(id);
    if (!endpoint) return notFound(id);
    if (action === 'delete') return (await removeEndpoint(deps, tenantId, id)) === 'deleted' ? { id, ok: true } : notFound(id);
    return (await changeEndpoint(deps, tenantId, endpoint.id, { enabled: action === 'enable' })) === 'not_found' ? notFound(id) : { id, ok: true };
  }

  for (let i = 0; i < unique.length; i += CONCURRENCY) {
    const chunk = unique.slice(i, i + CONCURRENCY);
    const done = await Promise.all(chunk.map(act));
    done.forEach((r) => results.set(r.id, r));
  }
  return ids.map((id) => results.get(id)!);
}

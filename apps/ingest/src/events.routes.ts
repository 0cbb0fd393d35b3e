import { principalOf, type RouteTable } from '@herald/http';
import { IngestEventRoute } from '@herald/schemas';
import { ingestEvents, type IngestDeps } from './ingest-events.js';

/** `POST /api/v1/events`: one event. */
export function eventRoutes(routes: RouteTable, deps: IngestDeps): void {
  routes.add(IngestEventRoute, async ({ body }, _req, res) => {
    const [result] = await ingestEvents(deps, principalOf(res).tenantId, [body]);
    if (!result!.ok) throw result!.error;
    res.status(result!.value.duplicate ? 200 : 202).json(result!.value);
  });
}

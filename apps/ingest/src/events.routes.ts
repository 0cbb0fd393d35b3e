import { Router } from 'express';
import { principalOf, requireScope } from '@herald/http';
import { EventInSchema } from '@herald/schemas';
import { ingestEvents, type IngestDeps } from './ingest-events.js';

/** `POST /api/v1/events`: one event. */
export function eventsRouter(deps: IngestDeps): Router {
  const router = Router();

  router.post('/api/v1/events', requireScope('ingest'), async (req, res) => {
    const event = EventInSchema.parse(req.body);
    const [result] = await ingestEvents(deps, principalOf(res).tenantId, [event]);
    if (!result!.ok) throw result!.error;
    res.status(result!.value.duplicate ? 200 : 202).json(result!.value);
  });

  return router;
}

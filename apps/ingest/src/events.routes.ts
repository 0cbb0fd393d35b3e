import { AppError } from '@herald/core';
import { principalOf, zodDetails, type RouteTable } from '@herald/http';
import { EventInSchema, IngestBatchRoute, IngestEventRoute, type EventIn } from '@herald/schemas';
import { ingestEvents, type IngestDeps, type IngestResult } from './ingest-events.js';

/** The error shape (docs/api.md) for one refused batch item, its paths under `events.<i>`. */
function itemError(error: AppError, index: number) {
  return {
    error: {
      code: error.code,
      message: error.message,
      details: error.details.map((d) => ({ path: `events.${index}${d.path ? `.${d.path}` : ''}`, message: d.message })),
    },
  };
}

/** `POST /api/v1/events` (one event) and `POST /api/v1/events/batch` (each item on its own). */
export function eventRoutes(routes: RouteTable, deps: IngestDeps): void {
  routes.add(IngestEventRoute, async ({ body }, _req, res) => {
    const [result] = await ingestEvents(deps, principalOf(res), [body]);
    if (!result!.ok) throw result!.error;
    res.status(result!.value.duplicate ? 200 : 202).json(result!.value);
  });

  routes.add(IngestBatchRoute, async ({ body }, _req, res) => {
    // An invalid item is refused alone; the valid ones are stored together, in one statement.
    const results: IngestResult[] = new Array(body.events.length);
    const valid: { index: number; event: EventIn }[] = [];
    body.events.forEach((item, index) => {
      const parsed = EventInSchema.safeParse(item);
      if (parsed.success) valid.push({ index, event: parsed.data });
      else results[index] = { ok: false, error: AppError.badRequest('The event is not valid.', zodDetails(parsed.error)) };
    });
    deps.onResults?.(results.filter(Boolean));
    const ingested = await ingestEvents(deps, principalOf(res), valid.map((v) => v.event));
    valid.forEach(({ index }, k) => {
      results[index] = ingested[k]!;
    });
    res.status(202).json({ results: results.map((r, i) => (r.ok ? r.value : itemError(r.error, i))) });
  });
}

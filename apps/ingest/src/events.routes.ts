import { AppError } from '@herald/core';
import { principalOf, rawBodyText, zodDetails, type RouteTable } from '@herald/http';
import { EventInSchema, IngestBatchRoute, IngestEventRoute } from '@herald/schemas';
import { ingestEvents, type IngestDeps, type IngestItem, type IngestResult } from './ingest-events.js';
import { batchPayloadTexts, singlePayloadText, storedPayloadText } from './payload-text.js';

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
  // Payloads are stored as the producer's own JSON text (key order, escapes, number formatting),
  // found in the raw body and checked against what the parser made of it.
  routes.add(IngestEventRoute, async ({ body }, req, res) => {
    const raw = rawBodyText(res);
    const payload = storedPayloadText(raw === undefined ? undefined : singlePayloadText(raw), (req.body as { payload: unknown }).payload);
    const [result] = await ingestEvents(deps, principalOf(res), [{ event: body, payload }]);
    if (!result!.ok) throw result!.error;
    res.status(result!.value.duplicate ? 200 : 202).json(result!.value);
  });

  routes.add(IngestBatchRoute, async ({ body }, _req, res) => {
    // An invalid item is refused alone; the valid ones are stored together, in one statement.
    const results: IngestResult[] = new Array(body.events.length);
    const valid: (IngestItem & { index: number })[] = [];
    const raw = rawBodyText(res);
    const texts = raw === undefined ? [] : batchPayloadTexts(raw);
    body.events.forEach((item, index) => {
      const parsed = EventInSchema.safeParse(item);
      if (parsed.success) valid.push({ index, event: parsed.data, payload: storedPayloadText(texts[index], (item as { payload: unknown }).payload) });
      else results[index] = { ok: false, error: AppError.badRequest('The event is not valid.', zodDetails(parsed.error)) };
    });
    deps.onResults?.(results.filter(Boolean));
    const ingested = await ingestEvents(deps, principalOf(res), valid);
    valid.forEach(({ index }, k) => {
      results[index] = ingested[k]!;
    });
    res.status(202).json({ results: results.map((r, i) => (r.ok ? r.value : itemError(r.error, i))) });
  });
}

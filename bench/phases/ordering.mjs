// Phase 7: what ordered delivery costs. One endpoint, batch ingest, the worker at the
// one-endpoint concurrency: unordered, then `ordering: "fifo"` with every event on the
// endpoint's one default key (the worst case: strictly one delivery at a time), interleaved
// run by run. → results.ordering
import { heraldThroughput } from '../lib/measure.mjs';
import { callJson } from '../lib/util.mjs';

async function runOrdering(ctx) {
  const { P, results, herald } = ctx;
  await herald.workerConcurrency(P.concurrencyOne);
  const unordered = ctx.tenants.ordnone ?? (await ctx.tenant('ordnone', 1));
  const fifo = ctx.tenants.ordfifo ?? (await ctx.tenant('ordfifo', 1));
  await callJson(herald.url('api'), 'PATCH', `/api/v1/endpoints/${fifo.endpointIds[0]}`, { token: fifo.admin, body: { ordering: 'fifo' } });
  const out = (results.ordering = { events: P.orderingEvents, concurrency: P.concurrencyOne, batchSize: P.batchSize, none: [], fifo: [] });
  for (let r = 1; r <= P.runs; r++) {
    out.none.push(await heraldThroughput(ctx, unordered, { batch: true, events: P.orderingEvents, label: `ordering none, run ${r}/${P.runs} (${P.orderingEvents} events)` }));
    out.fifo.push(await heraldThroughput(ctx, fifo, { batch: true, events: P.orderingEvents, label: `ordering fifo (one key), run ${r}/${P.runs} (${P.orderingEvents} events)` }));
  }
}

export const ordering = { name: 'ordering', run: runOrdering };

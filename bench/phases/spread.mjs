// Phase 7: spread work. The same number of events to 1 endpoint and spread over many endpoints
// (each event to the next of P.spreadEndpoints, each with its own event type), single events
// and batches, interleaved, the worker the same in both (HERALD_WORKER_CONCURRENCY=P.concurrencyOne).
// What it shows: whether an endpoint that gets one event costs the worker more than the next
// event of a busy endpoint. → results.spread
import { heraldThroughput } from '../lib/measure.mjs';
import { eventsFor } from '../lib/params.mjs';

async function runSpread(ctx) {
  const { P, results, herald } = ctx;
  const one = ctx.tenants.tp1 ?? (await ctx.tenant('tp1', 1));
  const many = ctx.tenants.spread ?? (await ctx.tenant('spread', P.spreadEndpoints));
  await herald.workerConcurrency(P.concurrencyOne);
  const out = (results.spread = { endpoints: P.spreadEndpoints, workerConcurrency: P.concurrencyOne, setup: many.setup, eventsPerRun: {}, scenarios: {} });
  const modes = { single: false, batch: true };
  for (const [mode, batch] of Object.entries(modes)) {
    // As many events as the calibrated 1-endpoint rate delivers in runSeconds (phase 1's figure when it ran).
    const known = results.throughput?.eventsPerRun?.[batch ? 'herald1Batch' : 'herald1Single'];
    const cal = known ? null : await heraldThroughput(ctx, one, { batch, events: P.calibrationEvents, label: `spread: 1 endpoint, ${mode}: calibration (not counted)` });
    const events = known ?? eventsFor(P, cal.rate);
    out.eventsPerRun[mode] = events;
    // Warm the many endpoints' caches and queues once, as the 1 endpoint's were by the calibration.
    await heraldThroughput(ctx, many, { batch, events: Math.min(events, P.spreadEndpoints * 2), label: `spread: ${P.spreadEndpoints} endpoints, ${mode}: warm-up (not counted)` });
    for (let r = 1; r <= P.runs; r++) {
      for (const [key, tenant] of [[`one_${mode}`, one], [`many_${mode}`, many]]) {
        const where = tenant === one ? '1 endpoint' : `${P.spreadEndpoints} endpoints`;
        (out.scenarios[key] ??= []).push(await heraldThroughput(ctx, tenant, { batch, events, label: `spread: ${where}, ${mode} events, run ${r}/${P.runs} (${events} events)` }));
      }
    }
  }
}

export const spread = { name: 'spread', run: runSpread };

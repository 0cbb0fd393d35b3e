// Phase 8: the worker fleet. 100 endpoints, batch ingest (the scenario where the worker is the
// busiest process), delivered by 1 worker process and by 2 sharing the work (the second warmed
// up before each of its runs), interleaved: the
// rate and the worker CPU per event, so coordination between processes shows as CPU.
// → results.fleet
import { heraldThroughput } from '../lib/measure.mjs';
import { eventsFor } from '../lib/params.mjs';

async function runFleet(ctx) {
  const { P, results, herald } = ctx;
  const tp100 = ctx.tenants.tp100 ?? (await ctx.tenant('tp100', 100));
  await herald.workerConcurrency(P.concurrencyMany);
  const known = results.throughput?.eventsPerRun?.herald100Batch;
  const cal = known ? null : await heraldThroughput(ctx, tp100, { batch: true, events: P.calibrationEvents, label: 'fleet: calibration (not counted)' });
  const events = known ?? eventsFor(P, cal.rate);
  const out = (results.fleet = { endpoints: 100, workerConcurrency: P.concurrencyMany, events, scenarios: { one: [], two: [] } });
  for (let r = 1; r <= P.runs; r++) {
    out.scenarios.one.push(await heraldThroughput(ctx, tp100, { batch: true, events, label: `fleet: 1 worker process, run ${r}/${P.runs} (${events} events)` }));
    await herald.start(['worker2'], { concurrency: P.concurrencyMany });
    // The new process warms up (JIT, endpoint cache, PostgreSQL pool) before it is measured, as the first did long ago.
    await heraldThroughput(ctx, tp100, { batch: true, events: P.calibrationEvents, label: 'fleet: 2 worker processes, warm-up (not counted)' });
    out.scenarios.two.push(await heraldThroughput(ctx, tp100, { batch: true, events, label: `fleet: 2 worker processes, run ${r}/${P.runs} (${events} events)` }));
    await herald.stop(['worker2']);
  }
}

export const fleet = { name: 'fleet', run: runFleet };

// Phase 8: the worker fleet. 100 endpoints, batch ingest (the scenario where the worker is the
// busiest process), delivered by 1 worker process and by 2 sharing the work (the second warmed
// up before each of its runs), interleaved: the rate and the worker CPU per event, and what each
// run asked of the shared parts (Redis commands, PostgreSQL commits) and of the workers' garbage
// collectors, so coordination between processes shows apart from the second process's own costs.
// → results.fleet
import { readFileSync } from 'node:fs';
import { commandCalls } from '../lib/infra.mjs';
import { heraldThroughput } from '../lib/measure.mjs';
import { eventsFor } from '../lib/params.mjs';
import { watchRuntime } from '../lib/runtime-metrics.mjs';

/** Times the kernel took a core from these processes' main threads while they had work (/proc/<pid>/status) so far. */
function preemptions(pids) {
  let total = 0;
  for (const pid of pids) total += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return total;
}

/**
 * A throughput run with what it asked of the shared parts: Redis commands (INFO commandstats,
 * which counts those scripts run too, so a fetch script is its commands, not one EVALSHA),
 * PostgreSQL commits, and the worker processes' GC pauses (their /metrics) and preemptions.
 */
async function measuredRun(ctx, tenant, workers, options) {
  const runtime = await watchRuntime(Object.fromEntries(workers.map((name) => [name, ctx.herald.url(name)])));
  const pids = workers.map((name) => ctx.herald.pids()[name]);
  const preemptionsBefore = preemptions(pids);
  const [redisBefore, commitsBefore] = await Promise.all([commandCalls(ctx.redis), ctx.commits()]);
  const run = await heraldThroughput(ctx, tenant, options);
  const [redisAfter, commitsAfter, gc] = await Promise.all([commandCalls(ctx.redis), ctx.commits(), runtime.stop()]);
  const preemptionsAfter = preemptions(pids);
  const pauses = Object.values(gc).map((service) => service.gc);
  run.work = {
    redisCommands: redisAfter.total - redisBefore.total,
    commits: commitsAfter - commitsBefore,
    // Null when a worker's /metrics did not answer: a partial sum would read as a cheaper run.
    gcPauses: pauses.length === workers.length ? pauses.reduce((n, p) => n + p.count, 0) : null,
    gcMs: pauses.length === workers.length ? pauses.reduce((n, p) => n + p.ms, 0) : null,
    preemptions: preemptionsAfter - preemptionsBefore,
  };
  return run;
}

async function runFleet(ctx) {
  const { P, results, herald } = ctx;
  const tp100 = ctx.tenants.tp100 ?? (await ctx.tenant('tp100', 100));
  await herald.workerConcurrency(P.concurrencyMany);
  const known = results.throughput?.eventsPerRun?.herald100Batch;
  const cal = known ? null : await heraldThroughput(ctx, tp100, { batch: true, events: P.calibrationEvents, label: 'fleet: calibration (not counted)' });
  const events = known ?? eventsFor(P, cal.rate);
  const out = (results.fleet = { endpoints: 100, workerConcurrency: P.concurrencyMany, events, scenarios: { one: [], two: [] } });
  for (let r = 1; r <= P.runs; r++) {
    out.scenarios.one.push(await measuredRun(ctx, tp100, ['worker'], { batch: true, events, label: `fleet: 1 worker process, run ${r}/${P.runs} (${events} events)` }));
    await herald.start(['worker2'], { concurrency: P.concurrencyMany });
    // The new process warms up (JIT, endpoint cache, PostgreSQL pool) before it is measured, as the first did long ago.
    await heraldThroughput(ctx, tp100, { batch: true, events: P.calibrationEvents, label: 'fleet: 2 worker processes, warm-up (not counted)' });
    out.scenarios.two.push(
      await measuredRun(ctx, tp100, ['worker', 'worker2'], { batch: true, events, label: `fleet: 2 worker processes, run ${r}/${P.runs} (${events} events)` }),
    );
    await herald.stop(['worker2']);
  }
}

export const fleet = { name: 'fleet', run: runFleet };

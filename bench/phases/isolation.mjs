// Phase 3: isolation. Many endpoints, one answering after slowMs and one returning 500;
// healthy endpoints' latency compared with control runs where all answer at once.
// → results.isolation
import { log } from '../lib/log.mjs';
import { heraldThroughput, latencyRun, niceRate } from '../lib/measure.mjs';

async function runIsolation(ctx) {
  const { P, results, herald } = ctx;
  await herald.workerConcurrency(P.concurrencyMany);
  log(`  creating ${P.isoEndpoints} endpoints (each with its own event type) through the api`);
  const iso = ctx.tenants.iso ?? (await ctx.tenant('iso', P.isoEndpoints));
  const [slow, failing] = [iso.paths[0], iso.paths[1]];
  // Each event goes to one endpoint. 10 % go to the slow endpoint and 10 % to the failing one (so
  // they are really busy), the other 80 % round-robin over the healthy ones; the same in every run.
  const badShare = 0.1;
  const healthyTypes = iso.types.slice(2);
  const schedule = [];
  const slots = Math.ceil(healthyTypes.length / (1 - 2 * badShare));
  for (let i = 0, h = 0; i < slots; i++) {
    if (i % 10 === 0) schedule.push(iso.types[0]);
    else if (i % 10 === 5) schedule.push(iso.types[1]);
    else schedule.push(healthyTypes[h++ % healthyTypes.length]);
  }
  const badTypes = new Set(iso.types.slice(0, 2));
  log(`  api created ${iso.setup.eventTypesPerSecond.toFixed(0)} event types/s, ${iso.setup.endpointsPerSecond.toFixed(0)} endpoints/s`);
  // Capacity with this many endpoints (each event starts a Worker for its endpoint): a short closed-loop run.
  await ctx.recv('POST', '/config', { exclude: [], behaviors: {} });
  const cal = await heraldThroughput(ctx, iso, { batch: false, events: P.calibrationEvents, label: `isolation capacity calibration, ${P.isoEndpoints} endpoints` });
  const rate = P.isoRate <= cal.rate * 0.5 ? P.isoRate : niceRate(cal.rate * 0.5);
  const out = (results.isolation = {
    endpoints: P.isoEndpoints,
    askedRate: P.isoRate,
    rate,
    capacity: cal.rate,
    durationMs: P.isoMs,
    warmupMs: P.isoWarmupMs,
    slowMs: P.slowMs,
    badShare,
    workerConcurrency: herald.concurrency,
    setup: iso.setup,
    control: [],
    bad: [],
  });
  if (rate !== P.isoRate) log(`  ${P.isoRate}/s is above half of this setup's capacity (${cal.rate.toFixed(0)}/s): running at ${rate}/s`);
  for (let r = 1; r <= P.runs; r++) {
    for (const mode of ['control', 'bad']) {
      await ctx.recv('POST', '/config', {
        exclude: [slow, failing],
        behaviors: mode === 'bad' ? { [slow]: { delayMs: P.slowMs }, [failing]: { status: 500 } } : {},
      });
      await ctx.truncate();
      out[mode].push(
        await latencyRun(ctx, {
          target: herald.url('ingest'),
          token: iso.ingest,
          types: schedule,
          rate,
          durationMs: P.isoMs,
          warmupMs: P.isoWarmupMs,
          healthy: (type) => !badTypes.has(type),
          label: `isolation ${mode === 'bad' ? 'with a slow and a failing endpoint' : 'control (all healthy)'}, ${rate}/s, run ${r}/${P.runs}`,
          pids: () => herald.pids(),
        }),
      );
    }
  }
  await ctx.recv('POST', '/config', { exclude: [], behaviors: {} });
}

export const isolation = { name: 'isolation', run: runIsolation };

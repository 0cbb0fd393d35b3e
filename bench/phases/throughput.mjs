// Phase 1 (+ 6, the bare pipeline): maximum sustained rate, fully logged. Herald with 1 and
// 100 endpoints × single-event and batch ingest, each Herald run followed by a baseline run of
// the same ingest mode (so every ratio pairs runs minutes apart at most); each scenario sized by
// a calibration run. → results.throughput
import { baselineThroughput, heraldThroughput } from '../lib/measure.mjs';
import { eventsFor } from '../lib/params.mjs';

async function runThroughput(ctx) {
  const { P, results, herald, baseline } = ctx;
  const tp1 = ctx.tenants.tp1 ?? (await ctx.tenant('tp1', 1));
  const tp100 = ctx.tenants.tp100 ?? (await ctx.tenant('tp100', 100));
  const out = (results.throughput = {
    workerConcurrency: { oneEndpoint: P.concurrencyOne, hundredEndpoints: P.concurrencyMany, baseline: P.baselineConcurrency },
    calibration: {},
    eventsPerRun: {},
    scenarios: {},
  });
  const label = {
    herald1Single: 'Herald 1 endpoint, single events',
    herald1Batch: `Herald 1 endpoint, batches of ${P.batchSize}`,
    herald100Single: 'Herald 100 endpoints, single events',
    herald100Batch: `Herald 100 endpoints, batches of ${P.batchSize}`,
    baselineSingle: 'baseline single events',
    baselineBatch: `baseline batches of ${P.batchSize}`,
    baselineSingleAt100: 'baseline single events (between the 100-endpoint runs)',
    baselineBatchAt100: `baseline batches of ${P.batchSize} (between the 100-endpoint runs)`,
  };
  const runners = {
    herald1Single: (events, l, extra) => heraldThroughput(ctx, tp1, { batch: false, events, label: l, ...extra }),
    herald1Batch: (events, l) => heraldThroughput(ctx, tp1, { batch: true, events, label: l }),
    herald100Single: (events, l) => heraldThroughput(ctx, tp100, { batch: false, events, label: l }),
    herald100Batch: (events, l) => heraldThroughput(ctx, tp100, { batch: true, events, label: l }),
    baselineSingle: (events, l) => baselineThroughput(ctx, { batch: false, events, label: l }),
    baselineBatch: (events, l) => baselineThroughput(ctx, { batch: true, events, label: l }),
  };
  // The same baseline runs, kept apart to pair with the 100-endpoint runs.
  runners.baselineSingleAt100 = runners.baselineSingle;
  runners.baselineBatchAt100 = runners.baselineBatch;
  const calibrate = async (key) => {
    const run = await runners[key](P.calibrationEvents, `${label[key]}: calibration, ${P.calibrationEvents} events (warm-up, not counted)`);
    out.calibration[key] = run.rate;
    out.eventsPerRun[key] = eventsFor(P, run.rate);
  };
  const measure = async (key, r, extra) => {
    (out.scenarios[key] ??= []).push(await runners[key](out.eventsPerRun[key], `${label[key]}, run ${r}/${P.runs} (${out.eventsPerRun[key]} events)`, extra));
  };
  // 1 endpoint (worker concurrency P.concurrencyOne), interleaved with the baseline so both see the same machine.
  const groupOne = baseline.port ? ['herald1Single', 'baselineSingle', 'herald1Batch', 'baselineBatch'] : ['herald1Single', 'herald1Batch'];
  for (const key of groupOne) await calibrate(key);
  for (let r = 1; r <= P.runs; r++) for (const key of groupOne) await measure(key, r, key === 'herald1Single' ? { sizes: true } : undefined);
  // 100 endpoints: the worker restarted with the default per-endpoint concurrency. The baseline
  // runs again in between, as many events per run as before: compared with the runs above, the
  // 100-endpoint ratios would carry whatever the machine's load did meanwhile.
  await herald.stop(['worker']);
  await herald.start(['worker'], { concurrency: P.concurrencyMany });
  for (const key of ['herald100Single', 'herald100Batch']) await calibrate(key);
  out.eventsPerRun.baselineSingleAt100 = out.eventsPerRun.baselineSingle;
  out.eventsPerRun.baselineBatchAt100 = out.eventsPerRun.baselineBatch;
  const groupHundred = baseline.port ? ['herald100Single', 'baselineSingleAt100', 'herald100Batch', 'baselineBatchAt100'] : ['herald100Single', 'herald100Batch'];
  for (let r = 1; r <= P.runs; r++) for (const key of groupHundred) await measure(key, r);
}

export const throughput = { name: 'throughput', usesBaseline: true, run: runThroughput };

// Phase 2 (+ 6, the bare pipeline): ingest-to-receipt latency at fixed rates, open loop.
// Rates above a share of Herald's measured maximum have no steady state: one short run each.
// → results.latency
import { log } from '../lib/log.mjs';
import { heraldThroughput, latencyRun, niceRate } from '../lib/measure.mjs';
import { mmm } from '../lib/util.mjs';
import { TARGETS } from '../report/latency.mjs';

/** Herald's measured maximum for single-event ingest (the slower of 1 and 100 endpoints), or a calibration on `tenant`. */
async function capacity(ctx, tenant, { batch = false } = {}) {
  const sc = ctx.results.throughput?.scenarios ?? {};
  const med = (key) => mmm((sc[key] ?? []).map((r) => r.rate)).median;
  const keys = batch ? ['herald1Batch', 'herald100Batch'] : ['herald1Single', 'herald100Single'];
  const known = keys.map(med).filter((v) => Number.isFinite(v));
  if (known.length) return { rate: Math.min(...known), source: `median of phase 1 (${keys.join(', ')})` };
  const run = await heraldThroughput(ctx, tenant, { batch, events: ctx.P.calibrationEvents, label: `capacity calibration (${batch ? 'batches' : 'single events'})` });
  return { rate: run.rate, source: `calibration run of ${ctx.P.calibrationEvents} events` };
}

async function runLatency(ctx) {
  const { P, results, herald, baseline } = ctx;
  const lat = ctx.tenants.lat ?? (await ctx.tenant('lat', P.latencyEndpoints));
  await herald.workerConcurrency(P.concurrencyMany);
  const cap = await capacity(ctx, lat);
  const limit = cap.rate * P.sustainableShare;
  const plan = P.latencyRates.map((rate) => ({ rate, overloaded: rate > limit, extra: false }));
  if (plan.every((p) => p.overloaded)) {
    // None of the asked rates can be sustained here: add one that can, so there is a steady-state figure.
    plan.unshift({ rate: niceRate(cap.rate * 0.5), overloaded: false, extra: true });
  }
  const baselineCapacity = mmm((results.throughput?.scenarios?.baselineSingle ?? []).map((r) => r.rate)).median;
  const out = (results.latency = {
    endpoints: P.latencyEndpoints,
    workerConcurrency: P.concurrencyMany,
    durationMs: P.latencyMs,
    warmupMs: P.warmupMs,
    overloadMs: P.overloadMs,
    capacity: cap,
    sustainableLimit: limit,
    plan,
    herald: {},
    baseline: {},
    baselineOverloaded: Number.isFinite(baselineCapacity) ? 500 > baselineCapacity * P.sustainableShare : null,
  });
  log(`  Herald capacity ${cap.rate.toFixed(0)} events/s (${cap.source}): steady-state rates ≤ ${limit.toFixed(0)}/s; ${plan.map((p) => `${p.rate}/s ${p.overloaded ? 'overloaded (1 short run)' : p.extra ? 'added' : ''}`).join(', ')}`);
  const run = (rate, r, extra = {}) =>
    latencyRun(ctx, {
      target: herald.url('ingest'),
      token: lat.ingest,
      types: lat.types,
      rate,
      durationMs: P.latencyMs,
      warmupMs: P.warmupMs,
      label: `Herald ${rate}/s, run ${r}`,
      pids: () => herald.pids(),
      runtime: { ingest: herald.url('ingest'), worker: herald.url('worker') },
      commits: true,
      ...extra,
    });
  for (let r = 1; r <= P.runs; r++) {
    for (const { rate } of plan.filter((p) => !p.overloaded)) {
      await ctx.truncate();
      (out.herald[rate] ??= []).push(await run(rate, `${r}/${P.runs}`));
    }
    if (baseline.port) {
      // The bare pipeline at 500/s, and at every steady rate Herald ran below 500/s (like for like).
      const baselineRates = [...new Set([...plan.filter((p) => !p.overloaded && p.rate < 500).map((p) => p.rate), 500])];
      for (const rate of baselineRates) {
        (out.baseline[rate] ??= []).push(
          await latencyRun(ctx, {
            target: baseline.url,
            types: ['baseline.event'],
            rate,
            durationMs: P.latencyMs,
            warmupMs: P.warmupMs,
            label: `baseline ${rate}/s, run ${r}/${P.runs}`,
            pids: () => baseline.pids(),
          }),
        );
      }
    }
  }
  // Overloaded rates last, one short run each: the backlog they leave is cleared by the truncate.
  for (const { rate } of plan.filter((p) => p.overloaded)) {
    await ctx.truncate();
    (out.herald[rate] ??= []).push(
      await run(rate, `overloaded, 1 run of ${P.overloadMs / 1000} s`, { durationMs: P.overloadMs, warmupMs: 0, overloaded: true, drainMs: P.runTimeoutMs }),
    );
  }
  out.limit = await findLimit(ctx, out, run);
}

/**
 * Where the receipt p99 target is missed at its rate: the measured limit, the highest of
 * P.limitRates (below that rate and steady) whose p99 meets it. Rates measured above count with
 * their median; others get one run each, highest first, until one meets the target.
 */
async function findLimit(ctx, out, run) {
  const { P } = ctx;
  const p99Of = (runs) => mmm(runs.map((r) => r.latency.p99)).median;
  const steady = (rate) => out.herald[rate] && !out.plan.find((p) => p.rate === rate)?.overloaded;
  const target = TARGETS.p99Rate;
  if (steady(target) && p99Of(out.herald[target]) <= TARGETS.p99) return null;
  const tried = [];
  let limitRate = null;
  const rates = [...new Set([...P.limitRates, ...out.plan.filter((p) => steady(p.rate)).map((p) => p.rate)])]
    .filter((rate) => rate < target && rate <= out.sustainableLimit)
    .sort((a, b) => b - a);
  for (const rate of rates) {
    let runs = out.herald[rate];
    if (!runs) {
      await ctx.truncate();
      runs = [await run(rate, '1 (limit search)')];
    }
    const p99 = p99Of(runs);
    tried.push({ rate, p99, runs });
    if (p99 <= TARGETS.p99) {
      limitRate = rate;
      break;
    }
  }
  log(`  receipt p99 ≤ ${TARGETS.p99} ms: ${limitRate === null ? `not met at any rate tried (${tried.map((t) => `${t.rate}/s`).join(', ')})` : `met up to ${limitRate}/s`}`);
  return { p99Ms: TARGETS.p99, rate: target, limitRate, tried };
}

export const latency = { name: 'latency', usesBaseline: true, run: runLatency };

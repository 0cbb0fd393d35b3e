// The report of the spread phase: the same events to 1 endpoint and spread over many,
// interleaved; the ≥ 70 % target, its headline and section.
import { fmt, fmtMmm, mdTable, mmm, pct } from '../lib/util.mjs';

export const TARGETS = { spreadRatio: 0.7 };

const MODES = { single: 'single events', batch: 'batches' };

/** CPU ms of the worker per delivered event, median of runs. */
const workerCpu = (runs) => mmm(runs.map((r) => (r.resources?.cpu?.worker ?? NaN) / r.delivered)).median;

/** s.spread[mode] = { one, many (rates), ratio (per run pair), cpu one/many (worker ms per event) }. */
export function summarize(results, s) {
  const sp = results.spread;
  if (!sp) return;
  s.spread = {};
  for (const mode of Object.keys(MODES)) {
    const one = sp.scenarios[`one_${mode}`] ?? [];
    const many = sp.scenarios[`many_${mode}`] ?? [];
    if (!one.length || !many.length) continue;
    const pairs = many.map((r, i) => (one[i] ? r.rate / one[i].rate : null)).filter((x) => x !== null);
    s.spread[mode] = {
      one: mmm(one.map((r) => r.rate)),
      many: mmm(many.map((r) => r.rate)),
      ratio: mmm(pairs),
      workerCpuOne: workerCpu(one),
      workerCpuMany: workerCpu(many),
      complete: [...one, ...many].every((r) => r.complete),
      duplicates: many.reduce((n, r) => n + (r.receiver?.duplicates ?? 0), 0),
    };
  }
}

export function targets(results, s) {
  const out = [];
  for (const [mode, label] of Object.entries(MODES)) {
    const x = s.spread?.[mode];
    if (!x) continue;
    out.push({
      name: `events spread over ${fmt(results.spread.endpoints)} endpoints deliver at ≥ ${TARGETS.spreadRatio * 100} % of the 1-endpoint rate — ${label}`,
      value: `${pct(x.ratio.median)} (${pct(x.ratio.min)}–${pct(x.ratio.max)}): ${fmt(x.many.median, 0)}/s vs ${fmt(x.one.median, 0)}/s`,
      pass: x.complete && x.ratio.median >= TARGETS.spreadRatio,
    });
  }
  return out;
}

export function headlines(results, s) {
  const x = s.spread;
  if (!x?.single) return [];
  const parts = Object.entries(MODES)
    .filter(([mode]) => x[mode])
    .map(([mode, label]) => `${label} ${fmt(x[mode].many.median, 0)}/s vs ${fmt(x[mode].one.median, 0)}/s (${pct(x[mode].ratio.median)})`);
  return [`**Spread work:** events each to the next of ${fmt(results.spread.endpoints)} endpoints vs all to 1 endpoint, same run: ${parts.join('; ')}.`];
}

export function section(results, s) {
  const sp = results.spread;
  if (!sp || !s.spread) return [];
  const L = [];
  L.push(`## Spread work: 1 endpoint vs ${fmt(sp.endpoints)} endpoints`);
  L.push('');
  L.push(
    `The same number of events per run, all to 1 endpoint or each to the next of ${fmt(sp.endpoints)} endpoints (one tenant, each endpoint subscribed to its own event type, created through the api at ${fmt(sp.setup?.endpointsPerSecond, 0)}/s), single events and batches of ${results.params.batchSize}. The runs alternate (1 endpoint, then ${fmt(sp.endpoints)}) so both see the same machine; one warm-up run over the ${fmt(sp.endpoints)} endpoints first (endpoint cache, queues), as the 1-endpoint scenario had its calibration. One worker process, HERALD_WORKER_CONCURRENCY=${sp.workerConcurrency} in both. Rate as in section 1 (first send → last delivery \`delivered\` in PostgreSQL).`,
  );
  L.push('');
  L.push(
    mdTable(
      ['Ingest', 'Events per run', '1 endpoint, events/s', `${fmt(sp.endpoints)} endpoints, events/s`, 'ratio (per run pair)', 'worker CPU ms/event, 1 → many', 'duplicates'],
      Object.entries(MODES)
        .filter(([mode]) => s.spread[mode])
        .map(([mode, label]) => {
          const x = s.spread[mode];
          return [label, fmt(sp.eventsPerRun[mode]), fmtMmm(x.one, 0), fmtMmm(x.many, 0), `${pct(x.ratio.median)} (${pct(x.ratio.min)}–${pct(x.ratio.max)})`, `${fmt(x.workerCpuOne, 2)} → ${fmt(x.workerCpuMany, 2)}`, fmt(x.duplicates)];
        }),
    ),
  );
  L.push('');
  return L;
}

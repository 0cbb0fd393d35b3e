// The report of the fleet phase (8): 1 vs 2 worker processes sharing 100 endpoints; its
// headline and section 8.
import { fmt, fmtMmm, mdTable, mmm, pct } from '../lib/util.mjs';

/** Worker CPU (every worker process) per delivered event, ms. */
const workerCpuPerEvent = (r) => ((r.resources?.cpu?.worker ?? 0) + (r.resources?.cpu?.worker2 ?? 0)) / r.delivered;

/** s.fleet = { one, two: { rate, cpu, redisCpu }, rateRatio, cpuRatio }. */
export function summarize(results, s) {
  const f = results.fleet;
  if (!f?.scenarios?.one?.length || !f.scenarios.two?.length) return;
  const of = (runs) => ({
    rate: mmm(runs.map((r) => r.rate)),
    cpu: mmm(runs.map(workerCpuPerEvent)),
    redisCpu: mmm(runs.map((r) => (r.resources?.cpu?.redis ?? NaN) / r.delivered)),
    complete: runs.every((r) => r.complete),
    duplicates: runs.reduce((n, r) => n + (r.receiver?.duplicates ?? 0), 0),
  });
  const one = of(f.scenarios.one);
  const two = of(f.scenarios.two);
  s.fleet = {
    one,
    two,
    rateRatio: mmm(f.scenarios.two.map((r, i) => r.rate / f.scenarios.one[i].rate)),
    cpuRatio: two.cpu.median / one.cpu.median,
  };
}

export function headlines(results, s) {
  const x = s.fleet;
  if (!x) return [];
  return [
    `**Worker fleet:** 2 worker processes sharing 100 endpoints deliver ${fmt(x.two.rate.median, 0)}/s vs ${fmt(x.one.rate.median, 0)}/s with 1 (${pct(x.rateRatio.median)} per run pair, on ${results.machine.nproc} cores), using ${fmt(x.two.cpu.median, 2)} vs ${fmt(x.one.cpu.median, 2)} ms of worker CPU per event (${pct(x.cpuRatio)}): what coordination costs.`,
  ];
}

export function section(results, s) {
  const f = results.fleet;
  if (!f || !s.fleet) return [];
  const x = s.fleet;
  const L = [];
  L.push('## 8. The worker fleet: 1 vs 2 worker processes');
  L.push('');
  L.push(
    `100 endpoints, batches of ${results.params.batchSize} (the scenario where the worker is the busiest process), ${fmt(f.events)} events per run, HERALD_WORKER_CONCURRENCY=${f.workerConcurrency} per endpoint across the fleet. Runs alternate between 1 worker process and 2 (the second started before its run, stopped after), so both see the same machine. Worker CPU counts every worker process. On a ${results.machine.nproc}-core machine that also runs ingest, PostgreSQL, Redis, the receiver and the load generator, a second process cannot add cores: the figure to read is the CPU per event — what sharing endpoints, leases and the ready set between processes costs.`,
  );
  L.push('');
  L.push(
    mdTable(
      ['Worker processes', 'Delivered events/s', 'Worker CPU ms per event', 'Redis CPU ms per event', 'Complete', 'Duplicates'],
      [
        ['1', fmtMmm(x.one.rate, 0), fmtMmm(x.one.cpu, 2), fmtMmm(x.one.redisCpu, 2), x.one.complete ? 'yes' : 'no', fmt(x.one.duplicates)],
        ['2', fmtMmm(x.two.rate, 0), fmtMmm(x.two.cpu, 2), fmtMmm(x.two.redisCpu, 2), x.two.complete ? 'yes' : 'no', fmt(x.two.duplicates)],
      ],
    ),
  );
  L.push('');
  L.push(`2 vs 1: rate ${pct(x.rateRatio.median)} (${pct(x.rateRatio.min)}–${pct(x.rateRatio.max)} per run pair), worker CPU per event ${pct(x.cpuRatio)}.`);
  L.push('');
  return L;
}

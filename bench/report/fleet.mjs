// The report of the fleet phase: 1 vs 2 worker processes sharing 100 endpoints; its
// headline and section.
import { fmt, fmtMmm, mdTable, mmm, pct } from '../lib/util.mjs';

/** Worker CPU (every worker process) per delivered event, ms. */
const workerCpuPerEvent = (r) => ((r.resources?.cpu?.worker ?? 0) + (r.resources?.cpu?.worker2 ?? 0)) / r.delivered;

/** A run's count of `work` (measuredRun in phases/fleet.mjs) per delivered event, or null (runs from before it was counted). */
const workPerEvent = (r, key) => (typeof r.work?.[key] === 'number' ? r.work[key] / r.delivered : null);

/** An mmm() of per-event figures as per 1,000 events. */
const per1000 = (m) => (m.median === null ? m : { ...m, median: 1000 * m.median, min: 1000 * m.min, max: 1000 * m.max });

/** s.fleet = { one, two: { rate, cpu, redisCpu, pgCpu, redisCommands, commits, gcPauses, gcMs, … }, rateRatio, cpuRatio }. */
export function summarize(results, s) {
  const f = results.fleet;
  if (!f?.scenarios?.one?.length || !f.scenarios.two?.length) return;
  const of = (runs) => ({
    rate: mmm(runs.map((r) => r.rate)),
    cpu: mmm(runs.map(workerCpuPerEvent)),
    redisCpu: mmm(runs.map((r) => (r.resources?.cpu?.redis ?? NaN) / r.delivered)),
    pgCpu: mmm(runs.map((r) => (r.resources?.cpu?.['postgres (bench db)'] ?? NaN) / r.delivered)),
    redisCommands: mmm(runs.map((r) => workPerEvent(r, 'redisCommands'))),
    commits: mmm(runs.map((r) => workPerEvent(r, 'commits'))),
    gcPauses: mmm(runs.map((r) => workPerEvent(r, 'gcPauses'))),
    gcMs: mmm(runs.map((r) => workPerEvent(r, 'gcMs'))),
    preemptions: mmm(runs.map((r) => workPerEvent(r, 'preemptions'))),
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
  const shared =
    x.one.redisCommands.median === null || x.two.redisCommands.median === null
      ? ': what coordination costs'
      : `; the shared parts' work per event, which is what coordination costs: ${fmt(x.two.redisCommands.median, 1)} vs ${fmt(x.one.redisCommands.median, 1)} Redis commands, ${fmt(per1000(x.two.commits).median, 0)} vs ${fmt(per1000(x.one.commits).median, 0)} PostgreSQL commits per 1,000 events`;
  return [
    `**Worker fleet:** 2 worker processes sharing 100 endpoints deliver ${fmt(x.two.rate.median, 0)}/s vs ${fmt(x.one.rate.median, 0)}/s with 1 (${pct(x.rateRatio.median)} per run pair, on ${results.machine.nproc} cores), using ${fmt(x.two.cpu.median, 2)} vs ${fmt(x.one.cpu.median, 2)} ms of worker CPU per event (${pct(x.cpuRatio)})${shared}.`,
  ];
}

export function section(results, s) {
  const f = results.fleet;
  if (!f || !s.fleet) return [];
  const x = s.fleet;
  const L = [];
  L.push('## The worker fleet: 1 vs 2 worker processes');
  L.push('');
  L.push(
    `100 endpoints, batches of ${results.params.batchSize} (the scenario where the worker is the busiest process), ${fmt(f.events)} events per run, HERALD_WORKER_CONCURRENCY=${f.workerConcurrency} per endpoint across the fleet. Runs alternate between 1 worker process and 2 (the second started before its run, stopped after), so both see the same machine. Worker CPU counts every worker process. On a ${results.machine.nproc}-core machine that also runs ingest, PostgreSQL, Redis, the receiver and the load generator, a second process cannot add cores: the figures to read are per event — the workers' CPU, and the work asked of Redis and PostgreSQL, which is what sharing endpoints, leases and the ready set between processes costs.`,
  );
  L.push('');
  const row = (n, x) => [
    n,
    fmtMmm(x.rate, 0),
    fmtMmm(x.cpu, 2),
    fmtMmm(x.gcMs, 2),
    fmtMmm(per1000(x.gcPauses), 0),
    fmtMmm(per1000(x.preemptions), 0),
    fmtMmm(x.redisCpu, 2),
    fmtMmm(x.redisCommands, 1),
    fmtMmm(x.pgCpu, 2),
    fmtMmm(per1000(x.commits), 0),
    x.complete ? 'yes' : 'no',
    fmt(x.duplicates),
  ];
  L.push(
    mdTable(
      [
        'Worker processes',
        'Delivered events/s',
        'Worker CPU ms per event',
        'worker GC pause ms per event',
        'worker GC pauses per 1,000 events',
        'worker preemptions per 1,000 events',
        'Redis CPU ms per event',
        'Redis commands per event',
        'PostgreSQL CPU ms per event',
        'PostgreSQL commits per 1,000 events',
        'Complete',
        'Duplicates',
      ],
      [row('1', x.one), row('2', x.two)],
    ),
  );
  L.push('');
  L.push(`2 vs 1: rate ${pct(x.rateRatio.median)} (${pct(x.rateRatio.min)}–${pct(x.rateRatio.max)} per run pair), worker CPU per event ${pct(x.cpuRatio)}.`);
  L.push('');
  L.push(
    `How to read it: coordination is what the processes ask of the parts they share. Redis commands are every command Redis ran (INFO commandstats: those run inside BullMQ's and Herald's scripts count one by one, ingest's too, which is the same in both rows), and PostgreSQL commits are the bench database's (the statements the worker groups its attempts into, and ingest's; the bench's own queries left out). GC pauses are the worker processes' own (prom-client's \`nodejs_gc_duration_seconds\`, summed over the processes); a pause is wall-clock time, so on a busy machine it includes waiting for a core. Preemptions are the times the kernel took a core from a worker process's main thread while it had work to do (\`nonvoluntary_ctxt_switches\` in /proc/<pid>/status); each is a wait for a core, and caches to fill again afterwards. A second process has a heap of its own to collect and waits for the same ${results.machine.nproc} cores: what it costs beyond the shared parts' work is the price of one more process on them, not of coordination.`,
  );
  if (x.one.gcMs.median !== null && x.two.gcMs.median !== null) {
    const both = (key, scale, decimals) => `${fmt(scale * x.one[key].median, decimals)} and ${fmt(scale * x.two[key].median, decimals)}`;
    L.push('');
    L.push(
      `In this run (medians), 1 process and 2: worker CPU ${both('cpu', 1, 2)} ms per event; GC pauses ${both('gcMs', 1, 2)} ms per event (${both('gcPauses', 1000, 0)} pauses per 1,000 events); the workers' main threads preempted ${both('preemptions', 1000, 0)} times per 1,000 events; Redis ran ${both('redisCommands', 1, 1)} commands per event, and PostgreSQL committed ${both('commits', 1000, 0)} transactions per 1,000 events.`,
    );
  }
  L.push('');
  return L;
}

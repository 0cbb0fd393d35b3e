// The report of the latency phase: per-rate figures, the p99 target, the latency chart
// panel, the headline, its section and notes.
import { barChart, COLORS } from '../lib/svg.mjs';
import { fmt, fmtMmm, mdTable, mmm, pct, pctMmm } from '../lib/util.mjs';

export const TARGETS = { p99: 25, p99Rate: 500, ackP99: 15, ackRate: 250 };

/** CPU of the whole machine (both cores, every process) per event sent during a run, in ms. */
const cpuPerEvent = (r) => (r.resources && r.sent ? r.resources.machine.busyMs / r.sent : null);
/** A run's share of both cores that was `busyMs` (all in use) or `otherMs` (other users' processes). */
const machineShare = (r, field) => (r.resources ? r.resources.machine[field] / r.resources.machine.capacityMs : null);

/** s.latency (Herald, by rate) and s.baselineByRate (the bare pipeline, by rate). */
export function summarize(results, s) {
  s.latency = {};
  const plan = results.latency?.plan ?? [];
  const latencyRates = Object.keys(results.latency?.herald ?? {}).sort((a, b) => Number(a) - Number(b));
  for (const rate of latencyRates) {
    const runs = results.latency.herald[rate];
    const p = plan.find((x) => String(x.rate) === String(rate)) ?? {};
    s.latency[rate] = {
      overloaded: Boolean(p.overloaded),
      extra: Boolean(p.extra),
      ackedRate: mmm(runs.map((r) => r.ackedRate)),
      busy: mmm(runs.map((r) => machineShare(r, 'busyMs'))),
      other: mmm(runs.map((r) => machineShare(r, 'otherMs'))),
      perRun: runs.map((r) => ({ p99: r.latency.p99, other: machineShare(r, 'otherMs') })),
      durationMs: runs[0]?.durationMs,
      p50: mmm(runs.map((r) => r.latency.p50)),
      p99: mmm(runs.map((r) => r.latency.p99)),
      max: mmm(runs.map((r) => r.latency.max)),
      ackP99: mmm(runs.map((r) => r.ack?.p99)),
      lagP99: mmm(runs.map((r) => r.lag?.p99)),
      achieved: mmm(runs.map((r) => r.achievedRate)),
      drained: runs.every((r) => r.drained),
      measured: runs.map((r) => r.measured),
      cpu: runs.map((r) => r.resources),
      cpuPerEvent: mmm(runs.map(cpuPerEvent)),
    };
  }
  s.baselineByRate = {};
  for (const [rate, bl] of Object.entries(results.latency?.baseline ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]))) {
    if (!bl?.length) continue;
    s.baselineByRate[rate] = {
      p50: mmm(bl.map((r) => r.latency.p50)),
      p99: mmm(bl.map((r) => r.latency.p99)),
      max: mmm(bl.map((r) => r.latency.max)),
      ackP99: mmm(bl.map((r) => r.ack?.p99)),
      lagP99: mmm(bl.map((r) => r.lag?.p99)),
      other: mmm(bl.map((r) => machineShare(r, 'otherMs'))),
      ackedRate: mmm(bl.map((r) => r.ackedRate)),
      busy: mmm(bl.map((r) => machineShare(r, 'busyMs'))),
      cpuPerEvent: mmm(bl.map(cpuPerEvent)),
      drained: bl.every((r) => r.drained),
    };
  }
}

export function targets(results, s) {
  const out = [];
  const ack = s.latency[TARGETS.ackRate];
  if (ack) {
    out.push({
      name: `ingest's answer (202) p99 at the producer ≤ ${TARGETS.ackP99} ms at ${TARGETS.ackRate} events/s`,
      value: ack.overloaded ? `overloaded: ${TARGETS.ackRate}/s is above the measured maximum` : fmtMmm(ack.ackP99, 1, ' ms'),
      pass: !ack.overloaded && ack.ackP99.median <= TARGETS.ackP99,
    });
  }
  if (s.latency[TARGETS.p99Rate]) {
    const l = s.latency[TARGETS.p99Rate];
    const limit = results.latency.limit;
    out.push({
      name: `p99 ingest-to-receipt ≤ ${TARGETS.p99} ms at ${TARGETS.p99Rate} events/s`,
      value: l.overloaded
        ? `overloaded: ${TARGETS.p99Rate}/s is above the measured maximum (${fmt(results.latency.capacity.rate, 0)}/s); in a ${l.durationMs / 1000} s burst p99 was ${fmt(l.p99.median / 1000, 1)} s`
        : fmtMmm(l.p99, 1, ' ms'),
      pass: !l.overloaded && l.p99.median <= TARGETS.p99,
      ...(limit ? { note: limitNote(limit) } : {}),
    });
  }
  return out;
}

/** The measured limit in a few words, for the targets table. */
function limitNote(limit) {
  if (limit.limitRate === null) return `not met at any rate tried down to ${limit.tried.at(-1)?.rate ?? '–'}/s; section 2`;
  const met = limit.tried.find((t) => t.rate === limit.limitRate);
  return `measured limit: met up to ${limit.limitRate}/s, p99 ${fmt(met.p99, 1)} ms there; section 2`;
}

/** Machine CPU per event of a run (Herald's or the bare pipeline's), in ms, each process's share of it, and PostgreSQL commits per event. */
function cpuOfRun(r) {
  const cpu = r.resources?.cpu ?? {};
  const per = (names) => names.reduce((sum, name) => sum + (cpu[name] ?? 0), 0) / r.sent;
  return {
    machine: cpuPerEvent(r),
    busy: machineShare(r, 'busyMs'),
    ingest: per(['ingest', 'baseline ingest']),
    worker: per(['worker', 'worker2', 'baseline worker']),
    postgres: per(['postgres (bench db)', 'postgres (background)']),
    redis: per(['redis']),
    bench: per(['receiver', 'loadgen', 'bench orchestrator']),
    commits: r.pgCommits === undefined ? null : r.pgCommits / r.sent,
  };
}

/**
 * The measured limit (where the receipt target is missed at its rate): each rate tried, its
 * p99 and where the machine's CPU went, and what that says holds the latency there.
 */
function limitSection(results) {
  const limit = results.latency?.limit;
  if (!limit) return [];
  const L = [];
  const atTarget = results.latency.herald[limit.rate] ?? [];
  const limitRows = [...(atTarget.length ? [{ rate: limit.rate, p99: mmm(atTarget.map((r) => r.latency.p99)).median, runs: atTarget }] : []), ...limit.tried];
  const row = (label, runs, p99) => {
    const c = runs.map(cpuOfRun);
    const med = (key) => mmm(c.map((x) => x[key])).median;
    return [
      label,
      `${runs.length}`,
      fmt(mmm(runs.map((r) => r.latency.p50)).median, 1),
      fmt(p99, 1),
      fmt(med('machine'), 2),
      pct(med('busy')),
      fmt(med('ingest'), 2),
      fmt(med('worker'), 2),
      fmt(med('postgres'), 2),
      fmt(med('commits'), 2),
      fmt(med('redis'), 2),
      fmt(med('bench'), 2),
    ];
  };
  const rows = limitRows.map((t) =>
    row(
      `${t.rate}/s${t.rate === limit.limitRate ? ' — **limit**' : ''}${results.latency.plan.find((p) => p.rate === t.rate)?.overloaded ? ` (overloaded: a ${results.latency.overloadMs / 1000} s burst)` : ''}`,
      t.runs,
      t.p99,
    ),
  );
  // The bare pipeline at the target's rate, measured in the same phase: what an event costs without Herald.
  const bare = results.latency.baseline?.[limit.rate] ?? [];
  const bareRow = bare.length ? [row(`bare pipeline, ${limit.rate}/s`, bare, mmm(bare.map((r) => r.latency.p99)).median)] : [];
  L.push(`### The measured limit of the receipt target`);
  L.push('');
  L.push(
    `The p99 target (≤ ${limit.p99Ms} ms) is missed at ${limit.rate} events/s here, so lower rates were tried, highest first (one run each; a rate measured above counts with its median), until one met it: ${limit.limitRate === null ? '**none did**' : `**met up to ${limit.limitRate} events/s**`}. Where the machine's CPU went in those runs (ms per event sent, median of the runs; "bench" is the receiver, the load generator and the orchestrator):`,
  );
  L.push('');
  L.push(mdTable(['Rate', 'runs', 'p50 ms', 'p99 ms', 'machine CPU ms per event', 'machine busy', 'ingest', 'worker', 'PostgreSQL', 'PostgreSQL commits per event', 'Redis', 'bench'], [...rows, ...bareRow]));
  L.push('');
  L.push(
    `How to read it: at a fixed rate each event pays its own wake-ups (a request, a statement and its commit, a pop, a fetch, a POST, a completion) in every process, so its CPU costs several times what it does at the maximum rate (section 1). "Machine busy" is the share of both cores in use: the nearer it is to 100 %, the more of an event\'s latency is waiting for a core. The process columns say whose work fills them; "Hot spots" (CPU profiles) below breaks each process down by function. PostgreSQL commits are the transactions Herald's services committed in the bench database over the run (pg_stat_database, the bench's own queries left out), per event sent: at the maximum rate dozens of events share each statement, at a fixed rate few do${bareRow.length ? `. The last row is the bare pipeline at ${limit.rate}/s (section 2's runs; its ingest and worker in those columns): the difference between it and Herald's row at the same rate is what Herald adds to each event` : ''}.`,
  );
  L.push('');
  L.push(...runtimeTable(limitRows.map((t, i) => ({ label: rows[i][0], runs: t.runs }))));
  return L;
}

/**
 * What ingest's and the worker's own event loops went through in each of the limit's rates:
 * the event-loop delay and the garbage collector's pauses (runtime-metrics.mjs), next to
 * ingest's answer p99 as the generator saw it and as ingest's own histograms saw it, with the
 * part spent storing. Empty when no run has them.
 */
function runtimeTable(rates) {
  const figures = (runs, service) => {
    const own = runs.map((r) => r.runtime?.[service]).filter(Boolean);
    const med = (f) => mmm(own.map(f)).median;
    return own.length === 0
      ? ['–', '–', '–']
      : [
          `${fmt(med((x) => x.loopP99Ms), 1)} / ${fmt(med((x) => x.loopMaxMs), 0)}`,
          fmt(med((x) => x.gc.ms / (x.windowMs / 1000)), 1),
          fmt(med((x) => (x.gc.over10ms * 60_000) / x.windowMs), 1),
        ];
  };
  const rows = rates
    .filter(({ runs }) => runs.some((r) => r.runtime))
    .map(({ label, runs }) => {
      const own = (f, service = 'ingest') => fmt(mmm(runs.map((r) => r.runtime?.[service]?.[f] ?? null).filter((v) => v !== null)).median, 1);
      return [label, fmt(mmm(runs.map((r) => r.ack?.p99)).median, 1), own('answerP99Ms'), own('storeP99Ms'), own('queueWaitP99Ms', 'worker'), ...figures(runs, 'ingest'), ...figures(runs, 'worker')];
    });
  if (rows.length === 0) return [];
  return [
    "What ingest's and the worker's own event loops went through in the same runs (median of the runs), read from each service's `/metrics` at the end of the warm-up and again once the load drained: the event-loop delay (Node's `monitorEventLoopDelay`: how much later than due a timer set every 10 ms ran; reset at the window's start) and the garbage collector's pauses (prom-client's default metrics), and ingest's own answer times (`herald_http_request_duration_seconds`, from its code getting the request to the 202) with the part of them spent storing the events (`herald_ingest_store_duration_seconds`: the INSERT and its commit), and how long the jobs waited in Redis for the worker (`herald_delivery_queue_wait_seconds`: from ingest queueing a job after the commit to the worker starting it). Those three are p99s of histograms, interpolated inside their buckets (10, 15, 20, 30, 50 ms, …), so they are approximate.",
    '',
    mdTable(
      ['Rate', 'ingest ack p99 ms (at the producer)', 'answer p99 inside ingest ≈ ms', 'of it, storing p99 ≈ ms', 'jobs waiting in Redis for the worker p99 ≈ ms', 'ingest loop delay p99 / max ms', 'ingest GC pause ms per s', 'ingest GC pauses > 10 ms per min', 'worker loop delay p99 / max ms', 'worker GC pause ms per s', 'worker GC pauses > 10 ms per min'],
      rows,
    ),
    '',
    "How to read it: the ack p99 is what the producer (the generator) waited; the answer p99 inside ingest is what it took from its code getting the request to the answer, so what lies between the two is the network, the request's wait for ingest's event loop, and the generator's side. A storing p99 near the answer p99 says the answers waited for PostgreSQL (the statement and the flush of its commit). A process's loop delay is time it could not answer anything: its own long tasks and GC pauses, and waiting for a core while runnable; a loop delay p99 near the answer p99 says ingest itself held the answers back. The worker's delay adds to the receipt latency the same way. The receipt latency is the ack, then the job's wait in Redis (the ready signal, the worker's pop and fetch, each waiting for Redis's and the worker's turn on a core), then the POST: a wait p99 near the ack p99 says the worker's side holds the tail as much as ingest's.",
    '',
  ];
}

export function headlines(results, s) {
  const out = [];
  const lat = Object.entries(s.latency);
  const steady = lat.filter(([, l]) => !l.overloaded);
  if (lat.length) {
    const parts = steady.map(([rate, l]) => `${rate}/s: p50 ${fmtMmm(l.p50, 1)} ms, p99 ${fmtMmm(l.p99, 1)} ms`);
    const over = lat.filter(([, l]) => l.overloaded).map(([rate, l]) => `${rate}/s → p99 ${fmt(l.p99.median / 1000, 1)} s after a ${l.durationMs / 1000} s burst`);
    const limit = results.latency?.limit;
    const limitText = !limit ? '' : `. The p99 ≤ ${limit.p99Ms} ms target is ${limit.limitRate === null ? `met at none of the rates tried (down to ${limit.tried.at(-1)?.rate ?? '–'}/s)` : `met up to ${limit.limitRate}/s`} here (section 2, "The measured limit")`;
    out.push(`**Latency** (ingest → receipt, open loop): ${parts.join('; ') || 'no steady rate'}${over.length ? `. Above the maximum rate the backlog grows: ${over.join(', ')}` : ''}${limitText}.`);
  }
  return out;
}

/** Chart panel: p50 and p99 at each rate, Herald and the baseline. */
export function panel(results, s, box) {
  const P = results.params;
  const secs = (ms) => `${fmt(ms / 1000, 1)} s`;
  const latGroups = Object.entries(s.latency).map(([rate, l]) => ({
    label: `Herald ${rate}/s${l.overloaded ? '\noverloaded' : l.extra ? '\n(added)' : ''}`,
    bars: [
      { label: 'p50', value: l.p50.median, min: l.p50.min, max: l.p50.max, color: COLORS.heraldLight, clipLabel: secs(l.p50.median) },
      { label: 'p99', value: l.p99.median, min: l.p99.min, max: l.p99.max, color: COLORS.herald, clipLabel: secs(l.p99.median) },
    ],
  }));
  const steady = Object.values(s.latency).filter((l) => !l.overloaded).flatMap((l) => [l.p99.max, l.p50.max]);
  for (const b of Object.values(s.baselineByRate)) steady.push(b.p99.max);
  const latCap = Math.max(TARGETS.p99 * 1.2, ...steady.filter(Number.isFinite)) * 1.1;
  for (const [rate, b] of Object.entries(s.baselineByRate)) {
    latGroups.push({
      label: `baseline\n${rate}/s`,
      bars: [
        { label: 'p50', value: b.p50.median, min: b.p50.min, max: b.p50.max, color: '#c4c4c4' },
        { label: 'p99', value: b.p99.median, min: b.p99.min, max: b.p99.max, color: COLORS.baseline },
      ],
    });
  }
  if (!latGroups.length) return '';
  return barChart({
    ...box,
    title: '2. Ingest-to-receipt latency at fixed rates (lower is better)',
    subtitle: `open-loop, ${results.latency?.endpoints} endpoints, median of ${P.runs} runs (whiskers min–max)\nHerald's max here ≈ ${fmt(results.latency?.capacity?.rate, 0)}/s: faster rates are overloaded ${(results.latency?.overloadMs ?? 0) / 1000} s bursts`,
    unit: 'ms (clipped bars: ▲, value on top)',
    decimals: 1,
    yCap: latCap,
    groups: latGroups,
    target: { value: TARGETS.p99, label: `target p99 ≤ ${TARGETS.p99} ms at ${TARGETS.p99Rate}/s` },
    legend: [
      { label: 'p50', color: COLORS.heraldLight },
      { label: 'p99', color: COLORS.herald },
      { label: 'baseline p50 / p99', color: COLORS.baseline },
    ],
  });
}

export function section(results, s) {
  if (!Object.keys(s.latency).length) return [];
  const P = results.params;
  const L = [];
  const lat = results.latency;
  L.push('## Ingest-to-receipt latency at fixed rates');
  L.push('');
  L.push(
    `Open-loop: the generator schedules each send on a timer (\`sent_at\` = scheduled time, so a stalled generator or server cannot hide latency) and never waits for answers. ${lat.endpoints} endpoints, each event to one of them (own event type each, round-robin). Steady-state rates: ${P.latencyMs / 1000} s measured after ${P.warmupMs / 1000} s of warm-up (warm-up events are delivered but left out), median of ${P.runs} runs (min–max). Worker concurrency ${lat.workerConcurrency} per endpoint.`,
  );
  L.push('');
  L.push(
    `Herald's maximum sustained rate here is **${fmt(lat.capacity.rate, 0)} events/s** (${lat.capacity.source}). A rate above ${P.sustainableShare * 100} % of it (${fmt(lat.sustainableLimit, 0)}/s) never reaches a steady state: the backlog, and so the latency, grows for as long as the load lasts, so its "p99" only says how long the test ran. Such rates get **one short run of ${lat.overloadMs / 1000} s** (marked overloaded) to show what happens${lat.plan.some((p) => p.extra) ? `; a rate of ${lat.plan.filter((p) => p.extra).map((p) => p.rate).join(', ')}/s (half the maximum) was added so there is a steady-state figure` : ''}.`,
  );
  L.push('');
  const rows = Object.entries(s.latency).map(([rate, l]) => [
    `Herald ${rate} events/s${l.overloaded ? ' — **overloaded**, 1 run' : l.extra ? ' (added)' : ''}`,
    fmtMmm(l.p50, 1),
    fmtMmm(l.p99, 1),
    fmtMmm(l.max, 0),
    fmtMmm(l.ackedRate, 0),
    fmtMmm(l.ackP99, 1),
    fmtMmm(l.lagP99, 1),
    fmtMmm(l.cpuPerEvent, 2),
    pctMmm(l.busy),
    pctMmm(l.other),
    l.drained ? 'yes' : 'NO',
  ]);
  for (const [rate, b] of Object.entries(s.baselineByRate)) {
    rows.push([
      `baseline ${rate} events/s${rate === '500' && lat.baselineOverloaded ? ' (above 80 % of its own maximum here)' : ''}`,
      fmtMmm(b.p50, 1),
      fmtMmm(b.p99, 1),
      fmtMmm(b.max, 0),
      fmtMmm(b.ackedRate, 0),
      fmtMmm(b.ackP99, 1),
      fmtMmm(b.lagP99, 1),
      fmtMmm(b.cpuPerEvent, 2),
      pctMmm(b.busy),
      pctMmm(b.other),
      b.drained ? 'yes' : 'NO',
    ]);
  }
  L.push(mdTable(['Rate', 'p50 ms', 'p99 ms', 'max ms', 'ingest acked /s', 'ingest ack p99 ms', 'generator lag p99 ms', 'machine CPU ms per event', 'machine busy', 'CPU of other users\' processes', 'all delivered'], rows));
  const disturbed = Object.entries(s.latency).flatMap(([rate, l]) => l.perRun.filter((x) => x.other > 0.2).map((x) => `${rate}/s (p99 ${fmt(x.p99, 0)} ms with ${pct(x.other)} of the machine taken by other processes)`));
  if (disturbed.length) {
    L.push('');
    L.push(`**Disturbed runs:** ${disturbed.join('; ')}. Other users' processes (not started by the benchmark) took that share of both cores during the run; treat those runs' tails as the machine's, not Herald's.`);
  }
  L.push('');
  L.push(
    '"Machine CPU ms per event": the CPU every process on the machine used during the run (both cores; Herald or the bare pipeline, PostgreSQL, Redis, the receiver and the generator), divided by the events sent; "machine busy": the share of both cores in use. Near 100 % busy, a rate is CPU-bound: its latency is mostly waiting for a core. At a fixed rate an event shares fewer statements, round trips and wake-ups with others than at the maximum rate (section 1), so it costs more CPU there.',
  );
  const same = Object.entries(s.latency).filter(([rate, l]) => !l.overloaded && s.baselineByRate[rate]);
  if (same.length) {
    L.push('');
    for (const [rate, l] of same) {
      const b = s.baselineByRate[rate];
      L.push(
        `At ${rate} events/s (same rate, same machine, runs interleaved) Herald's p50 is ${fmt(l.p50.median / b.p50.median, 1)}× and its p99 ${fmt(l.p99.median / b.p99.median, 1)}× the bare pipeline's (${fmt(l.p50.median, 1)} vs ${fmt(b.p50.median, 1)} ms, ${fmt(l.p99.median, 1)} vs ${fmt(b.p99.median, 1)} ms), using ${fmt(l.cpuPerEvent.median, 2)} vs ${fmt(b.cpuPerEvent.median, 2)} ms of machine CPU per event (machine ${pct(l.busy.median)} vs ${pct(b.busy.median)} busy).`,
      );
    }
  }
  L.push('');
  if (lat.limit) L.push(...limitSection(results));
  else {
    // The receipt target met: the steady rates' own runs say what ingest's answer time went through.
    const steady = Object.entries(s.latency).filter(([, l]) => !l.overloaded);
    L.push(...runtimeTable(steady.map(([rate]) => ({ label: `${rate}/s`, runs: lat.herald[rate] }))));
  }
  return L;
}

export function notes(results) {
  const P = results.params;
  const L = [];
  if (results.latency?.plan?.some((p) => p.overloaded)) {
    L.push(`- **Latency at ${results.latency.plan.filter((p) => p.overloaded).map((p) => `${p.rate}`).join(', ')} events/s:** above Herald's maximum here, so no steady state exists; one ${results.latency.overloadMs / 1000} s burst each instead of 3 × ${P.latencyMs / 1000} s (reported, marked overloaded)${results.latency.plan.some((p) => p.extra) ? `, plus ${results.latency.plan.filter((p) => p.extra).map((p) => `${p.rate}/s`).join(', ')} at half the maximum for a steady-state figure` : ''}.`);
  }
  return L;
}

// Turns the results object of bench/run.mjs into bench/results/<date>.md and .svg.
import { writeFileSync } from 'node:fs';
import { barChart, COLORS, lineChart, page } from './svg.mjs';
import { fmt, fmtBytes, fmtMmm, mmm } from './util.mjs';

const TARGETS = { rate: 2000, ratio: 0.6, p99: 25, isolation: 0.1 };
const WRITE_FRAMES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);

const SCENARIOS = [
  { key: 'herald1Single', label: 'Herald, 1 endpoint, single-event ingest', short: 'Herald 1 ep\nsingle', baseline: 'baselineSingle' },
  { key: 'herald1Batch', label: 'Herald, 1 endpoint, batch ingest', short: 'Herald 1 ep\nbatch', baseline: 'baselineBatch' },
  { key: 'herald100Single', label: 'Herald, 100 endpoints, single-event ingest', short: 'Herald 100 ep\nsingle', baseline: 'baselineSingle' },
  { key: 'herald100Batch', label: 'Herald, 100 endpoints, batch ingest', short: 'Herald 100 ep\nbatch', baseline: 'baselineBatch' },
  { key: 'baselineSingle', label: 'Baseline (express+zod → 1 BullMQ queue → got), single-event ingest', short: 'baseline\nsingle' },
  { key: 'baselineBatch', label: 'Baseline, batch ingest', short: 'baseline\nbatch' },
];

const passFail = (ok) => (ok === null || ok === undefined ? 'n/a' : ok ? '**PASS**' : '**FAIL**');
const pctMmm = (m) => (!m || m.median === null ? '–' : m.n <= 1 ? pct(m.median) : `${pct(m.median)} (${pct(m.min)}–${pct(m.max)})`);
const pct = (x, d = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${fmt(100 * x, d)} %`);

/** Everything the report and the chart need, computed once. */
export function summarize(results) {
  const s = { throughput: {}, ratios: {}, latency: {}, baselineLatency: null, isolation: null, targets: [] };
  const tp = results.throughput?.scenarios ?? {};
  for (const sc of SCENARIOS) {
    const runs = tp[sc.key];
    if (!runs?.length) continue;
    s.throughput[sc.key] = {
      rate: mmm(runs.map((r) => r.rate)),
      ingestRate: mmm(runs.map((r) => r.ingestRate)),
      complete: runs.every((r) => r.complete),
      delivered: runs.map((r) => r.delivered),
      attempts: runs.map((r) => r.attempts),
      duplicates: runs.map((r) => r.receiver?.duplicates ?? 0),
      seconds: mmm(runs.map((r) => r.seconds)),
    };
    if (sc.baseline && tp[sc.baseline]?.length) {
      // Runs were interleaved (Herald run r, then baseline run r): pair them.
      const pairs = runs.map((r, i) => (tp[sc.baseline][i] ? r.rate / tp[sc.baseline][i].rate : null)).filter((x) => x !== null);
      s.ratios[sc.key] = mmm(pairs);
      s.ratios[sc.key].ofMedians = s.throughput[sc.key].rate.median / mmm(tp[sc.baseline].map((r) => r.rate)).median;
    }
  }
  const plan = results.latency?.plan ?? [];
  const latencyRates = Object.keys(results.latency?.herald ?? {}).sort((a, b) => Number(a) - Number(b));
  for (const rate of latencyRates) {
    const runs = results.latency.herald[rate];
    const p = plan.find((x) => String(x.rate) === String(rate)) ?? {};
    s.latency[rate] = {
      overloaded: Boolean(p.overloaded),
      extra: Boolean(p.extra),
      ackedRate: mmm(runs.map((r) => r.ackedRate)),
      workersPerEvent: mmm(runs.map((r) => r.workersStartedPerEvent)),
      busy: mmm(runs.map((r) => (r.resources ? r.resources.machine.busyMs / r.resources.machine.capacityMs : null))),
      other: mmm(runs.map((r) => (r.resources ? r.resources.machine.otherMs / r.resources.machine.capacityMs : null))),
      perRun: runs.map((r) => ({ p99: r.latency.p99, other: r.resources ? r.resources.machine.otherMs / r.resources.machine.capacityMs : null })),
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
      other: mmm(bl.map((r) => (r.resources ? r.resources.machine.otherMs / r.resources.machine.capacityMs : null))),
      ackedRate: mmm(bl.map((r) => r.ackedRate)),
      drained: bl.every((r) => r.drained),
    };
  }
  s.baselineLatency = s.baselineByRate[500] ?? null;
  const iso = results.isolation;
  if (iso?.control?.length && iso?.bad?.length) {
    const control = mmm(iso.control.map((r) => r.latency.p99));
    const bad = mmm(iso.bad.map((r) => r.latency.p99));
    const pairChanges = iso.bad.map((r, i) => (iso.control[i] ? (r.latency.p99 - iso.control[i].latency.p99) / iso.control[i].latency.p99 : null)).filter((x) => x !== null);
    s.isolation = {
      control,
      bad,
      // How much the control runs alone differ: the noise floor of a p99 at this sample size.
      noise: control.n > 1 ? (control.max - control.min) / control.median : null,
      controlP50: mmm(iso.control.map((r) => r.latency.p50)),
      badP50: mmm(iso.bad.map((r) => r.latency.p50)),
      change: (bad.median - control.median) / control.median,
      pairChanges: mmm(pairChanges),
      drained: [...iso.control, ...iso.bad].every((r) => r.drained),
      excluded: iso.bad.map((r) => r.excluded),
    };
  }

  // Targets.
  for (const sc of SCENARIOS.filter((x) => x.key.startsWith('herald'))) {
    const t = s.throughput[sc.key];
    if (!t) continue;
    s.targets.push({
      name: `≥ ${fmt(TARGETS.rate)} events/s sustained, fully logged — ${sc.label}`,
      value: fmtMmm(t.rate, 0, ' /s'),
      pass: t.complete && t.rate.median >= TARGETS.rate,
    });
  }
  for (const sc of SCENARIOS.filter((x) => x.baseline)) {
    const r = s.ratios[sc.key];
    if (!r) continue;
    s.targets.push({
      name: `≥ ${TARGETS.ratio * 100} % of the bare pipeline's rate — ${sc.label} vs ${sc.baseline === 'baselineSingle' ? 'baseline single' : 'baseline batch'}`,
      value: `${pct(r.median)} (${pct(r.min)}–${pct(r.max)})`,
      pass: r.median >= TARGETS.ratio,
    });
  }
  if (s.latency[500]) {
    const l = s.latency[500];
    s.targets.push({
      name: `p99 ingest-to-receipt ≤ ${TARGETS.p99} ms at 500 events/s`,
      value: l.overloaded
        ? `overloaded: 500/s is above the measured maximum (${fmt(results.latency.capacity.rate, 0)}/s); in a ${l.durationMs / 1000} s burst p99 was ${fmt(l.p99.median / 1000, 1)} s`
        : fmtMmm(l.p99, 1, ' ms'),
      pass: !l.overloaded && l.p99.median <= TARGETS.p99,
    });
  }
  if (s.isolation) {
    s.targets.push({
      name: `healthy endpoints' p99 moves ≤ ${TARGETS.isolation * 100} % with one slow and one failing endpoint of ${fmt(iso.endpoints)}`,
      value: `${fmt(s.isolation.control.median, 1)} → ${fmt(s.isolation.bad.median, 1)} ms (${s.isolation.change >= 0 ? '+' : ''}${pct(s.isolation.change, 1)})${s.isolation.noise !== null ? `; the control runs alone span ${fmt(s.isolation.control.min, 1)}–${fmt(s.isolation.control.max, 1)} ms (${pct(s.isolation.noise)} of their median)` : ''}`,
      pass: Math.abs(s.isolation.change) <= TARGETS.isolation,
      note: s.isolation.noise !== null && Math.abs(s.isolation.change) > TARGETS.isolation && Math.abs(s.isolation.change) < s.isolation.noise ? 'within run-to-run noise' : null,
    });
  }
  return s;
}

// ---------------------------------------------------------------------------------------- SVG

function chart(results, s) {
  const W = 1240;
  const panelW = 600;
  const panelH = 360;
  const gap = 13;
  const x1 = 13;
  const x2 = x1 + panelW + gap;
  const rows = [50, 50 + panelH + gap, 50 + 2 * (panelH + gap)];
  const panels = [];
  const P = results.params;

  // (1) Throughput.
  const tpGroups = SCENARIOS.filter((sc) => s.throughput[sc.key]).map((sc) => {
    const t = s.throughput[sc.key].rate;
    return { label: sc.short, bars: [{ label: 'events/s', value: t.median, min: t.min, max: t.max, color: sc.key.startsWith('herald') ? COLORS.herald : COLORS.baseline }] };
  });
  panels.push(
    tpGroups.length
      ? barChart({
          x: x1,
          y: rows[0],
          width: panelW,
          height: panelH,
          title: '1. Maximum sustained rate (higher is better)',
          subtitle: `first send → last delivery \`delivered\` in PostgreSQL (baseline: at the receiver)\nmedian of ${P.runs} runs, whiskers min–max`,
          unit: 'events/s delivered',
          groups: tpGroups,
          target: { value: TARGETS.rate, label: `target ${fmt(TARGETS.rate)}/s` },
        })
      : '',
  );

  // (2) Latency.
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
  panels.push(
    latGroups.length
      ? barChart({
          x: x2,
          y: rows[0],
          width: panelW,
          height: panelH,
          title: '2. Ingest-to-receipt latency at fixed rates (lower is better)',
          subtitle: `open-loop, ${results.latency?.endpoints} endpoints, median of ${P.runs} runs (whiskers min–max)\nHerald's max here ≈ ${fmt(results.latency?.capacity?.rate, 0)}/s: faster rates are overloaded ${(results.latency?.overloadMs ?? 0) / 1000} s bursts`,
          unit: 'ms (clipped bars: ▲, value on top)',
          decimals: 1,
          yCap: latCap,
          groups: latGroups,
          target: { value: TARGETS.p99, label: `target p99 ≤ ${TARGETS.p99} ms at 500/s` },
          legend: [
            { label: 'p50', color: COLORS.heraldLight },
            { label: 'p99', color: COLORS.herald },
            { label: 'baseline p50 / p99', color: COLORS.baseline },
          ],
        })
      : '',
  );

  // (3) Isolation.
  if (s.isolation) {
    const i = s.isolation;
    panels.push(
      barChart({
        x: x1,
        y: rows[1],
        width: panelW,
        height: panelH,
        title: '3. Isolation: healthy endpoints with a slow and a failing one',
        subtitle: `${fmt(results.isolation.endpoints)} endpoints, ${results.isolation.rate} events/s, each event to one endpoint\np99 change ${i.change >= 0 ? '+' : ''}${pct(i.change, 1)} (target ≤ 10 %); median of ${P.runs} runs, whiskers min–max`,
        unit: 'ms (healthy endpoints only)',
        decimals: 1,
        groups: [
          {
            label: 'p50',
            bars: [
              { label: 'all healthy', value: i.controlP50.median, min: i.controlP50.min, max: i.controlP50.max, color: COLORS.good },
              { label: 'with bad ones', value: i.badP50.median, min: i.badP50.min, max: i.badP50.max, color: COLORS.bad },
            ],
          },
          {
            label: 'p99',
            bars: [
              { label: 'all healthy', value: i.control.median, min: i.control.min, max: i.control.max, color: COLORS.good },
              { label: 'with bad ones', value: i.bad.median, min: i.bad.min, max: i.bad.max, color: COLORS.bad },
            ],
          },
        ],
        legend: [
          { label: 'control: all endpoints healthy', color: COLORS.good },
          { label: `one answers after ${results.isolation.slowMs / 1000} s, one returns 500`, color: COLORS.bad },
        ],
      }),
    );
  } else panels.push('');

  // (4) Fan-in.
  const f = results.fanin;
  if (f?.series?.length) {
    panels.push(
      lineChart({
        x: x2,
        y: rows[1],
        width: panelW,
        height: panelH,
        title: '4. Worker fan-in: Redis connections vs endpoints with work',
        subtitle: `${fmt(f.registered)} endpoints registered, ${fmt(f.active)} get ${f.perEndpoint} events each\npeak ${f.peakWorkerConnections} connections, idle constant ${f.constantConnections}, ${fmt(f.workersStarted)} Workers started`,
        xUnit: 'seconds since the first event',
        yUnit: 'count',
        series: [
          { label: 'worker Redis connections', color: COLORS.herald, points: f.series.map((p) => [p.t, p.worker]) },
          { label: 'endpoints in the active set', color: COLORS.bad, dash: '6 3', points: f.series.map((p) => [p.t, p.activeSet]) },
        ],
        markers: [
          { x: f.ingestDoneAt, label: 'ingest done' },
          { x: f.deliveredAt, label: 'all delivered' },
        ],
      }),
    );
  } else panels.push('');

  // (5) CPU per 1000 events.
  const cpuOf = (key) => {
    const runs = results.throughput?.scenarios?.[key];
    if (!runs?.length) return null;
    const names = new Set(runs.flatMap((r) => Object.keys(r.resources?.cpu ?? {})));
    const out = {};
    for (const name of names) out[name] = mmm(runs.map((r) => ((r.resources.cpu[name] ?? 0) / r.delivered) * 1000)).median;
    return out;
  };
  const hc = cpuOf('herald1Single');
  const bc = cpuOf('baselineSingle');
  if (hc) {
    const rowsCpu = [
      ['ingest', 'ingest', 'baseline ingest'],
      ['worker', 'worker', 'baseline worker'],
      ['PostgreSQL', 'postgres (bench db)', null],
      ['Redis', 'redis', 'redis'],
      ['receiver', 'receiver', 'receiver'],
      ['load gen.', 'loadgen', 'loadgen'],
    ];
    panels.push(
      barChart({
        x: x1,
        y: rows[2],
        width: panelW,
        height: panelH,
        title: '5. CPU time per 1,000 events delivered, by process',
        subtitle: 'single-event ingest, 1 endpoint, vs the baseline; median of runs\n(Redis is shared with other users of the machine)',
        unit: 'CPU ms per 1,000 events',
        groups: rowsCpu.map(([label, h, b]) => ({
          label,
          bars: [
            { label: 'Herald', value: hc[h] ?? 0, color: COLORS.herald },
            { label: 'baseline', value: b ? (bc?.[b] ?? 0) : NaN, color: COLORS.baseline },
          ],
        })),
        legend: [
          { label: 'Herald', color: COLORS.herald },
          { label: 'baseline', color: COLORS.baseline },
        ],
      }),
    );
  } else panels.push('');

  // (6) Idle Redis commands.
  if (f?.idle?.length) {
    panels.push(
      barChart({
        x: x2,
        y: rows[2],
        width: panelW,
        height: panelH,
        title: '6. Idle cost: Redis commands/s sent by the worker',
        subtitle: `${f.idle[0].seconds} s windows, attributed by MONITOR to the worker's own connections\n(SMEMBERS of the active set every 5 s, reconciler every 30 s)`,
        unit: 'commands/s',
        decimals: 2,
        groups: f.idle.map((w) => ({ label: w.label.replace(' endpoints', ' ep.').replace(' (control)', '\n(control)').replace(' after the burst', '\nafter burst').replace(' idle ep.', ' ep.\nidle'), bars: [{ label: 'cmd/s', value: w.workerCommandsPerSecond, color: COLORS.herald }] })),
      }),
    );
  } else panels.push('');

  const m = results.machine;
  return page({
    width: W,
    height: rows[2] + panelH + 40,
    title: `Herald benchmark ${results.startedAt.slice(0, 10)}${results.quick ? ' (--quick: 1 run each, shorter)' : ''} — ${m.nproc} cores, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`,
    footer: `${results.command} · commit ${m.git} · total ${Math.round(results.totalSeconds / 60)} min · details in the .md report next to this file`,
    panels: panels.filter(Boolean),
  });
}

// ----------------------------------------------------------------------------------- Markdown

function table(headers, rows) {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function cpuTable(results, keys) {
  const runsOf = (key) => results.throughput?.scenarios?.[key] ?? [];
  const names = [
    ['ingest', 'ingest (Herald) / baseline ingest', ['ingest', 'baseline ingest']],
    ['worker', 'worker (Herald) / baseline worker', ['worker', 'baseline worker']],
    ['api', 'api (idle)', ['api']],
    ['pg', 'PostgreSQL backends of the bench db', ['postgres (bench db)']],
    ['pgbg', 'PostgreSQL background (shared)', ['postgres (background)']],
    ['redis', 'redis-server (shared)', ['redis']],
    ['receiver', 'receiver', ['receiver']],
    ['loadgen', 'load generator', ['loadgen']],
    ['bench', 'bench orchestrator (polling)', ['bench orchestrator']],
  ];
  const rows = names.map(([, label, procs]) => [
    label,
    ...keys.map((key) => {
      const runs = runsOf(key);
      if (!runs.length) return '–';
      return fmt(mmm(runs.map((r) => (procs.reduce((a, p) => a + (r.resources?.cpu?.[p] ?? 0), 0) / r.delivered) * 1000)).median, 0);
    }),
  ]);
  rows.push([
    '**machine busy (all processes, both cores)**',
    ...keys.map((key) => {
      const runs = runsOf(key);
      return runs.length ? `**${fmt(mmm(runs.map((r) => (r.resources.machine.busyMs / r.delivered) * 1000)).median, 0)}**` : '–';
    }),
  ]);
  rows.push([
    'other processes on the machine (not ours)',
    ...keys.map((key) => {
      const runs = runsOf(key);
      return runs.length ? fmt(mmm(runs.map((r) => (r.resources.machine.otherMs / r.delivered) * 1000)).median, 0) : '–';
    }),
  ]);
  rows.push([
    'machine CPU utilisation during the run',
    ...keys.map((key) => {
      const runs = runsOf(key);
      return runs.length ? pct(mmm(runs.map((r) => r.resources.machine.busyMs / r.resources.machine.capacityMs)).median) : '–';
    }),
  ]);
  return rows;
}

/** CPU ms per 1,000 delivered events of a scenario, by process (median of runs). */
function cpuPerThousand(results, key) {
  const runs = results.throughput?.scenarios?.[key] ?? [];
  if (!runs.length) return null;
  const names = new Set(runs.flatMap((r) => Object.keys(r.resources?.cpu ?? {})));
  const out = {};
  for (const name of names) out[name] = mmm(runs.map((r) => ((r.resources.cpu[name] ?? 0) / r.delivered) * 1000)).median;
  out.machine = mmm(runs.map((r) => (r.resources.machine.busyMs / r.delivered) * 1000)).median;
  return out;
}

function saturated(results) {
  const runs = Object.values(results.throughput?.scenarios ?? {}).flat();
  return runs.length > 0 && runs.every((r) => r.resources.machine.busyMs / r.resources.machine.capacityMs >= 0.9);
}

/** A few sentences a reader can take away without the tables. */
function headlines(results, s) {
  const out = [];
  const t = s.throughput;
  const r = s.ratios;
  if (t.herald1Single && t.baselineSingle) {
    out.push(
      `**Throughput:** Herald delivered ${fmtMmm(t.herald1Single.rate, 0)} events/s with single-event ingest to 1 endpoint, ${pct(r.herald1Single?.median)} of the bare pipeline's ${fmtMmm(t.baselineSingle.rate, 0)}/s in the same run; with batches of ${results.params.batchSize} ${fmtMmm(t.herald1Batch?.rate, 0)}/s (${pct(r.herald1Batch?.median)} of ${fmtMmm(t.baselineBatch?.rate, 0)}/s). 100 endpoints: ${fmtMmm(t.herald100Single?.rate, 0)}/s single, ${fmtMmm(t.herald100Batch?.rate, 0)}/s batch. Target ${fmt(TARGETS.rate)}/s.`,
    );
  }
  const hc = cpuPerThousand(results, 'herald1Single');
  const bc = cpuPerThousand(results, 'baselineSingle');
  if (hc && bc) {
    const pg = (hc['postgres (bench db)'] ?? 0) + (hc['postgres (background)'] ?? 0);
    out.push(
      `**Why:** ${saturated(results) ? 'the machine (2 cores) is saturated (≥ 90 % busy) in every throughput run, so CPU per event sets the rate. ' : ''}Per event Herald uses ${fmt(hc.machine / 1000, 1)} ms of CPU in total vs ${fmt(bc.machine / 1000, 1)} ms for the bare pipeline: ingest ${fmt(hc.ingest / 1000, 2)} ms (baseline ${fmt(bc['baseline ingest'] / 1000, 2)}), worker ${fmt(hc.worker / 1000, 2)} ms (baseline ${fmt(bc['baseline worker'] / 1000, 2)}), PostgreSQL ${fmt(pg / 1000, 2)} ms (baseline none), Redis ${fmt(hc.redis / 1000, 2)} ms (baseline ${fmt(bc.redis / 1000, 2)}).`,
    );
  }
  const lat = Object.entries(s.latency);
  const steady = lat.filter(([, l]) => !l.overloaded);
  if (lat.length) {
    const parts = steady.map(([rate, l]) => `${rate}/s: p50 ${fmtMmm(l.p50, 1)} ms, p99 ${fmtMmm(l.p99, 1)} ms`);
    const over = lat.filter(([, l]) => l.overloaded).map(([rate, l]) => `${rate}/s → p99 ${fmt(l.p99.median / 1000, 1)} s after a ${l.durationMs / 1000} s burst`);
    out.push(`**Latency** (ingest → receipt, open loop): ${parts.join('; ') || 'no steady rate'}${over.length ? `. Above the maximum rate the backlog grows: ${over.join(', ')}` : ''}.`);
  }
  if (s.isolation) {
    out.push(
      `**Isolation:** with one endpoint answering after ${results.isolation.slowMs / 1000} s and one failing, the healthy endpoints' p99 went from ${fmtMmm(s.isolation.control, 1)} to ${fmtMmm(s.isolation.bad, 1)} ms (${s.isolation.change >= 0 ? '+' : ''}${pct(s.isolation.change, 1)}) at ${results.isolation.rate} events/s over ${fmt(results.isolation.endpoints)} endpoints.`,
    );
  }
  const f = results.fanin;
  if (f?.peakWorkerConnections !== undefined) {
    const idle = f.idle ?? [];
    out.push(
      `**Fan-in:** ${fmt(f.active)} endpoints with work out of ${fmt(f.registered)}: the worker peaked at ${fmt(f.peakWorkerConnections)} Redis connections (${fmt((f.peakWorkerConnections - f.constantConnections) / f.active, 2)} per active endpoint + ${fmt(f.constantConnections)}), back to ${fmt(f.finalWorkerConnections)} afterwards${f.droppedAt ? ` (after ${fmt(f.droppedAt - f.deliveredAt, 0)} s)` : ''}. Idle, the worker sends ${idle.map((w) => `${fmt(w.workerCommandsPerSecond, 2)} cmd/s (${w.label})`).join(', ')}${idle.length >= 2 ? (idle[1].workerCommandsPerSecond <= idle[0].workerCommandsPerSecond + 0.15 ? ': idle endpoints cost no Redis commands beyond the constant sweep' : `: ${fmt(idle[1].workerCommandsPerSecond - idle[0].workerCommandsPerSecond, 2)} cmd/s more with idle endpoints than without`) : ''}.`,
    );
  }
  const res = results.resources;
  const sizes = (results.throughput?.scenarios?.herald1Single ?? []).map((x) => x.pgSizes).filter(Boolean);
  if (res?.redisMemory?.length || sizes.length) {
    const bits = [];
    if (res?.redisMemory?.length) bits.push(`Redis ${res.redisMemory.map((e) => `${fmtBytes(e.keysBytesPerDelivery)} (${e.label})`).join(' / ')} per waiting delivery`);
    if (sizes.length) {
      const total = mmm(sizes.map((x) => (x.events.total + x.deliveries.total + x.attempts.total) / x.deliveries.rows));
      bits.push(`PostgreSQL ${fmtBytes(total.median)} per delivered event (event + delivery + attempt, with indexes)`);
    }
    const rss = results.throughput?.scenarios?.herald100Single;
    if (rss?.length) bits.push(`peak RSS with 100 busy endpoints: ingest ${fmtBytes(mmm(rss.map((x) => x.resources?.rss?.ingest?.peak)).median)}, worker ${fmtBytes(mmm(rss.map((x) => x.resources?.rss?.worker?.peak)).median)}`);
    out.push(`**Resources:** ${bits.join('; ')}.`);
  }
  const prof = results.profile?.services;
  if (prof?.ingest && prof?.worker) {
    const top = (a) => (a.ownersExclWrites ?? a.owners).slice(0, 4).map((p) => `${p.pkg} ${fmt(p.pct, 0)} %`).join(', ');
    out.push(`**Hot spots** (CPU profile, socket-write waiting left out): ingest — ${top(prof.ingest)}; worker — ${top(prof.worker)}.`);
  }
  return out;
}

export function writeReport(results, { mdPath, svgPath, rawDir }) {
  const s = summarize(results);
  writeFileSync(svgPath, chart(results, s));
  const m = results.machine;
  const P = results.params;
  const L = [];
  const svgName = svgPath.split('/').pop();
  L.push(`# Herald benchmark — ${results.startedAt.slice(0, 10)}${results.quick ? ' (quick)' : ''}`);
  L.push('');
  L.push(`![charts](${svgName})`);
  L.push('');
  L.push('## Machine and command');
  L.push('');
  L.push(`- **Command:** \`${results.command}\` (from the repository root, after \`npm install\`), total runtime **${fmt(results.totalSeconds / 60, 1)} min**${results.phaseSeconds ? ` (${Object.entries(results.phaseSeconds).map(([k, v]) => `${k} ${v} s`).join(', ')})` : ''}.`);
  L.push(`- **Machine:** ${m.nproc} cores (${m.cpuModel}), ${fmt(m.memTotalBytes / 2 ** 30, 1)} GiB RAM, ${m.kernel}. Everything on it: services, PostgreSQL, Redis, receiver and load generator.`);
  L.push(`- **Software:** Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}; ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  L.push(`- **Tree:** commit ${m.git}. Load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${m.loadAvgEnd?.map((x) => x.toFixed(2)).join(' / ') ?? '?'} (1/5/15 min).`);
  L.push(`- **Stack:** api, ingest and worker from \`apps/*/dist/main.js\` as child processes (cwd an empty temp dir), a fresh database \`herald_bench_<timestamp>\` (\`node scripts/db-setup.mjs\`), Redis prefix \`herald-bench-<timestamp>\`, \`LOG_LEVEL=warn\`, \`HERALD_ALLOW_HTTP=true\`, \`HERALD_OUTBOUND_ALLOWLIST=127.0.0.1\`, other settings default (retry base 30 s, reconcile every 30 s). Dropped afterwards.`);
  L.push(`- **Receiver** (\`bench/receiver.mjs\`) and **load generator** (\`bench/loadgen.mjs\`) run as their own processes; latency = receiver's \`performance.timeOrigin + performance.now()\` − the \`sent_at\` the generator put in the payload (same clock source in both).`);
  if (results.notes.length) for (const n of results.notes) L.push(`- **Note:** ${n}`);
  if (results.errors.length) for (const e of results.errors) L.push(`- **Phase \`${e.phase}\` failed:** ${e.message.split('\n')[0]}`);
  L.push('');

  L.push('## Headlines');
  L.push('');
  for (const line of headlines(results, s)) L.push(`- ${line}`);
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push(table(['Target', 'Measured: median (min–max)', 'Result'], s.targets.map((t) => [t.name, t.value, `${passFail(t.pass)}${t.note ? ` (${t.note})` : ''}`])));
  L.push('');

  // 1. Throughput
  if (results.throughput) {
    const tp = results.throughput;
    L.push('## 1. Maximum sustained rate, fully logged (and 6. the bare pipeline)');
    L.push('');
    L.push(
      `Each scenario first gets a calibration run of ${fmt(P.calibrationEvents)} events (also the warm-up, not counted); every measured run of it then sends the same number of events, the calibrated rate × ${P.runSeconds} s, within ${fmt(P.minEvents)}–${fmt(P.maxEvents)} (20,000 on a machine that does ≥ 1,700/s), as fast as possible: single events with ${P.singleConcurrency} concurrent keep-alive HTTP clients, or batches of ${P.batchSize} with ${P.batchConcurrency} in flight. Each event goes to exactly one endpoint (each endpoint subscribes to its own event type; events round-robin over the endpoints). **Rate = events ÷ (first send → the moment the last delivery is \`delivered\` in PostgreSQL)**, polled every 50 ms; for the baseline, until the receiver has them all. Runs are interleaved (Herald run r, baseline run r, …) so both see the same machine; before each Herald run the events/deliveries/attempts tables are truncated. Worker concurrency: HERALD_WORKER_CONCURRENCY=${tp.workerConcurrency.oneEndpoint} for 1 endpoint, ${tp.workerConcurrency.hundredEndpoints} (the default) per endpoint for 100 endpoints; baseline Worker concurrency ${tp.workerConcurrency.baseline}.`,
    );
    L.push('');
    const rows = SCENARIOS.filter((sc) => s.throughput[sc.key]).map((sc) => {
      const t = s.throughput[sc.key];
      const r = s.ratios[sc.key];
      return [
        sc.label,
        `${fmt(results.throughput.eventsPerRun?.[sc.key])} (cal. ${fmt(results.throughput.calibration?.[sc.key], 0)}/s)`,
        fmtMmm(t.rate, 0),
        fmtMmm(t.ingestRate, 0),
        r ? `${pct(r.median)} (${pct(r.min)}–${pct(r.max)})` : '–',
        `${t.delivered.join(', ')}${t.complete ? '' : ' (INCOMPLETE)'}`,
        sc.key.startsWith('herald') ? t.attempts.join(', ') : '–',
        t.duplicates.join(', '),
      ];
    });
    L.push(table(['Scenario', 'Events per run', 'Delivered events/s', 'Ingest acks/s', 'vs baseline', 'Delivered per run', 'Attempt rows', 'Duplicates at receiver'], rows));
    L.push('');
    L.push('"Ingest acks/s" is how fast the generator got its 202s (ingest alone); "delivered" includes the worker catching up afterwards.');
    L.push('');
    L.push('### Where the CPU goes (ms of CPU per 1,000 events delivered, median of runs)');
    L.push('');
    const keys = ['herald1Single', 'herald1Batch', 'herald100Single', 'herald100Batch', 'baselineSingle', 'baselineBatch'].filter((k) => s.throughput[k]);
    L.push(table(['Process', ...keys.map((k) => SCENARIOS.find((x) => x.key === k).short.replace('\n', ' '))], cpuTable(results, keys)));
    L.push('');
    L.push(`Two cores give at most 2,000 ms of CPU per second, so the machine's ceiling is about 2,000,000 ÷ (machine busy ms per 1,000 events) events/s. Redis and the PostgreSQL background processes serve the other users of this machine too, and "other processes" is CPU we did not start (other engineers' tests running meanwhile); it competes with the benchmark.`);
    L.push('');
  }

  // 2. Latency
  if (Object.keys(s.latency).length) {
    const lat = results.latency;
    L.push('## 2. Ingest-to-receipt latency at fixed rates');
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
      fmtMmm(l.workersPerEvent, 2),
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
        '–',
        pctMmm(b.other),
        b.drained ? 'yes' : 'NO',
      ]);
    }
    L.push(table(['Rate', 'p50 ms', 'p99 ms', 'max ms', 'ingest acked /s', 'ingest ack p99 ms', 'generator lag p99 ms', 'Workers started per event', 'CPU of other users\' processes', 'all delivered'], rows));
    const disturbed = Object.entries(s.latency).flatMap(([rate, l]) => l.perRun.filter((x) => x.other > 0.2).map((x) => `${rate}/s (p99 ${fmt(x.p99, 0)} ms with ${pct(x.other)} of the machine taken by other processes)`));
    if (disturbed.length) {
      L.push('');
      L.push(`**Disturbed runs:** ${disturbed.join('; ')}. Other users' processes (not started by the benchmark) took that share of both cores during the run; treat those runs' tails as the machine's, not Herald's.`);
    }
    L.push('');
    L.push(
      '"Workers started per event": how many per-endpoint BullMQ Workers the worker started (each opens a blocking Redis connection and looks up the endpoint\'s rate limit) per event sent, counted from the CLIENT SETNAME of their connections (MONITOR); 0 means every endpoint already had a live Worker.',
    );
    const same = Object.entries(s.latency).filter(([rate, l]) => !l.overloaded && s.baselineByRate[rate]);
    if (same.length) {
      L.push('');
      for (const [rate, l] of same) {
        const b = s.baselineByRate[rate];
        L.push(
          `At ${rate} events/s (same rate, same machine, runs interleaved) Herald's p50 is ${fmt(l.p50.median / b.p50.median, 1)}× and its p99 ${fmt(l.p99.median / b.p99.median, 1)}× the bare pipeline's (${fmt(l.p50.median, 1)} vs ${fmt(b.p50.median, 1)} ms, ${fmt(l.p99.median, 1)} vs ${fmt(b.p99.median, 1)} ms).`,
        );
      }
    }
    L.push('');
  }

  // 3. Isolation
  if (s.isolation) {
    const iso = results.isolation;
    L.push('## 3. Isolation');
    L.push('');
    L.push(
      `${fmt(iso.endpoints)} endpoints created through the api (${fmt(iso.setup.endpointsPerSecond, 0)} endpoints/s), each subscribed to its own event type. ${iso.rate !== iso.askedRate ? `A closed-loop calibration with these ${fmt(iso.endpoints)} endpoints reached ${fmt(iso.capacity, 0)} events/s, so ${iso.askedRate}/s would overload Herald here (and the comparison would measure the backlog): the runs use **${iso.rate} events/s** (≤ half of that). ` : ''}${iso.rate} events/s open-loop for ${iso.durationMs / 1000} s (+${iso.warmupMs / 1000} s warm-up), each event to one endpoint: ${iso.badShare ? `${pct(iso.badShare)} of them to endpoint 0, ${pct(iso.badShare)} to endpoint 1 (${fmt(iso.rate * iso.badShare, 1)} events/s each) and the rest round-robin over the ${fmt(iso.endpoints - 2)} others (about ${fmt((iso.rate * (1 - 2 * iso.badShare)) / (iso.endpoints - 2), 2)} events/s each), the same in every run` : `round-robin over all of them (about ${fmt(iso.rate / iso.endpoints, 2)} events/s per endpoint)`}. In the "bad" runs endpoint 0 answers after ${iso.slowMs / 1000} s${iso.badShare ? ` (with ${iso.workerConcurrency} deliveries at a time it can take ${fmt(iso.workerConcurrency / (iso.slowMs / 1000), 1)}/s, so its own queue grows all run)` : ''} and endpoint 1 returns 500 (each delivery retried later, 30 s base); in the control runs they answer at once. Both are left out of the latency in both kinds of run, so the same set of healthy endpoints is compared. Runs alternate control/bad, ${P.runs} each. Worker concurrency ${iso.workerConcurrency} per endpoint.`,
    );
    L.push('');
    const i = s.isolation;
    L.push(
      table(
        ['Healthy endpoints', 'p50 ms', 'p99 ms', 'max ms', 'Workers started per event', 'deliveries measured per run', 'CPU of other users\' processes'],
        [
          ['control (all healthy)', fmtMmm(i.controlP50, 1), fmtMmm(i.control, 1), fmtMmm(mmm(iso.control.map((r) => r.latency.max)), 0), fmtMmm(mmm(iso.control.map((r) => r.workersStartedPerEvent)), 2), fmt(mmm(iso.control.map((r) => r.measured)).median), pctMmm(mmm(iso.control.map((r) => r.resources?.machine.otherMs / r.resources?.machine.capacityMs)))],
          ['with one slow and one failing endpoint', fmtMmm(i.badP50, 1), fmtMmm(i.bad, 1), fmtMmm(mmm(iso.bad.map((r) => r.latency.max)), 0), fmtMmm(mmm(iso.bad.map((r) => r.workersStartedPerEvent)), 2), fmt(mmm(iso.bad.map((r) => r.measured)).median), pctMmm(mmm(iso.bad.map((r) => r.resources?.machine.otherMs / r.resources?.machine.capacityMs)))],
        ],
      ),
    );
    L.push('');
    L.push(
      `Change of the median p99: **${i.change >= 0 ? '+' : ''}${pct(i.change, 1)}** (run-by-run pairs: ${pct(i.pairChanges.min, 1)} to ${pct(i.pairChanges.max, 1)}).${i.noise !== null ? ` For scale: the ${P.runs} control runs alone, identical by construction, span ${fmt(i.control.min, 1)}–${fmt(i.control.max, 1)} ms, ${pct(i.noise)} of their median — a p99 over ~${fmt(mmm(iso.control.map((r) => r.measured)).median)} deliveries is set by its ~${fmt(mmm(iso.control.map((r) => r.measured)).median / 100)} slowest ones (a GC pause, another process taking the core), so on this shared 2-core machine a 10 % criterion can be below the noise; compare the p50 and max columns too.` : ''} Requests the bad endpoints got per bad run: ${i.excluded.map((e) => Object.entries(e).map(([k, v]) => `${k} ${v}`).join(', ')).join(' | ')}.`,
    );
    L.push('');
  }

  // 4. Resources
  L.push('## 4. Resources');
  L.push('');
  const tpRuns = results.throughput?.scenarios ?? {};
  if (tpRuns.herald1Single?.length) {
    L.push('### Memory (RSS) of each process during load');
    L.push('');
    const keys = ['herald1Single', 'herald1Batch', 'herald100Single', 'herald100Batch', 'baselineSingle'].filter((k) => tpRuns[k]?.length);
    const procs = ['api', 'ingest', 'worker', 'baseline ingest', 'baseline worker', 'receiver', 'redis'];
    L.push(
      table(
        ['Process (peak RSS, median of runs)', ...keys.map((k) => SCENARIOS.find((x) => x.key === k).short.replace('\n', ' '))],
        procs.map((p) => [p === 'redis' ? 'redis-server (whole server, shared)' : p, ...keys.map((k) => fmtBytes(mmm(tpRuns[k].map((r) => r.resources?.rss?.[p]?.peak)).median))]),
      ),
    );
    L.push('');
    L.push('### Redis connections during load (by process and client name, peak of samples every 0.5 s)');
    L.push('');
    const connRows = [];
    for (const k of keys) {
      const merged = {};
      for (const r of tpRuns[k]) {
        for (const [svc, c] of Object.entries(r.resources?.connections ?? {})) {
          for (const [name, n] of Object.entries(c.byName)) merged[`${svc}|${name}`] = Math.max(merged[`${svc}|${name}`] ?? 0, n);
          merged[`${svc}|*`] = Math.max(merged[`${svc}|*`] ?? 0, c.max);
        }
      }
      const entries = Object.entries(merged)
        .filter(([key]) => !key.endsWith('|*'))
        .map(([key, n]) => `${key.split('|')[0]}: ${key.split('|')[1]} ×${n}`);
      const totals = Object.entries(merged)
        .filter(([key]) => key.endsWith('|*'))
        .map(([key, n]) => `${key.split('|')[0]} ${n}`);
      connRows.push([SCENARIOS.find((x) => x.key === k).short.replace('\n', ' '), totals.join(', '), entries.join('; ')]);
    }
    L.push(table(['Scenario', 'Total per process', 'By client name'], connRows));
    L.push('');
    L.push("Connections are attributed to a process by matching CLIENT LIST's client port with the sockets in `/proc/<pid>/fd` (Redis is shared with other users, so names alone would not do).");
    L.push('');
    const sizes = tpRuns.herald1Single.map((r) => r.pgSizes).filter(Boolean);
    if (sizes.length) {
      L.push(`### PostgreSQL bytes per row (after a ${fmt(results.throughput.eventsPerRun?.herald1Single)}-event run, 1 endpoint; tables + indexes + TOAST, before any vacuum)`);
      L.push('');
      const per = (t, f) => mmm(sizes.map((x) => f(x[t])));
      L.push(
        table(
          ['Table', 'Rows', 'Bytes per row (total)', 'of which heap', 'of which indexes'],
          ['events', 'deliveries', 'attempts'].map((t) => [
            t,
            fmt(per(t, (x) => x.rows).median),
            fmtMmm(per(t, (x) => x.perRow), 0),
            fmt(per(t, (x) => x.heap / x.rows).median, 0),
            fmt(per(t, (x) => x.indexes / x.rows).median, 0),
          ]),
        ),
      );
      const total = mmm(sizes.map((x) => (x.events.total + x.deliveries.total + x.attempts.total) / x.deliveries.rows));
      L.push('');
      L.push(
        `So one delivered event costs about **${fmtBytes(total.median)}** in PostgreSQL (event + delivery + one attempt row). The event payload is ${fmt(tpRuns.herald1Single[0].payloadBytes)} bytes of JSON; attempts store the request and response headers. Deliveries are updated once (pending → delivered), leaving a dead tuple until autovacuum.`,
      );
      L.push('');
    }
  }
  const res = results.resources;
  if (res?.redisMemory?.length) {
    L.push('### Redis memory per waiting delivery');
    L.push('');
    L.push(`The worker stopped, ${fmt(res.memEvents)} events ingested in batches, then the difference measured two ways: the sum of \`MEMORY USAGE\` over all keys under the bench prefix (exact for our keys), and \`INFO memory\` used_memory (whole server, includes other users' churn).`);
    L.push('');
    L.push(
      table(
        ['Deliveries waiting', 'MEMORY USAGE Δ per delivery', 'keys per delivery', 'used_memory Δ per delivery'],
        res.redisMemory.map((e) => [`${fmt(e.waiting)} for ${e.label}`, fmtBytes(e.keysBytesPerDelivery), fmt(e.keysPerDelivery, 2), fmtBytes(e.usedMemoryPerDelivery)]),
      ),
    );
    L.push('');
    if (res.backlogDrain) {
      L.push(
        `A fresh worker (concurrency ${res.backlogDrain.workerConcurrency}) then worked on that backlog of ${fmt(res.backlogDrain.deliveries)} deliveries: ${fmt(res.backlogDrain.delivered)} delivered in ${fmt(res.backlogDrain.seconds, 1)} s including process start${res.backlogDrain.complete ? '' : ' (stopped there)'}: **${fmt(res.backlogDrain.rate, 0)} deliveries/s** for the worker alone, ingest idle.`,
      );
      L.push('');
    }
  }

  // 5. Fan-in
  const f = results.fanin;
  if (f) {
    L.push('## 5. Worker fan-in at scale');
    L.push('');
    L.push(
      `A clean database and prefix and a fresh worker (concurrency ${f.workerConcurrency}). ${fmt(f.registered)} endpoints registered through the api in ${fmt(f.createSeconds, 0)} s: ${fmt(f.active)} in one tenant, each with its own event type, and ${fmt(f.registered - f.active)} in another tenant subscribed to a type nobody sends. Then ${fmt(f.active)} × ${f.perEndpoint} = ${fmt(f.events ?? f.active * f.perEndpoint)} events (${f.perEndpoint} per endpoint, sized to ~${P.faninBurstSeconds} s at the measured batch rate) in batches of ${P.batchSize} (each batch covers 100 endpoints). Redis connections are sampled every 0.5 s from CLIENT LIST, attributed to the worker by its sockets.`,
    );
    L.push('');
    if (f.peakWorkerConnections !== undefined) {
      L.push(
        table(
          ['Measure', 'Value'],
          [
            ['worker connections, idle (control, 0 endpoints)', fmt(f.constantConnections)],
            [`worker connections, peak while ${fmt(f.active)} endpoints had work`, `**${fmt(f.peakWorkerConnections)}** at ${fmt(f.peakAt, 1)} s (${Object.entries(f.peakByName ?? {}).map(([k, v]) => `${k} ×${v}`).join(', ')})`],
            ['peak size of the active-endpoints set', fmt(f.peakActiveSet)],
            ['connections per active endpoint at the peak (minus the constant)', fmt((f.peakWorkerConnections - f.constantConnections) / f.active, 2)],
            ['ingest finished / all delivered', `${fmt(f.ingestDoneAt, 1)} s / ${fmt(f.deliveredAt, 1)} s (${fmt(f.rate, 0)} events/s overall)`],
            ['worker connections after the work was done', `${fmt(f.finalWorkerConnections)}${f.droppedAt ? ` (back to ≤ constant + 2 at ${fmt(f.droppedAt, 1)} s)` : ' (did not drop within 45 s)'}`],
            ['BullMQ Workers started during the burst (CLIENT SETNAME of their blocking connections, seen by MONITOR)', `${fmt(f.workersStarted)} for ${fmt(f.active)} endpoints (${fmt(f.workersStarted / f.active, 2)} per endpoint, ${fmt(f.workersStarted / f.accepted, 3)} per event)`],
            ['Redis commands per event during the burst', `worker ${fmt(f.burstWorkerCommandsPerEvent, 2)}, ingest ${fmt(f.burstIngestCommandsPerEvent, 2)}`],
            ['worker peak RSS during the burst', fmtBytes(f.peakWorkerRss)],
            ['receiver: unique deliveries / duplicates', `${fmt(f.receiver?.unique)} / ${fmt(f.receiver?.duplicates)}`],
          ],
        ),
      );
      L.push('');
    }
    if (f.peakByName) {
      const names = Object.keys(f.peakByName);
      const bull = names.filter((n) => n.includes('<queue>'));
      L.push(
        `Connection names: the worker's own connections are \`herald-worker\` and \`herald-worker-sub\`; each per-endpoint BullMQ Worker's blocking connection is **not** named \`herald-worker*\` — BullMQ renames it \`<prefix>:<base64 of the queue name ep.{ep_…}>\`${names.includes('(unnamed)') ? ', and it is unnamed for its first moments' : ''}${bull.length ? '' : ''}. Filtering CLIENT LIST by \`herald-worker*\` would miss them; this benchmark attributes connections by process instead.`,
      );
      L.push('');
    }
    if (f.idle?.length) {
      L.push(`Idle cost, ${f.idle[0].seconds} s windows. "Worker" counts every command the worker's connections sent (MONITOR, attributed by client port); "whole Redis" is the INFO commandstats total for the shared server (other users included, so only an upper bound).`);
      L.push('');
      L.push(
        table(
          ['Window', 'worker cmd/s', 'worker commands (count over the window)', 'worker connections', 'whole Redis cmd/s'],
          f.idle.map((w) => [
            w.label,
            fmt(w.workerCommandsPerSecond, 2),
            Object.entries(w.workerCommands)
              .sort((a, b) => b[1] - a[1])
              .map(([k, v]) => `${k} ${v}`)
              .join(', ') || 'none',
            fmt(w.workerConnections),
            fmt(w.globalCommandsPerSecond, 1),
          ]),
        ),
      );
      L.push('');
    }
  }

  // Hot spots
  const prof = results.profile;
  if (prof?.services && Object.keys(prof.services).length) {
    const failed = s.targets.filter((t) => t.pass === false);
    L.push('## Hot spots (CPU profiles)');
    L.push('');
    L.push(
      `${failed.length ? `Targets missed: ${failed.length}. ` : ''}Profiled with \`node --cpu-prof\` during a ${fmt(prof.run.events)}-event single-ingest run to 1 endpoint (${fmt(prof.run.rate, 0)} events/s while profiled${prof.baselineRun ? `; baseline ${fmt(prof.baselineRun.rate, 0)} events/s` : ''}). Only the samples taken while the measured load ran are counted (start-up and a warm-up run are left out). Self time as a share of each process's busy (non-idle) time in that window. Files: \`${prof.dir}/\` (git-ignored; open in Chrome DevTools → Performance, or speedscope).`,
    );
    L.push('');
    if (prof.perEvent) {
      const pe = prof.perEvent;
      L.push(
        `Per event in that run: **${fmt(pe.pgTransactions, 1)} PostgreSQL transactions** (statements outside a transaction count one each; from pg_stat_database, the bench's own polling subtracted), ${fmt(pe.pgRowsFetched, 1)} rows fetched, ${fmt(pe.pgRowsInserted, 1)} inserted, ${fmt(pe.pgRowsUpdated, 1)} updated; **Redis commands**: ${Object.entries(pe.redisCommands).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')} (MONITOR, by client port).${pe.bullWorkerConnections > 0.005 ? ` The worker started ${fmt(pe.bullWorkerConnections * prof.run.delivered)} BullMQ Workers (${fmt(pe.bullWorkerConnections, 3)} per event) for this ONE endpoint: it retires the endpoint's Worker whenever its queue is momentarily empty (\`drained\`) and starts a new one (new blocking connection, rate-limit query) on the next job.` : ''}`,
      );
      L.push('');
      for (const [svc, cmds] of Object.entries(pe.redisByCommand)) {
        L.push(`- ${svc}: ${Object.entries(cmds).slice(0, 10).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')}`);
      }
      L.push('');
    }
    if (prof.postgres?.samplesFound) {
      const pgp = prof.postgres;
      L.push(`### PostgreSQL — \`perf record -a -g\` during the same run, the bench database's backends only`);
      L.push('');
      L.push(
        `PostgreSQL used ${fmt(prof.perEvent.pgCpuMsPerTransaction, 2)} ms of CPU per transaction (${fmt(prof.perEvent.pgTransactions, 1)} transactions per event). Share of its samples spent inside each stage (inclusive, and lower bounds: perf's call chains stop at frames built without frame pointers; stages nest, so they do not add up): ${pgp.stages.filter((x) => x.pct > 0).map((x) => `**${x.label} ${fmt(x.pct, 1)} %**`).join(', ')}. Kernel (network, fsync, scheduling): ${fmt(pgp.kernelPct, 1)} % self. File: \`${pgp.file}\` (\`perf report -i … --pid …\`).`,
      );
      L.push('');
      L.push(table(['Symbol (self time)', '% of PostgreSQL samples'], pgp.self.slice(0, 12).map((x) => [`\`${x.symbol}\`${x.kernel ? ' (kernel)' : ''}`, fmt(x.pct, 1)])));
      L.push('');
    } else if (prof.postgresNote) {
      L.push(`PostgreSQL profile: ${prof.postgresNote}.`);
      L.push('');
    }
    for (const [name, a] of Object.entries(prof.services)) {
      L.push(`### ${name} — busy ${fmt(a.busyMs / 1000, 1)} s of the ${fmt(a.totalMs / 1000, 1)} s window`);
      L.push('');
      const runOf = name.startsWith('baseline') ? prof.baselineRun : prof.run;
      const cpuMs = runOf?.resources?.cpu?.[name.startsWith('baseline') ? name.replace('-', ' ') : name];
      if (Number.isFinite(cpuMs)) {
        const waiting = Math.max(0, a.busyMs - cpuMs);
        L.push(
          `The process used ${fmt(cpuMs / 1000, 1)} s of CPU (\`/proc\`) in that run, while the profile counts ${fmt(a.busyMs / 1000, 1)} s of non-idle samples: V8 samples wall time, so ~${fmt(waiting / 1000, 1)} s (${pct(waiting / a.busyMs)}) is time the process was runnable but waiting for one of the 2 cores. The kernel mostly switches away where a socket write wakes the reader, so that waiting is charged to the native write frames (\`writev\`, \`writeBuffer\`: ${pct(a.writeMs / a.busyMs)} of samples here). Read the write frames as "waiting for a core" and the rest as CPU.`,
        );
        L.push('');
      }
      L.push(`By package (self time): ${a.packages.slice(0, 10).map((p) => `${p.pkg} ${fmt(p.pct, 1)} %`).join(', ')}.`);
      L.push('');
      L.push(`By library responsible (Node-internal and native frames charged to the library that called them), **excluding the socket-write frames**: ${(a.ownersExclWrites ?? a.owners).slice(0, 10).map((p) => `**${p.pkg} ${fmt(p.pct, 1)} %**`).join(', ')}.`);
      L.push('');
      L.push(`The same including the write frames (so including the waiting): ${a.owners.slice(0, 8).map((p) => `${p.pkg} ${fmt(p.pct, 1)} %`).join(', ')}.`);
      L.push('');
      const cpuLike = a.functions.filter((fn) => !(fn.pkg === '(native/V8)' && WRITE_FRAMES.has(fn.name)));
      const base = a.busyMs - (a.writeMs ?? 0);
      L.push(
        table(
          ['Function (self time, write frames left out)', 'Where', '% of busy excl. writes', 'ms'],
          cpuLike.slice(0, 12).map((fn) => [`\`${fn.name}\``, `${fn.location || fn.pkg}`, fmt((100 * fn.selfMs) / base, 1), fmt(fn.selfMs, 0)]),
        ),
      );
      L.push('');
    }
  }

  // Method notes
  L.push('## What is not measured, or measured differently');
  L.push('');
  const ev = Object.entries(results.throughput?.eventsPerRun ?? {});
  if (ev.some(([, n]) => n < P.maxEvents)) {
    L.push(`- **Events per run:** not a fixed ${fmt(P.maxEvents)}: at this machine's rates that would take well over the 20-minute budget; each scenario sent the same number in each of its runs, sized by its calibration run to ~${P.runSeconds} s (${ev.map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}).`);
  }
  if (results.latency?.plan?.some((p) => p.overloaded)) {
    L.push(`- **Latency at ${results.latency.plan.filter((p) => p.overloaded).map((p) => `${p.rate}`).join(', ')} events/s:** above Herald's maximum here, so no steady state exists; one ${results.latency.overloadMs / 1000} s burst each instead of 3 × ${P.latencyMs / 1000} s (reported, marked overloaded)${results.latency.plan.some((p) => p.extra) ? `, plus ${results.latency.plan.filter((p) => p.extra).map((p) => `${p.rate}/s`).join(', ')} at half the maximum for a steady-state figure` : ''}.`);
  }
  if (results.isolation && results.isolation.rate !== results.isolation.askedRate) {
    L.push(`- **Isolation rate:** ${results.isolation.rate} instead of ${results.isolation.askedRate} events/s (half of what ${fmt(results.isolation.endpoints)} endpoints sustained here), with ${pct(results.isolation.badShare)} of the events to each bad endpoint so they are really busy.`);
  }
  L.push(`- Median of ${P.runs} runs (min–max) for throughput, latency and isolation. Single measurements (deterministic or too slow to repeat in 20 minutes): Redis memory per waiting delivery, the backlog drain, the fan-in burst and its idle windows, PostgreSQL bytes (median of the ${P.runs} 1-endpoint runs), and the profiled run.`);
  L.push(`- The machine is shared: Redis and PostgreSQL serve other users (other engineers' test runs) during the benchmark, visible as "other processes" CPU above and in the load average. Figures move with that load; compare runs on a quiet machine before concluding on small differences.`);
  L.push('- INFO commandstats is server-wide; the idle-cost comparison therefore relies on MONITOR attributed to the worker\'s own connections, which also counts blocking commands once when issued.');
  L.push('- The baseline sends no signature headers and keeps the event in the job (no PostgreSQL at all); it uses the same got call shape and agent settings as `packages/outbound/src/transport.ts` without the SSRF-filtering agent. Herald also uses a plain keep-alive agent here because 127.0.0.1 is allowlisted by name.');
  L.push('- Latency includes the generator → ingest HTTP request; the generator stamps the scheduled send time, so its own lag (reported) counts against Herald.');
  L.push('- CPU per process comes from `/proc/<pid>/stat` (10 ms ticks); PostgreSQL backends are those of the bench database in pg_stat_activity (a backend that exits mid-run loses its last sample).');
  L.push('');
  L.push('## How to reproduce');
  L.push('');
  L.push('```sh');
  L.push('npm install');
  L.push('npm run bench              # full run, ~15–20 min; writes bench/results/<date>.md and .svg');
  L.push('npm run bench -- --quick   # 1 run each, shorter (~4 min); writes <date>-quick.*');
  L.push('npm run bench -- --only throughput,latency   # a subset of phases');
  L.push('npm run bench -- --cleanup-stale             # drop leftovers of an interrupted run');
  L.push('```');
  L.push('');
  L.push(`Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (user postgres, trust). Raw data of this run (every run's numbers, service logs, CPU profiles): \`${rawDir}/\` (git-ignored). Read \`bench/README.md\` for how each figure is taken.`);
  L.push('');
  writeFileSync(mdPath, L.join('\n'));
  return s;
}

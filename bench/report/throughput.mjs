// The report of the throughput phase (with the bare pipeline): scenarios, targets, the
// rate and CPU chart panels, the headlines, its section and notes.
import { barChart, COLORS } from '../lib/svg.mjs';
import { fmt, fmtMmm, mdTable, mmm, pct } from '../lib/util.mjs';

export const TARGETS = { rate: 2000, ratio: 0.6 };

export const SCENARIOS = [
  { key: 'herald1Single', label: 'Herald, 1 endpoint, single-event ingest', short: 'Herald 1 ep\nsingle', baseline: 'baselineSingle' },
  { key: 'herald1Batch', label: 'Herald, 1 endpoint, batch ingest', short: 'Herald 1 ep\nbatch', baseline: 'baselineBatch' },
  // `before`: the baseline these were paired with before they had their own (results of older runs, --report-from).
  { key: 'herald100Single', label: 'Herald, 100 endpoints, single-event ingest', short: 'Herald 100 ep\nsingle', baseline: 'baselineSingleAt100', before: 'baselineSingle' },
  { key: 'herald100Batch', label: 'Herald, 100 endpoints, batch ingest', short: 'Herald 100 ep\nbatch', baseline: 'baselineBatchAt100', before: 'baselineBatch' },
  { key: 'baselineSingle', label: 'Baseline (express+zod → 1 BullMQ queue → got), single-event ingest', short: 'baseline\nsingle' },
  { key: 'baselineBatch', label: 'Baseline, batch ingest', short: 'baseline\nbatch' },
  { key: 'baselineSingleAt100', label: 'Baseline, single-event ingest, between the 100-endpoint runs', short: 'baseline\nsingle (100 ep)' },
  { key: 'baselineBatchAt100', label: 'Baseline, batch ingest, between the 100-endpoint runs', short: 'baseline\nbatch (100 ep)' },
];

/** A scenario's short label on one line (table headers). */
export const shortLabel = (key) => SCENARIOS.find((x) => x.key === key).short.replace('\n', ' ');

/** The baseline scenario a Herald scenario's runs are paired with: its own, or for older results the one it had before. */
function baselineKeyOf(results, sc) {
  return results.throughput?.scenarios?.[sc.baseline]?.length ? sc.baseline : sc.before;
}

/** s.throughput (rate, ingest rate, completeness per scenario) and s.ratios (Herald ÷ baseline, paired runs). */
export function summarize(results, s) {
  s.throughput = {};
  s.ratios = {};
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
    const base = tp[baselineKeyOf(results, sc)];
    if (base?.length) {
      // Runs were interleaved (Herald run r, then its baseline's run r): pair them.
      const pairs = runs.map((r, i) => (base[i] ? r.rate / base[i].rate : null)).filter((x) => x !== null);
      s.ratios[sc.key] = mmm(pairs);
      s.ratios[sc.key].ofMedians = s.throughput[sc.key].rate.median / mmm(base.map((r) => r.rate)).median;
    }
  }
}

export function targets(results, s) {
  const out = [];
  for (const sc of SCENARIOS.filter((x) => x.key.startsWith('herald'))) {
    const t = s.throughput[sc.key];
    if (!t) continue;
    out.push({
      name: `≥ ${fmt(TARGETS.rate)} events/s sustained, fully logged — ${sc.label}`,
      value: fmtMmm(t.rate, 0, ' /s'),
      pass: t.complete && t.rate.median >= TARGETS.rate,
    });
  }
  for (const sc of SCENARIOS.filter((x) => x.baseline)) {
    const r = s.ratios[sc.key];
    if (!r) continue;
    out.push({
      name: `≥ ${TARGETS.ratio * 100} % of the bare pipeline's rate — ${sc.label} vs ${sc.baseline.startsWith('baselineSingle') ? 'baseline single' : 'baseline batch'}`,
      // One decimal: a median just under the target would read as the target itself.
      value: `${pct(r.median, 1)} (${pct(r.min, 1)}–${pct(r.max, 1)})`,
      pass: r.median >= TARGETS.ratio,
    });
  }
  return out;
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

/** The share of both cores in use during a run. */
const busyShare = (r) => r.resources.machine.busyMs / r.resources.machine.capacityMs;

/** The median share of both cores in use over a scenario's runs. */
function utilisation(results, key) {
  return mmm((results.throughput?.scenarios?.[key] ?? []).map(busyShare)).median;
}

function saturated(results) {
  const runs = Object.values(results.throughput?.scenarios ?? {}).flat();
  return runs.length > 0 && runs.every((r) => busyShare(r) >= 0.9);
}

export function headlines(results, s) {
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
  return out;
}

/** Chart panel: maximum sustained rate per scenario. */
export function ratePanel(results, s, box) {
  const P = results.params;
  const tpGroups = SCENARIOS.filter((sc) => s.throughput[sc.key]).map((sc) => {
    const t = s.throughput[sc.key].rate;
    return { label: sc.short, bars: [{ label: 'events/s', value: t.median, min: t.min, max: t.max, color: sc.key.startsWith('herald') ? COLORS.herald : COLORS.baseline }] };
  });
  if (!tpGroups.length) return '';
  return barChart({
    ...box,
    title: '1. Maximum sustained rate (higher is better)',
    subtitle: `first send → last delivery \`delivered\` in PostgreSQL (baseline: at the receiver)\nmedian of ${P.runs} runs, whiskers min–max`,
    unit: 'events/s delivered',
    groups: tpGroups,
    target: { value: TARGETS.rate, label: `target ${fmt(TARGETS.rate)}/s` },
  });
}

/** Chart panel: CPU time per 1,000 events by process, Herald vs the baseline. */
export function cpuPanel(results, s, box) {
  const hc = cpuPerThousand(results, 'herald1Single');
  const bc = cpuPerThousand(results, 'baselineSingle');
  if (!hc) return '';
  const rowsCpu = [
    ['ingest', 'ingest', 'baseline ingest'],
    ['worker', 'worker', 'baseline worker'],
    ['PostgreSQL', 'postgres (bench db)', null],
    ['Redis', 'redis', 'redis'],
    ['receiver', 'receiver', 'receiver'],
    ['load gen.', 'loadgen', 'loadgen'],
  ];
  return barChart({
    ...box,
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
  });
}

/** Rows of the "Where the CPU goes" table: CPU ms per 1,000 delivered events by process, for each scenario in `keys`. */
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
    ...keys.map((key) => pct(utilisation(results, key))),
  ]);
  return rows;
}

export function section(results, s) {
  if (!results.throughput) return [];
  const P = results.params;
  const L = [];
  const tp = results.throughput;
  L.push('## Maximum sustained rate, fully logged, against the bare pipeline');
  L.push('');
  L.push(
    `Each scenario first gets a calibration run of ${fmt(P.calibrationEvents)} events (also the warm-up, not counted); every measured run of it then sends the same number of events, the calibrated rate × ${P.runSeconds} s, within ${fmt(P.minEvents)}–${fmt(P.maxEvents)} (20,000 on a machine that does ≥ 1,700/s), as fast as possible: single events with ${P.singleConcurrency} concurrent keep-alive HTTP clients, or batches of ${P.batchSize} with ${P.batchConcurrency} in flight. Each event goes to exactly one endpoint (each endpoint subscribes to its own event type; events round-robin over the endpoints). **Rate = events ÷ (first send → the moment the last delivery is \`delivered\` in PostgreSQL)**, polled every 50 ms; for the baseline, until the receiver has them all. Runs are interleaved (Herald run r, then a baseline run r of the same ingest mode, …) so both see the same machine, the 100-endpoint runs with baseline runs of their own (the rows "between the 100-endpoint runs"); each ratio pairs a Herald run with the baseline run right after it; before each Herald run the events/deliveries/attempts tables are truncated. Worker concurrency: HERALD_WORKER_CONCURRENCY=${tp.workerConcurrency.oneEndpoint} for 1 endpoint, ${tp.workerConcurrency.hundredEndpoints} (the default) per endpoint for 100 endpoints; baseline Worker concurrency ${tp.workerConcurrency.baseline}.`,
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
  L.push(mdTable(['Scenario', 'Events per run', 'Delivered events/s', 'Ingest acks/s', 'vs baseline', 'Delivered per run', 'Attempt rows', 'Duplicates at receiver'], rows));
  L.push('');
  L.push('"Ingest acks/s" is how fast the generator got its 202s (ingest alone); "delivered" includes the worker catching up afterwards.');
  L.push('');
  L.push('### Where the CPU goes (ms of CPU per 1,000 events delivered, median of runs)');
  L.push('');
  const keys = ['herald1Single', 'herald1Batch', 'herald100Single', 'herald100Batch', 'baselineSingle', 'baselineBatch', 'baselineSingleAt100', 'baselineBatchAt100'].filter((k) => s.throughput[k]);
  L.push(mdTable(['Process', ...keys.map(shortLabel)], cpuTable(results, keys)));
  L.push('');
  L.push(`Two cores give at most 2,000 ms of CPU per second, so the machine's ceiling is about 2,000,000 ÷ (machine busy ms per 1,000 events) events/s. Redis and the PostgreSQL background processes serve the other users of this machine too, and "other processes" is CPU we did not start (other engineers' tests running meanwhile); it competes with the benchmark.`);
  L.push('');
  const budget = ratioBudget(results, s);
  if (budget.length > 0) {
    L.push(
      `**What the ${pct(TARGETS.ratio)} target leaves Herald.** A run's rate is about (machine utilisation × 2,000,000) ÷ (machine busy ms per 1,000 events), so Herald reaches ${pct(TARGETS.ratio)} of the bare pipeline's rate when its machine CPU per 1,000 events is at most the bare pipeline's × (Herald's utilisation ÷ the bare pipeline's) ÷ ${TARGETS.ratio}. For each scenario below the target (medians of the table above):`,
    );
    L.push('');
    for (const line of budget) L.push(`- ${line}`);
    L.push('');
  }
  return L;
}

/**
 * For each Herald scenario whose ratio misses the target: the machine CPU per 1,000 events it could
 * use and still reach it, against what it used and what PostgreSQL (which the bare pipeline does not
 * have) took of that.
 */
function ratioBudget(results, s) {
  const out = [];
  for (const sc of SCENARIOS.filter((x) => x.baseline)) {
    const ratio = s.ratios[sc.key];
    const baseKey = baselineKeyOf(results, sc);
    const herald = cpuPerThousand(results, sc.key);
    const base = baseKey ? cpuPerThousand(results, baseKey) : null;
    if (!ratio || ratio.median >= TARGETS.ratio || !herald || !base) continue;
    const [heraldBusy, baseBusy] = [utilisation(results, sc.key), utilisation(results, baseKey)];
    const allowed = (base.machine * (heraldBusy / baseBusy)) / TARGETS.ratio;
    const pg = (herald['postgres (bench db)'] ?? 0) + (herald['postgres (background)'] ?? 0);
    const over = herald.machine - allowed;
    out.push(
      `${shortLabel(sc.key)}: at most ${fmt(allowed, 0)} ms (the bare pipeline used ${fmt(base.machine, 0)} at ${pct(baseBusy)} busy, Herald ran at ${pct(heraldBusy)}); Herald used ${fmt(herald.machine, 0)}, ${over > 0 ? `${fmt(over, 0)} over` : `${fmt(-over, 0)} under it (the ratio pairs each run with its own baseline run, these are medians over the runs: the shortfall is within the runs' spread, not in CPU per event)`}, of which PostgreSQL took ${fmt(pg, 0)} and everything else ${fmt(herald.machine - pg, 0)} against the bare pipeline's ${fmt(base.machine, 0)}.${movedBaseline(results, sc, baseKey, heraldBusy)}`,
    );
  }
  return out;
}

/**
 * For a 100-endpoint scenario paired with the bare pipeline's runs between the 100-endpoint runs:
 * when those used a sixth more or less machine CPU per event than the bare pipeline's runs between
 * the 1-endpoint runs (the same code, minutes earlier), a sentence saying so and what the budget
 * would be against the earlier ones. Else ''.
 */
function movedBaseline(results, sc, baseKey, heraldBusy) {
  if (!sc.before || baseKey === sc.before) return '';
  const [now, earlier] = [cpuPerThousand(results, baseKey), cpuPerThousand(results, sc.before)];
  if (!now || !earlier || Math.abs(earlier.machine / now.machine - 1) < 1 / 6) return '';
  const allowed = (earlier.machine * (heraldBusy / utilisation(results, sc.before))) / TARGETS.ratio;
  return ` The bare pipeline itself moved: between the 1-endpoint runs, minutes earlier, the same code used ${fmt(earlier.machine, 0)} ms per 1,000 events (its worker ${fmt(earlier['baseline worker'] ?? 0, 0)}, against ${fmt(now['baseline worker'] ?? 0, 0)} here), and against those runs the budget would be ${fmt(allowed, 0)} ms.`;
}

export function notes(results) {
  const P = results.params;
  const L = [];
  const ev = Object.entries(results.throughput?.eventsPerRun ?? {});
  if (ev.some(([, n]) => n < P.maxEvents)) {
    L.push(`- **Events per run:** not a fixed ${fmt(P.maxEvents)}: at this machine's rates that would take well over the 20-minute budget; each scenario sent the same number in each of its runs, sized by its calibration run to ~${P.runSeconds} s (${ev.map(([k, n]) => `${k} ${fmt(n)}`).join(', ')}).`);
  }
  return L;
}

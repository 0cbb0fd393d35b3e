// The report of the isolation phase: control vs bad runs, the isolation target, the chart
// panel, the headline, its section and notes.
import { barChart, COLORS } from '../lib/svg.mjs';
import { fmt, fmtMmm, mdTable, mmm, pct, pctMmm } from '../lib/util.mjs';

export const TARGETS = { isolation: 0.1 };

/** s.isolation: healthy endpoints' p50/p99 in the control and the bad runs, and the change. */
export function summarize(results, s) {
  s.isolation = null;
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
}

export function targets(results, s) {
  const out = [];
  const iso = results.isolation;
  if (s.isolation) {
    out.push({
      name: `healthy endpoints' p99 moves ≤ ${TARGETS.isolation * 100} % with one slow and one failing endpoint of ${fmt(iso.endpoints)}`,
      value: `${fmt(s.isolation.control.median, 1)} → ${fmt(s.isolation.bad.median, 1)} ms (${s.isolation.change >= 0 ? '+' : ''}${pct(s.isolation.change, 1)})${s.isolation.noise !== null ? `; the control runs alone span ${fmt(s.isolation.control.min, 1)}–${fmt(s.isolation.control.max, 1)} ms (${pct(s.isolation.noise)} of their median)` : ''}`,
      pass: Math.abs(s.isolation.change) <= TARGETS.isolation,
      note: s.isolation.noise !== null && Math.abs(s.isolation.change) > TARGETS.isolation && Math.abs(s.isolation.change) < s.isolation.noise ? 'within run-to-run noise' : null,
    });
  }
  return out;
}

export function headlines(results, s) {
  const out = [];
  if (s.isolation) {
    out.push(
      `**Isolation:** with one endpoint answering after ${results.isolation.slowMs / 1000} s and one failing, the healthy endpoints' p99 went from ${fmtMmm(s.isolation.control, 1)} to ${fmtMmm(s.isolation.bad, 1)} ms (${s.isolation.change >= 0 ? '+' : ''}${pct(s.isolation.change, 1)}) at ${results.isolation.rate} events/s over ${fmt(results.isolation.endpoints)} endpoints.`,
    );
  }
  return out;
}

/** Chart panel: healthy endpoints' p50 and p99, all healthy vs with a slow and a failing one. */
export function panel(results, s, box) {
  const P = results.params;
  if (!s.isolation) return '';
  const i = s.isolation;
  return barChart({
    ...box,
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
  });
}

export function section(results, s) {
  if (!s.isolation) return [];
  const P = results.params;
  const L = [];
  const iso = results.isolation;
  L.push('## Isolation');
  L.push('');
  L.push(
    `${fmt(iso.endpoints)} endpoints created through the api (${fmt(iso.setup.endpointsPerSecond, 0)} endpoints/s), each subscribed to its own event type. ${iso.rate !== iso.askedRate ? `A closed-loop calibration with these ${fmt(iso.endpoints)} endpoints reached ${fmt(iso.capacity, 0)} events/s, so ${iso.askedRate}/s would overload Herald here (and the comparison would measure the backlog): the runs use **${iso.rate} events/s** (≤ half of that). ` : ''}${iso.rate} events/s open-loop for ${iso.durationMs / 1000} s (+${iso.warmupMs / 1000} s warm-up), each event to one endpoint: ${iso.badShare ? `${pct(iso.badShare)} of them to endpoint 0, ${pct(iso.badShare)} to endpoint 1 (${fmt(iso.rate * iso.badShare, 1)} events/s each) and the rest round-robin over the ${fmt(iso.endpoints - 2)} others (about ${fmt((iso.rate * (1 - 2 * iso.badShare)) / (iso.endpoints - 2), 2)} events/s each), the same in every run` : `round-robin over all of them (about ${fmt(iso.rate / iso.endpoints, 2)} events/s per endpoint)`}. In the "bad" runs endpoint 0 answers after ${iso.slowMs / 1000} s${iso.badShare ? ` (with ${iso.workerConcurrency} deliveries at a time it can take ${fmt(iso.workerConcurrency / (iso.slowMs / 1000), 1)}/s, so its own queue grows all run)` : ''} and endpoint 1 returns 500 (each delivery retried later, 30 s base); in the control runs they answer at once. Both are left out of the latency in both kinds of run, so the same set of healthy endpoints is compared. Runs alternate control/bad, ${P.runs} each. Worker concurrency ${iso.workerConcurrency} per endpoint.`,
  );
  L.push('');
  const i = s.isolation;
  L.push(
    mdTable(
      ['Healthy endpoints', 'p50 ms', 'p99 ms', 'max ms', 'deliveries measured per run', 'CPU of other users\' processes'],
      [
        ['control (all healthy)', fmtMmm(i.controlP50, 1), fmtMmm(i.control, 1), fmtMmm(mmm(iso.control.map((r) => r.latency.max)), 0), fmt(mmm(iso.control.map((r) => r.measured)).median), pctMmm(mmm(iso.control.map((r) => r.resources?.machine.otherMs / r.resources?.machine.capacityMs)))],
        ['with one slow and one failing endpoint', fmtMmm(i.badP50, 1), fmtMmm(i.bad, 1), fmtMmm(mmm(iso.bad.map((r) => r.latency.max)), 0), fmt(mmm(iso.bad.map((r) => r.measured)).median), pctMmm(mmm(iso.bad.map((r) => r.resources?.machine.otherMs / r.resources?.machine.capacityMs)))],
      ],
    ),
  );
  L.push('');
  L.push(
    `Change of the median p99: **${i.change >= 0 ? '+' : ''}${pct(i.change, 1)}** (run-by-run pairs: ${pct(i.pairChanges.min, 1)} to ${pct(i.pairChanges.max, 1)}).${i.noise !== null ? ` For scale: the ${P.runs} control runs alone, identical by construction, span ${fmt(i.control.min, 1)}–${fmt(i.control.max, 1)} ms, ${pct(i.noise)} of their median — a p99 over ~${fmt(mmm(iso.control.map((r) => r.measured)).median)} deliveries is set by its ~${fmt(mmm(iso.control.map((r) => r.measured)).median / 100)} slowest ones (a GC pause, another process taking the core), so on this shared 2-core machine a 10 % criterion can be below the noise; compare the p50 and max columns too.` : ''} Requests the bad endpoints got per bad run: ${i.excluded.map((e) => Object.entries(e).map(([k, v]) => `${k} ${v}`).join(', ')).join(' | ')}.`,
  );
  L.push('');
  return L;
}

export function notes(results) {
  const L = [];
  if (results.isolation && results.isolation.rate !== results.isolation.askedRate) {
    L.push(`- **Isolation rate:** ${results.isolation.rate} instead of ${results.isolation.askedRate} events/s (half of what ${fmt(results.isolation.endpoints)} endpoints sustained here), with ${pct(results.isolation.badShare)} of the events to each bad endpoint so they are really busy.`);
  }
  return L;
}

// Turns the results object of bench/run.mjs into bench/results/<date>.md and .svg. This file
// is the frame (machine and command, headlines, targets, method notes, how to reproduce, the
// chart grid); each phase's figures, chart panels and section are in bench/report/<phase>.mjs.
import { writeFileSync } from 'node:fs';
import { page } from '../lib/svg.mjs';
import { fmt, mdTable } from '../lib/util.mjs';
import * as fanin from './fanin.mjs';
import * as fleet from './fleet.mjs';
import * as isolation from './isolation.mjs';
import * as latency from './latency.mjs';
import * as ordering from './ordering.mjs';
import * as profile from './profile.mjs';
import * as resources from './resources.mjs';
import * as signing from './signing.mjs';
import * as spread from './spread.mjs';
import * as throughput from './throughput.mjs';

/**
 * Sections of the Markdown report, in order (profile's "Hot spots" last, after fan-in). Each is
 * numbered by its place here (signing 0, throughput 1, latency 2, …), whichever phases ran, so
 * a section's number is the same in every report and the text can refer to it.
 */
const SECTIONS = [signing, throughput, latency, spread, fleet, ordering, isolation, resources, fanin, profile];
const UNNUMBERED = new Set([profile]);

/** A part's section, its heading numbered by the part's place in SECTIONS. */
function numberedSection(part, results, s) {
  const lines = part.section(results, s);
  if (lines.length === 0 || UNNUMBERED.has(part)) return lines;
  if (!lines[0].startsWith('## ')) throw new Error(`a report section must start with its "## " heading: ${lines[0]}`);
  return [`## ${SECTIONS.indexOf(part)}. ${lines[0].slice(3)}`, ...lines.slice(1)];
}
/** Headlines, in order (fan-in's before resources'). */
const HEADLINES = [throughput, latency, spread, fleet, ordering, isolation, fanin, resources, profile, signing];

/** The machine probes (bench/lib/machine-probes.mjs), taken before any load: what a commit and fresh memory cost here. */
function probesLine({ commit, firstTouch }) {
  const ms = (x) => fmt(x, 2);
  return `**Machine probes** (before any load; they tell machines apart where the bare pipeline's CPU per event does not): a PostgreSQL commit of one small row (${commit.commits} of them, ${commit.gapMs} ms apart), p50 ${ms(commit.durable.p50)} ms and p99 ${ms(commit.durable.p99)} ms, against ${ms(commit.unflushed.p50)} and ${ms(commit.unflushed.p99)} ms without waiting for the WAL flush (\`synchronous_commit = off\` for that session only): every 202 of ingest waits for such a flush. Touching memory for the first time: ${firstTouch ? `${fmt(firstTouch.usPerPage, 1)} µs per 4 KiB page` : 'not measured'} (64 MiB never used, less touching it again); a scavenge copying into fresh pages pays it.`;
}

const passFail = (ok) => (ok === null || ok === undefined ? 'n/a' : ok ? '**PASS**' : '**FAIL**');

/** Everything the report and the chart need, computed once: each phase's summary, then the targets. */
export function summarize(results) {
  const s = {};
  for (const part of SECTIONS) part.summarize?.(results, s);
  s.targets = SECTIONS.flatMap((part) => part.targets?.(results, s) ?? []);
  return s;
}

/** The SVG page: six panels on a 2 × 3 grid; a panel without data leaves its cell empty. */
function chart(results, s) {
  const W = 1240;
  const panelW = 600;
  const panelH = 360;
  const gap = 13;
  const x1 = 13;
  const x2 = x1 + panelW + gap;
  const rows = [50, 50 + panelH + gap, 50 + 2 * (panelH + gap)];
  const grid = [
    [throughput.ratePanel, latency.panel],
    [isolation.panel, fanin.connectionsPanel],
    [throughput.cpuPanel, fanin.idlePanel],
  ];
  const panels = grid.flatMap((cells, row) => cells.map((panel, col) => panel(results, s, { x: col ? x2 : x1, y: rows[row], width: panelW, height: panelH })));
  const m = results.machine;
  return page({
    width: W,
    height: rows[2] + panelH + 40,
    title: `Herald benchmark ${results.startedAt.slice(0, 10)}${results.quick ? ' (--quick: 1 run each, shorter)' : ''} — ${m.nproc} cores, Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`,
    footer: `${results.command} · commit ${m.git} · total ${Math.round(results.totalSeconds / 60)} min · details in the .md report next to this file`,
    panels: panels.filter(Boolean),
  });
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
  L.push(`- **Stack:** api, ingest and worker from \`apps/*/dist/main.js\` as child processes (cwd an empty temp dir)${m.serviceNodeArgs ? `, run as \`npm start\` runs them, with the Node flags ${Object.entries(m.serviceNodeArgs).map(([name, flags]) => `${name} \`${flags.join(' ')}\``).join(', ')} (\`HERALD_START_NODE_ARGS\`; the bare pipeline's ingest and worker get ingest's and the worker's)` : ''}, a fresh database \`herald_bench_<timestamp>\` (\`node scripts/db-setup.mjs\`), Redis prefix \`herald-bench-<timestamp>\`, \`LOG_LEVEL=warn\`, \`HERALD_ALLOW_HTTP=true\`, \`HERALD_OUTBOUND_ALLOWLIST=127.0.0.1\`, other settings default (retry base 30 s, reconcile every 30 s). Dropped afterwards.`);
  if (m.probes) L.push(`- ${probesLine(m.probes)}`);
  L.push(`- **Receiver** (\`bench/receiver.mjs\`) and **load generator** (\`bench/loadgen.mjs\`) run as their own processes; latency = the receiver's CLOCK_MONOTONIC time (\`process.hrtime\`, one clock for every process on the machine, unmoved by wall-clock steps) − the \`sent_at\` the generator put in the payload, read from the same clock.`);
  if (results.notes.length) for (const n of results.notes) L.push(`- **Note:** ${n}`);
  if (results.errors.length) for (const e of results.errors) L.push(`- **Phase \`${e.phase}\` failed:** ${e.message.split('\n')[0]}`);
  L.push('');

  L.push('## Headlines');
  L.push('');
  for (const line of HEADLINES.flatMap((part) => part.headlines?.(results, s) ?? [])) L.push(`- ${line}`);
  L.push('');
  L.push('## Targets');
  L.push('');
  L.push(mdTable(['Target', 'Measured: median (min–max)', 'Result'], s.targets.map((t) => [t.name, t.value, `${passFail(t.pass)}${t.note ? ` (${t.note})` : ''}`])));
  L.push('');

  for (const part of SECTIONS) L.push(...numberedSection(part, results, s));

  // Method notes
  L.push('## What is not measured, or measured differently');
  L.push('');
  for (const part of SECTIONS) L.push(...(part.notes?.(results, s) ?? []));
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

// PostgreSQL hot spots with Linux perf (optional: skipped when perf is missing or not allowed).
// Records the whole machine during the profiled run, then reports only the bench database's
// backends (by pid): self time by symbol, and inclusive time of the stages of a query.
import { spawn, spawnSync } from 'node:child_process';
import { sleep } from './util.mjs';

/** Stages of a PostgreSQL statement, by the functions that contain them (inclusive time). */
const STAGES = [
  ['raw parsing (SQL text → parse tree)', ['pg_parse_query', 'raw_parser']],
  ['analysis / rewrite', ['pg_analyze_and_rewrite_varparams', 'pg_analyze_and_rewrite_fixedparams', 'pg_analyze_and_rewrite', 'parse_analyze_varparams', 'parse_analyze_fixedparams']],
  ['planning', ['pg_plan_queries', 'pg_plan_query', 'standard_planner', 'planner']],
  ['executor start-up', ['standard_ExecutorStart', 'ExecutorStart']],
  ['execution', ['standard_ExecutorRun', 'ExecutorRun', 'PortalRun']],
  ['foreign-key and other triggers', ['AfterTriggerEndQuery', 'AfterTriggerFireDeferred']],
  ['index maintenance', ['ExecInsertIndexTuples', 'index_insert', 'btinsert']],
  ['commit', ['CommitTransactionCommand', 'CommitTransaction', 'finish_xact_command']],
  ['WAL flush (fsync)', ['XLogFlush', 'issue_xlog_fsync']],
];

export function perfAvailable() {
  const probe = spawnSync('perf', ['--version'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** Starts `perf record -a -g`; stop() ends it (SIGINT) and resolves once the file is written. */
export function startPerf(file) {
  const child = spawn('perf', ['record', '-a', '-g', '-F', '499', '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    async stop() {
      child.kill('SIGINT');
      const result = await Promise.race([exited, sleep(30_000).then(() => null)]);
      if (!result) child.kill('SIGKILL');
      return { ok: Boolean(result) && (result.code === 0 || result.signal === 'SIGINT'), stderr: stderr.slice(-500) };
    },
  };
}

function report(file, pids, extra) {
  const out = spawnSync('perf', ['report', '-i', file, '--stdio', '--pid', pids.join(','), '--sort', 'symbol', '-g', 'none', '--percentage', 'relative', '--percent-limit', '0.3', ...extra], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.status === 0 ? out.stdout : '';
}

/** Self time by symbol and inclusive time by query stage, for the given PostgreSQL backend pids. */
export function analyzePerf(file, pids, { top = 15 } = {}) {
  if (!pids.length) return null;
  const self = [];
  for (const line of report(file, pids, ['--no-children']).split('\n')) {
    const m = /^\s+([\d.]+)%\s+\[([.k])\]\s+(\S+)/.exec(line);
    if (m && !m[3].startsWith('0x')) self.push({ pct: Number(m[1]), kernel: m[2] === 'k', symbol: m[3] });
  }
  const children = new Map();
  for (const line of report(file, pids, ['--children']).split('\n')) {
    const m = /^\s+([\d.]+)%\s+([\d.]+)%\s+\[([.k])\]\s+(\S+)/.exec(line);
    if (m) children.set(m[4], Number(m[1]));
  }
  const stages = STAGES.map(([label, symbols]) => ({
    label,
    pct: Math.max(0, ...symbols.map((s) => children.get(s) ?? 0)),
    via: symbols.find((s) => children.has(s)) ?? null,
  }));
  const kernel = self.filter((x) => x.kernel).reduce((a, x) => a + x.pct, 0);
  return { self: self.slice(0, top), stages, kernelPct: kernel, samplesFound: self.length > 0 };
}

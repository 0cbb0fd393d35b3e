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

// Sorted by pid too: perf filters a histogram entry by the thread of the first sample merged into it, so with
// `--sort symbol` alone a symbol other processes share (the kernel's, libc's) came in with every process's samples
// when one of these pids was first to hit it (clear_page_erms, mostly the Node processes', was once 18 % of
// "PostgreSQL"). Each pid's entries are summed per symbol below.
function report(file, pids, extra) {
  const out = spawnSync('perf', ['report', '-i', file, '--stdio', '--pid', pids.join(','), '--sort', 'pid,symbol', '-g', 'none', '--percentage', 'relative', ...extra], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return out.status === 0 ? out.stdout : '';
}

/** A report's lines as symbol → { pct, kernel }, its first percentage summed over the pids. */
function bySymbol(text) {
  const sums = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(?:[\d.]+%\s+)?\d+:\S+\s+\[([.k])\]\s+(\S+)/.exec(line);
    if (!m) continue;
    const entry = sums.get(m[3]) ?? { pct: 0, kernel: m[2] === 'k' };
    entry.pct += Number(m[1]);
    sums.set(m[3], entry);
  }
  return sums;
}

/** Self time by symbol and inclusive time by query stage, for the given PostgreSQL backend pids. */
export function analyzePerf(file, pids, { top = 15 } = {}) {
  if (!pids.length) return null;
  const self = [...bySymbol(report(file, pids, ['--no-children']))]
    .filter(([symbol]) => !symbol.startsWith('0x'))
    .map(([symbol, { pct, kernel }]) => ({ pct: Math.round(pct * 100) / 100, kernel, symbol }))
    .sort((a, b) => b.pct - a.pct);
  const children = new Map([...bySymbol(report(file, pids, ['--children']))].map(([symbol, { pct }]) => [symbol, pct]));
  const stages = STAGES.map(([label, symbols]) => ({
    label,
    pct: Math.max(0, ...symbols.map((s) => children.get(s) ?? 0)),
    via: symbols.find((s) => children.has(s)) ?? null,
  }));
  const kernel = self.filter((x) => x.kernel).reduce((a, x) => a + x.pct, 0);
  return { self: self.slice(0, top), stages, kernelPct: kernel, samplesFound: self.length > 0 };
}

#!/usr/bin/env node
// `npm test`: the whole suite (typecheck + unit + integration) through turbo.
// Extra arguments go to turbo, e.g. `npm test -- --filter=@herald/core`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { reachable } from './lib/net.mjs';
import { reportOptions, watchStall } from './lib/stall-watch.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** host and port of a URL, with the given defaults. */
function target(url, fallbackPort) {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(parsed.port) || fallbackPort };
}

const deps = [
  {
    name: 'Redis',
    at: target(process.env.REDIS_URL || 'redis://127.0.0.1:6379', 6379),
    how: 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
  },
  {
    name: 'PostgreSQL',
    at: target(process.env.HERALD_TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres', 5432),
    how: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
];
const down = [];
for (const dep of deps) if (!(await reachable(dep.at))) down.push(dep);
if (down.length > 0) {
  const what = down.map((dep) => `${dep.name} (${dep.at.host}:${dep.at.port})`).join(' and ');
  const how = down.map((dep) => dep.how).join(' && ');
  process.stderr.write(`npm test cannot reach ${what}; start ${down.length > 1 ? 'them' : 'it'} with: ${how}   (or: bash .ci/run)\n`);
  process.exit(1);
}

// Every Node process of the suite writes a diagnostic report on SIGUSR2, which the stall
// watch below asks for when the suite has printed nothing for this long.
const stallMinutes = Number(process.env.HERALD_TEST_STALL_MINUTES || 10);
if (!(stallMinutes > 0)) {
  process.stderr.write(`HERALD_TEST_STALL_MINUTES must be a number of minutes above 0, not "${process.env.HERALD_TEST_STALL_MINUTES}"\n`);
  process.exit(1);
}
const reports = reportOptions(process.env.NODE_OPTIONS);
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', NODE_OPTIONS: reports.nodeOptions };
// Each task's lines as they come (prefixed with the task's name), never held back until the
// task ends: a task that hangs shows how far it got, and the stall watch sees the suite move.
const args = ['turbo', 'run', 'typecheck', 'test', '--concurrency=2', '--continue', '--log-order=stream'];
if (process.env.CI || !process.stdout.isTTY) {
  Object.assign(env, { FORCE_COLOR: '0', NO_COLOR: '1' });
  args.push('--no-color');
}
args.push(...process.argv.slice(2));

// Output passes through as it comes; jest's per-workspace "Tests:" lines are summed
// into one closing line, so a reader (or CI) sees the whole suite's count at the end.
const child = spawn('npx', args, { cwd: root, stdio: ['inherit', 'pipe', 'pipe'], env });
let stalled = false;
const watch = watchStall(/** @type {number} */ (child.pid), {
  stallMs: stallMinutes * 60_000,
  reportDir: reports.dir,
  onStall(description) {
    stalled = true;
    process.stdout.write(
      `\nnpm test: nothing printed for ${stallMinutes} minutes (HERALD_TEST_STALL_MINUTES); still running:\n${description}\nnpm test: stopping the suite.\n`,
    );
  },
});
const totals = { passed: 0, failed: 0, skipped: 0 };
let pending = '';
child.stderr.on('data', (chunk) => {
  watch.moved();
  process.stderr.write(chunk);
});
child.stdout.on('data', (chunk) => {
  watch.moved();
  process.stdout.write(chunk);
  const lines = (pending + chunk.toString('utf8')).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    if (!/Tests:\s/.test(line)) continue;
    for (const key of Object.keys(totals)) {
      const match = new RegExp(`(\\d+) ${key}`).exec(line);
      if (match) totals[key] += Number(match[1]);
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.once('exit', async (code, signal) => {
  await watch.stop();
  const exitCode = stalled ? 1 : (code ?? (signal ? 1 : 0));
  process.stdout.write(`\nHerald: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped${stalled ? ', stopped after a stall' : ''}\n`);
  process.exit(exitCode === 0 && totals.failed > 0 ? 1 : exitCode);
});

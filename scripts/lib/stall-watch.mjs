// @ts-check
// `npm test`'s guard against a suite that stops moving: when the suite has printed nothing for
// a while, it says what is still running and why (each Node process's JavaScript stack and the
// handles keeping it alive, from Node's diagnostic report), then stops it, so a hung test
// fails with its cause on the page instead of running into CI's time limit with no output.
// Plain Node, no dependencies (it runs before anything is built). The process tree is read
// from /proc: on a system without it the guard lists nothing and stops only the suite's root.
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitGone } from './processes.mjs';

/** The signal on which Node writes a diagnostic report (`--report-signal`). */
const REPORT_SIGNAL = 'SIGUSR2';

/**
 * A directory for diagnostic reports and the NODE_OPTIONS that make every Node process the
 * suite starts write one there on {@link REPORT_SIGNAL} (and do nothing else with it).
 *
 * @param {string | undefined} nodeOptions the NODE_OPTIONS to add to
 */
export function reportOptions(nodeOptions) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-test-reports-'));
  // An outer suite's report flags (npm test run by a test of npm test) give way to these.
  const kept = (nodeOptions ?? '').split(/\s+/).filter((flag) => flag && !/^--report-(on-signal|signal=|directory=)/.test(flag));
  return { dir, nodeOptions: [...kept, '--report-on-signal', `--report-signal=${REPORT_SIGNAL}`, `--report-directory=${dir}`].join(' ') };
}

/**
 * @typedef {object} ProcessInfo
 * @property {number} pid
 * @property {number} ppid
 * @property {number} seconds how long it has run
 * @property {number} cpuSeconds how long it has run on a CPU: close to `seconds` for a loop that never yields
 * @property {string} state R running, S sleeping, D waiting on a disk, Z exited but not collected (see proc(5))
 * @property {string[]} argv
 * @property {string} cwd '' if unreadable
 */

/**
 * The processes descended from `rootPid` (itself included), parents before children.
 *
 * @param {number} rootPid
 * @returns {ProcessInfo[]}
 */
function processTree(rootPid) {
  if (!existsSync('/proc/self/stat')) return [];
  const ticks = 100; // USER_HZ: /proc's start times are in clock ticks, 100 a second on Linux
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  /** @type {Map<number, ProcessInfo>} */
  const all = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name, in parentheses, may hold spaces; the fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // another user's process: its directory stays unnamed
      }
      all.set(Number(name), {
        pid: Number(name),
        ppid: Number(fields[1]),
        seconds: Math.round(uptime - Number(fields[19]) / ticks),
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / ticks,
        state: fields[0],
        argv,
        cwd,
      });
    } catch {
      // gone while we looked
    }
  }
  /** @type {ProcessInfo[]} */
  const tree = [];
  const visit = (/** @type {number} */ pid) => {
    const info = all.get(pid);
    if (!info) return;
    tree.push(info);
    for (const child of all.values()) if (child.ppid === pid) visit(child.pid);
  };
  visit(rootPid);
  return tree;
}

/** @param {ProcessInfo} info */
function isNode(info) {
  return path.basename(info.argv[0] ?? '') === 'node' || info.argv[0] === process.execPath;
}

/**
 * What a diagnostic report says of why its process is still there: where its JavaScript is,
 * and the handles that keep its event loop alive (active and referenced).
 *
 * @param {any} report a parsed Node diagnostic report
 * @returns {string[]}
 */
function describeReport(report) {
  const lines = [];
  const stack = (report.javascriptStack?.stack ?? []).filter((/** @type {string} */ line) => !line.includes('node:internal/process/report'));
  lines.push(stack.length > 0 ? 'JavaScript stack:' : 'JavaScript stack: none (waiting in the event loop)');
  for (const frame of stack.slice(0, 12)) lines.push(`  ${frame}`);
  const keeping = (report.libuv ?? []).filter((/** @type {any} */ handle) => handle.is_active && handle.is_referenced);
  lines.push(keeping.length > 0 ? 'handles keeping it alive:' : 'handles keeping it alive: none');
  for (const handle of keeping) {
    const at = (/** @type {any} */ end) => (end ? `${end.host}:${end.port}` : '');
    const detail = [
      handle.localEndpoint ? `local ${at(handle.localEndpoint)}` : '',
      handle.remoteEndpoint ? `remote ${at(handle.remoteEndpoint)}` : '',
      handle.filename ? `file ${handle.filename}` : '',
      handle.pid ? `child pid ${handle.pid}` : '',
      handle.type === 'timer' && handle.firesInMsFromNow !== undefined ? `fires in ${handle.firesInMsFromNow} ms` : '',
      handle.signum ? `signal ${handle.signal ?? handle.signum}` : '',
    ].filter(Boolean);
    lines.push(`  ${handle.type}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`);
  }
  return lines;
}

/**
 * Asks every Node process in `tree` for a diagnostic report and waits up to `timeoutMs` for
 * them; resolves to the parsed reports by pid. A process that cannot answer (stopped, or not
 * started with {@link reportOptions}) is simply missing.
 *
 * @param {ProcessInfo[]} tree
 * @param {string} dir the reports' directory
 * @param {number} timeoutMs
 */
async function collectReports(tree, dir, timeoutMs) {
  const asked = tree.filter(isNode);
  for (const info of asked) {
    try {
      process.kill(info.pid, REPORT_SIGNAL);
    } catch {
      // gone
    }
  }
  /** @type {Map<number, any>} */
  const reports = new Map();
  const read = new Set();
  const deadline = Date.now() + timeoutMs;
  while (reports.size < asked.length && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const name of readdirSync(dir)) {
      if (read.has(name)) continue;
      try {
        const report = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
        reports.set(Number(report.header?.processId), report);
        read.add(name);
      } catch {
        // still being written
      }
    }
  }
  return reports;
}

/**
 * What is running under `rootPid`, one paragraph a process, with each Node process's report.
 *
 * @param {number} rootPid
 * @param {string} reportDir
 * @param {number} [reportTimeoutMs]
 * @returns {Promise<string>}
 */
async function describeTree(rootPid, reportDir, reportTimeoutMs = 10_000) {
  const tree = processTree(rootPid);
  if (tree.length === 0) return 'the processes cannot be listed here (no /proc)';
  const reports = await collectReports(tree, reportDir, reportTimeoutMs);
  const paragraphs = tree.map((info) => {
    const command = info.argv.join(' ');
    const head =
      `pid ${info.pid} (parent ${info.ppid}), state ${info.state}, up ${info.seconds} s, ${info.cpuSeconds.toFixed(1)} s on a CPU` +
      `${info.cwd ? `, in ${info.cwd}` : ''}: ${command.length > 300 ? `${command.slice(0, 300)}…` : command}`;
    const report = reports.get(info.pid);
    if (report) return [head, ...describeReport(report).map((line) => `    ${line}`)].join('\n');
    // Node answers the report signal between two turns of its event loop, never inside one.
    return isNode(info) ? `${head}\n    no report: busy in one turn of its event loop (a loop that never yields?) or not started by npm test` : head;
  });
  return paragraphs.join('\n');
}

/**
 * Stops every process under `rootPid` (itself included): SIGTERM, then SIGKILL to what is
 * left after up to `graceMs`.
 *
 * @param {number} rootPid
 * @param {number} [graceMs]
 */
async function stopTree(rootPid, graceMs = 5_000) {
  // Listed before the first signal: a child whose parent has died is no longer under rootPid.
  const listed = processTree(rootPid).map((info) => info.pid);
  const first = listed.length > 0 ? listed : [rootPid];
  const signal = (/** @type {number[]} */ pids, /** @type {NodeJS.Signals} */ name) => {
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // gone
      }
    }
  };
  signal(first, 'SIGTERM');
  await Promise.all(first.map((pid) => waitGone(pid, graceMs)));
  signal([...new Set([rootPid, ...first, ...processTree(rootPid).map((info) => info.pid)])], 'SIGKILL');
}

/**
 * Watches a running suite: call `moved()` whenever it prints. After `stallMs` without a call,
 * `onStall(description)` gets what is running under `rootPid` and why (see {@link describeTree}),
 * and the tree is stopped. `stop()` ends the watch, waits for a stop under way to finish and
 * removes the reports' directory.
 *
 * @param {number} rootPid
 * @param {{ stallMs: number, reportDir: string, onStall: (description: string) => void, reportTimeoutMs?: number }} options
 */
export function watchStall(rootPid, { stallMs, reportDir, onStall, reportTimeoutMs }) {
  let last = Date.now();
  /** @type {Promise<void> | undefined} */
  let stopping;
  const timer = setInterval(
    () => {
      if (stopping || Date.now() - last < stallMs) return;
      clearInterval(timer);
      stopping = (async () => {
        onStall(await describeTree(rootPid, reportDir, reportTimeoutMs));
        await stopTree(rootPid);
      })();
    },
    Math.min(stallMs, 5_000),
  );
  return {
    moved() {
      last = Date.now();
    },
    async stop() {
      clearInterval(timer);
      await stopping;
      rmSync(reportDir, { recursive: true, force: true });
    },
  };
}

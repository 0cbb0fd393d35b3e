// @ts-check
// Running the database servers' programs from `npm start`: to completion with their output
// kept, as another user, and checking on processes left by an earlier run.
// Plain Node, no dependencies (it runs before anything is built).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * @typedef {object} RunAs
 * @property {number} uid
 * @property {number} gid
 */

/**
 * @typedef {object} RunResult
 * @property {number | null} code exit code, null when a signal or a spawn error ended it
 * @property {string} output stdout and stderr, interleaved
 * @property {string | undefined} error why it could not be started at all
 */

/**
 * Runs a program to completion, collecting what it prints. It gets its own process group,
 * so a Ctrl-C in the terminal reaches `npm start` only, which then stops things in order.
 * Never rejects.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, as?: RunAs | null, env?: NodeJS.ProcessEnv }} [options]
 * @returns {Promise<RunResult>}
 */
export function run(command, args, { cwd, as, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd,
      env: env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(as ? { uid: as.uid, gid: as.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', (error) => resolve({ code: null, output, error: error.message }));
    // 'exit', not 'close': a daemon started by the program (pg_ctl start) must not hold us up.
    child.once('exit', (code) => resolve({ code, output, error: undefined }));
  });
}

/**
 * {@link run}, synchronously: for the last-resort cleanup in a process 'exit' handler.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, as?: RunAs | null }} [options]
 */
export function runSync(command, args, { cwd, as } = {}) {
  spawnSync(command, args, { cwd, stdio: 'ignore', timeout: 20_000, ...(as ? { uid: as.uid, gid: as.gid } : {}) });
}

/**
 * The last non-empty line of a program's output, for a one-line message.
 *
 * @param {string} text
 */
export function lastLine(text) {
  return (
    String(text)
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

/**
 * The last line of a server's log file, or '' if there is none we may read.
 *
 * @param {string} file
 */
export function lastLogLine(file) {
  try {
    return lastLine(readFileSync(file, 'utf8'));
  } catch {
    return '';
  }
}

/**
 * Whether `pid` is a live process whose command name contains `name`. The name check keeps
 * a stale pid file, whose number the system has since given to another program, from making
 * us signal that program.
 *
 * @param {number} pid
 * @param {string} name
 */
export function isRunning(pid, name) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM') return false;
  }
  const ps = spawnSync('ps', ['-p', String(pid), '-o', 'comm='], { encoding: 'utf8' });
  return ps.status === 0 && ps.stdout.includes(name);
}

/**
 * Waits until `pid` is gone, polling; resolves to false if it is still there after `timeoutMs`.
 *
 * @param {number} pid
 * @param {number} timeoutMs
 */
export async function waitGone(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ESRCH') return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

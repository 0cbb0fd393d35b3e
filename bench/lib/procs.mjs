// Child processes of the benchmark: spawn with logs to a file, wait for ready, stop politely.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { sleep } from './util.mjs';

const running = new Set();

/**
 * Spawns `node <args>` with exactly `env` (nothing inherited), in `cwd`.
 * stdout/stderr go to `logFile`; the last lines are kept for error messages.
 * If `readyLine` is set, resolves `child.ready` with the first stdout line that parses as JSON.
 */
export function spawnNode(name, args, { env, cwd, logFile, nodeArgs = [] }) {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.benchName = name;
  const log = createWriteStream(logFile, { flags: 'a' });
  const tail = [];
  const keep = (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
  };
  child.tail = tail;
  let resolveJson;
  child.firstJson = new Promise((resolve) => {
    resolveJson = resolve;
  });
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    log.write(`${line}\n`);
    keep(line);
    if (resolveJson && line.startsWith('{')) {
      try {
        const value = JSON.parse(line);
        resolveJson(value);
        resolveJson = null;
      } catch {
        // not our line
      }
    }
  });
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
    log.write(`${line}\n`);
    keep(line);
  });
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.exited.then(() => {
    running.delete(child);
    log.end();
  });
  child.once('error', (error) => keep(`spawn error: ${error.message}`));
  running.add(child);
  return child;
}

/** Resolves the child's first JSON stdout line, or throws (with its log tail) if it exits or times out first. */
export async function waitJsonLine(child, timeoutMs = 30_000) {
  const timeout = sleep(timeoutMs).then(() => ({ timeout: true }));
  const value = await Promise.race([child.firstJson, child.exited.then((e) => ({ exited: e })), timeout]);
  if (value.timeout || value.exited) {
    throw new Error(`${child.benchName} ${value.timeout ? 'did not start in time' : `exited (${JSON.stringify(value.exited)})`}:\n${child.tail.join('\n')}`);
  }
  return value;
}

/** Polls `url` until it answers 200; throws with the child's log tail if it exits or `timeoutMs` passes. */
export async function waitHttpReady(child, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child.exited.then((e) => {
    exited = e;
  });
  let last = '';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.benchName} exited (${JSON.stringify(exited)}) before it was ready:\n${child.tail.join('\n')}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error.cause?.code ?? error.message;
    }
    await sleep(200);
  }
  throw new Error(`${child.benchName} was not ready within ${timeoutMs / 1000} s (${url}: ${last}):\n${child.tail.join('\n')}`);
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL. */
export async function stopChild(child, timeoutMs = 40_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const result = await Promise.race([child.exited, sleep(timeoutMs).then(() => null)]);
  if (!result) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/** Kills every child still running (last resort on exit). */
export function killAll() {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Runs a node script to completion; resolves its parsed last JSON line of stdout. */
export async function runNodeJson(name, args, { env, cwd, logFile, timeoutMs = 600_000 }) {
  const child = spawnNode(name, args, { env, cwd, logFile });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const line = [...child.tail].reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`${name} failed (${signal ?? `exit ${code}`}):\n${child.tail.join('\n')}`);
  return JSON.parse(line);
}

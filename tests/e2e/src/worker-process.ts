import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKER_MAIN = fileURLToPath(new URL('../../../apps/worker/dist/main.js', import.meta.url));

/** A worker running as its own process (the built apps/worker/dist/main.js), for kill and signal tests. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the exit code (or the signal that ended it). */
  exited: Promise<number | NodeJS.Signals>;
  output(): string;
}

/**
 * Spawns the real worker with this environment. It runs in an empty folder,
 * so no developer `.env` leaks into the test.
 */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'herald-worker-'));
  const child = spawn(process.execPath, [WORKER_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, HERALD_WORKER_PORT: '0', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += String(c)));
  child.stderr!.on('data', (c) => (output += String(c)));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'SIGKILL')),
  );
  return { child, exited, output: () => output };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  /** Its `/healthz`, `/readyz`, `/metrics` address, once it logged it (needs LOG_LEVEL info or lower). */
  url(): Promise<string>;
}

/**
 * Spawns the real worker with this environment. It runs in an empty folder,
 * so no developer `.env` leaks into the test.
 */
export function spawnWorker(env: Record<string, string>, nodeArgs: string[] = []): WorkerProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'herald-worker-'));
  const child = spawn(process.execPath, [...nodeArgs, WORKER_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env, HERALD_WORKER_PORT: '0', LOG_LEVEL: env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += String(c)));
  child.stderr!.on('data', (c) => (output += String(c)));
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve(code ?? signal ?? 'SIGKILL');
    }),
  );
  const url = async () => {
    for (let i = 0; i < 300; i++) {
      const found = /"worker started"[^\n]*"url":"(http:\/\/[^"]+)"|"url":"(http:\/\/[^"]+)"[^\n]*"worker started"/.exec(output);
      if (found) return (found[1] ?? found[2])!;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the worker did not log its address:\n${output}`);
  };
  return { child, exited, output: () => output, url };
}

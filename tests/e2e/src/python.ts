import { spawnSync } from 'node:child_process';

/**
 * A Python 3 interpreter that can import Flask: `python3` on the PATH, else
 * Debian's `/usr/bin/python3` (where `apt-get install python3-flask` puts it).
 * Throws with what to install, so a missing Flask fails the tests that need it
 * instead of skipping them.
 */
export function pythonWithFlask(): string {
  for (const candidate of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(candidate, ['-c', 'import flask'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  throw new Error('no python3 with Flask found: apt-get install -y python3-flask (bash .ci/run installs it)');
}

/** Runs a Python 3 script with JSON on stdin and returns what it printed (the standard library only). */
export function runPython(script: string, input: unknown): string {
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}`);
  return run.stdout.trim();
}

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

// runMain exits the process, so it runs in a child process. Node 20 cannot import TypeScript,
// so this file's sibling lifecycle.ts (and the one sibling it imports) is transpiled as it is
// now into a temporary directory (never a stale or half-written dist), importing @herald/core
// from its build.
const httpDir = join(import.meta.dirname, '..');
const coreDir = join(httpDir, '..', 'core');
const coreEntry = join(coreDir, 'dist', 'index.js');
const tempDir = mkdtempSync(join(tmpdir(), 'herald-lifecycle-test-'));
const lifecycleUrl = pathToFileURL(join(tempDir, 'lifecycle.mjs')).href;
const coreUrl = pathToFileURL(coreEntry).href;

function prepare(): void {
  if (!existsSync(coreEntry)) {
    const tsc = join(httpDir, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: coreDir, stdio: 'pipe' });
  }
  for (const name of ['lifecycle', 'client-errors']) {
    const source = readFileSync(join(import.meta.dirname, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const output = outputText.replaceAll("'@herald/core'", JSON.stringify(coreUrl)).replaceAll("'./client-errors.js'", "'./client-errors.mjs'");
    writeFileSync(join(tempDir, `${name}.mjs`), output);
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an ES module script; `onStdout` may signal it. */
function runScript(source: string, onStdout?: (text: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: httpDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += String(c);
      onStdout?.(stdout, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (c) => {
      stderr += String(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('runMain (in a child process)', () => {
  beforeAll(prepare, 60_000);

  afterAll(() => {
    rmSync(tempDir, { recursive: true, force: true });
  });

  it('prints exactly one line naming the variable and exits 1 on a ConfigError', async () => {
    const run = await runScript(`
      import { runMain } from '${lifecycleUrl}';
      import { parseEnv } from '${coreUrl}';
      runMain('api', async () => {
        parseEnv(['HERALD_API_PORT'], { HERALD_API_PORT: '70000' });
        return async () => {};
      });
    `);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^api: Invalid configuration: HERALD_API_PORT [^\n]+\n$/);
    expect(run.stderr.split('\n')).toHaveLength(2);
  });

  it('exits 1 with the stack on any other start-up error', async () => {
    const run = await runScript(`
      import { runMain } from '${lifecycleUrl}';
      runMain('worker', async () => { throw new Error('redis exploded'); });
    `);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^worker: failed to start: Error: redis exploded\n\s+at /);
  });

  it('runs the stop function on SIGTERM and exits 0', async () => {
    const run = await runScript(
      `
      import { runMain } from '${lifecycleUrl}';
      runMain('ingest', async () => {
        const keepAlive = setInterval(() => {}, 1000);
        setImmediate(() => process.stdout.write('ready\\n'));
        return async () => {
          clearInterval(keepAlive);
          process.stdout.write('stopped\\n');
        };
      });
    `,
      (text, kill) => {
        if (text === 'ready\n') kill('SIGTERM');
      },
    );
    expect(run).toEqual({ code: 0, stdout: 'ready\nstopped\n', stderr: '' });
  });

  it('exits 1 when stopping takes longer than the shutdown timeout', async () => {
    const run = await runScript(
      `
      import { runMain } from '${lifecycleUrl}';
      runMain('api', async () => {
        setInterval(() => {}, 1000);
        setImmediate(() => process.stdout.write('ready\\n'));
        return () => new Promise(() => {});
      }, 300);
    `,
      (text, kill) => {
        if (text === 'ready\n') kill('SIGTERM');
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('api: shutdown took longer than 300 ms after SIGTERM\n');
  });
});

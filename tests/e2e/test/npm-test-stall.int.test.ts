// `npm test` (scripts/test.mjs) on a suite that stops moving: it names what is still running and
// why, stops it, and fails, instead of waiting for CI's time limit with nothing on the page.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportOptions } from '../../../scripts/lib/stall-watch.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A workspace of its own with this repository's package.json, turbo.json, scripts/ and
 * node_modules, whose packages are the given test scripts (package name → file → text).
 */
function scratchSuite(packages: Record<string, Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-npm-test-'));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, workspaces: ['packages/*'] }, null, 2));
  cpSync(join(ROOT, 'turbo.json'), join(dir, 'turbo.json'));
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, files] of Object.entries(packages)) {
    mkdirSync(join(dir, 'packages', name), { recursive: true });
    const [main] = Object.keys(files);
    const pkg = { name: `@scratch/${name}`, version: '0.0.0', private: true, type: 'module', scripts: { test: `node ${main}` } };
    writeFileSync(join(dir, 'packages', name, 'package.json'), JSON.stringify(pkg));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, 'packages', name, file), text);
  }
  return dir;
}

function npmTest(dir: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/test.mjs'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.once('close', (code) => resolve({ code, output }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm test when the suite stops moving', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names each hung process with its directory, stack and open handles, stops them all and fails', async () => {
    dir = scratchSuite({
      // Waits forever on a listening socket, the way a test that leaves a server open does.
      idle: {
        'idle.mjs': [
          "import net from 'node:net';",
          "const server = net.createServer().listen(0, '127.0.0.1', () => console.log(`idle: listening on ${server.address().port}`));",
        ].join('\n'),
      },
      // Never gives its event loop back.
      busy: { 'spin.mjs': ["console.log('busy: spinning');", 'for (;;);'].join('\n') },
    });

    const { code, output } = await npmTest(dir, { HERALD_TEST_STALL_MINUTES: '0.15' });

    expect(code).toBe(1);
    expect(output).toMatch(/nothing printed for 0\.15 minutes \(HERALD_TEST_STALL_MINUTES\); still running:/);
    expect(output).toMatch(/Herald: 0 passed, 0 failed, 0 skipped, stopped after a stall/);

    const port = /idle: listening on (\d+)/.exec(output)?.[1];
    expect(port).toBeDefined();
    const idle = new RegExp(`pid (\\d+) \\(parent \\d+\\), state S, [^\\n]*, in ${dir}/packages/idle: node idle\\.mjs\\n(    .*\\n)*?    handles keeping it alive:\\n(      .*\\n)*?      tcp \\(local [^:]+:${port}\\)`).exec(output);
    expect(idle).not.toBeNull();
    expect(output).toContain('JavaScript stack: none (waiting in the event loop)');

    const busy = new RegExp(`pid (\\d+) \\(parent \\d+\\), state R, [^\\n]*, in ${dir}/packages/busy: node spin\\.mjs\\n    no report: busy in one turn`).exec(output);
    expect(busy).not.toBeNull();

    // Nothing of the suite is left running, and the reports went to npm test's own directory.
    for (const match of [idle, busy]) expect(alive(Number(match![1]))).toBe(false);
    for (const name of ['idle', 'busy']) expect(readdirSync(join(dir, 'packages', name)).filter((file) => file.startsWith('report.'))).toEqual([]);
  }, 90_000);

  it("has Node processes write their reports to a directory of its own, in place of an outer suite's", () => {
    const outer = '--max-old-space-size=300 --report-on-signal --report-signal=SIGUSR2 --report-directory=/elsewhere';
    const reports = reportOptions(outer);
    rmSync(reports.dir, { recursive: true });
    expect(reports.nodeOptions).toBe(`--max-old-space-size=300 --report-on-signal --report-signal=SIGUSR2 --report-directory=${reports.dir}`);
    const alone = reportOptions(undefined);
    rmSync(alone.dir, { recursive: true });
    expect(alone.nodeOptions).toBe(`--report-on-signal --report-signal=SIGUSR2 --report-directory=${alone.dir}`);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { parseApiConfig } from '@herald/api';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { DEFAULT_URLS, planLocalServices, resetLocalData } from '../../../scripts/lib/local-services.mjs';
import { findPostgres, probePostgres } from '../../../scripts/lib/local-postgres.mjs';
import { probeRedis } from '../../../scripts/lib/local-redis.mjs';
import { reachable } from '../../../scripts/lib/net.mjs';
import { call } from '../src/stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A checkout of the repository of its own in a temporary folder, as a user has it after
 * `npm install`: its own package.json and scripts/, so its own .env and .herald/; the built
 * workspaces, prisma/ and node_modules are links to this repository's.
 */
function scratchCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-start-'));
  // Run as root, npm start runs PostgreSQL as another user, who must get through to .herald/.
  chmodSync(dir, 0o755);
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
  for (const name of ['apps', 'packages', 'node_modules', 'prisma', 'prisma.config.ts']) symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

interface Run {
  child: ChildProcess;
  output(): string;
  /** Resolves once the process and everything holding its output have ended. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a command in `cwd` with exactly `env`, in a process group of its own (so a signal to
 * the group is what a terminal's Ctrl-C does).
 */
function launch(command: string, args: string[], cwd: string, env: Record<string, string>, input?: string): Run {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(input ?? '');
  let output = '';
  child.stdout!.on('data', (chunk) => (output += String(chunk)));
  child.stderr!.on('data', (chunk) => (output += String(chunk)));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, closed };
}

/** Waits until the run prints a line matching `pattern`; fails early if it ends first. */
async function waitForLine(run: Run, pattern: RegExp, timeoutMs: number): Promise<string> {
  let ended = false;
  void run.closed.then(() => (ended = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = run.output().split('\n').find((l) => pattern.test(l));
    if (line) return line;
    if (ended || Date.now() > deadline) throw new Error(`no line matching ${pattern} (${ended ? 'it ended' : 'timed out'}):\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Whether `npm start` ended well after a Ctrl-C: start.mjs exits 0, and npm, which got the
 * SIGINT too, then ends itself by that signal (or exits 0).
 */
async function stoppedCleanly(run: Run): Promise<boolean> {
  const { code, signal } = await run.closed;
  return (code === 0 || signal === 'SIGINT') && !/npm error/.test(run.output());
}

/**
 * The command line of each service `npm start` runs from `dir`: the processes whose working
 * directory is `dir` and whose script is an app's dist/main.js, by app name.
 */
function serviceCommandLines(dir: string): Record<string, string[]> {
  const cwd = realpathSync(dir);
  const found: Record<string, string[]> = {};
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`) !== cwd) continue;
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
      const app = argv.map((arg) => /^apps\/(\w+)\/dist\/main\.js$/.exec(arg)?.[1]).find(Boolean);
      if (app) found[app] = argv.slice(1);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

describe('npm start on a machine where no PostgreSQL or Redis answers', () => {
  let dir: string;
  let stateDir: string;
  const rootToken = `root_${Date.now()}_start_test`;
  let env: Record<string, string>;
  let ports: { api: number; ingest: number; worker: number };
  let receiver: Receiver;
  let run: Run | undefined;
  const created: { tenantId?: string; readKey?: string; eventId?: string } = {};

  beforeAll(async () => {
    for (const app of ['api', 'ingest', 'worker']) {
      if (!existsSync(join(ROOT, 'apps', app, 'dist', 'main.js'))) throw new Error(`apps/${app}/dist is missing: npx turbo run build first`);
    }
    dir = scratchCheckout();
    stateDir = join(dir, '.herald');
    receiver = await startReceiver(() => ({ status: 204 }));
    ports = { api: await closedPort(), ingest: await closedPort(), worker: await closedPort() };
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      // Where npm start looks for running servers: ports where nothing listens.
      HERALD_START_POSTGRES_PORT: String(await closedPort()),
      HERALD_START_REDIS_PORT: String(await closedPort()),
      HERALD_API_PORT: String(ports.api),
      HERALD_INGEST_PORT: String(ports.ingest),
      HERALD_WORKER_PORT: String(ports.worker),
      HERALD_ROOT_TOKEN: rootToken,
      HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      HERALD_ALLOW_HTTP: 'true',
      HERALD_OUTBOUND_ALLOWLIST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      npm_config_update_notifier: 'false',
    };
  });

  afterAll(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      process.kill(-run.child.pid!, 'SIGINT');
      const timer = setTimeout(() => process.kill(-run!.child.pid!, 'SIGKILL'), 60_000);
      await run.closed;
      clearTimeout(timer);
    }
    if (dir) {
      await resetLocalData(stateDir); // stops whatever a failed test left running
      rmSync(dir, { recursive: true, force: true });
    }
    await receiver?.close();
  }, 120_000);

  const api = () => `http://127.0.0.1:${ports.api}`;
  const ingest = () => `http://127.0.0.1:${ports.ingest}`;

  it('runs its own PostgreSQL and Redis, says so in one line, and delivers a signed webhook', async () => {
    run = launch('npm', ['start', '--', '--no-build'], dir, env);
    // Its first step after the checks: if it is not this line, npm start went for the default servers.
    const said = await waitForLine(run, /^\[start\] (.*running PostgreSQL|database: )/, 60_000);
    expect(said).toMatch(
      /^\[start\] PostgreSQL: nothing answers at 127\.0\.0\.1:\d+, Redis: nothing answers at 127\.0\.0\.1:\d+ \(DATABASE_URL, REDIS_URL unset\): running PostgreSQL [\d.]+ on 127\.0\.0\.1:\d+ and Redis [\d.]+ on 127\.0\.0\.1:\d+, data in \.herald\/, until Ctrl-C$/,
    );
    await waitForLine(run, /^\[start\] Herald is ready: /, 120_000);
    // Each service runs with its default Node flags (HERALD_START_NODE_ARGS unset).
    expect(serviceCommandLines(dir)).toEqual({
      api: ['--single-threaded-gc', 'apps/api/dist/main.js'],
      ingest: ['--single-threaded-gc', '--max-semi-space-size=4', 'apps/ingest/dist/main.js'],
      worker: ['--single-threaded-gc', 'apps/worker/dist/main.js'],
    });

    const tenant = await call(api(), 'POST', '/api/v1/tenants', { token: rootToken, body: { name: 'First run' } });
    expect(tenant.status).toBe(201);
    created.tenantId = tenant.body.id;
    created.readKey = tenant.body.api_keys.read;
    const admin = tenant.body.api_keys.admin;
    expect((await call(api(), 'POST', '/api/v1/event-types', { token: admin, body: { name: 'order.paid' } })).status).toBe(201);
    const endpoint = await call(api(), 'POST', '/api/v1/endpoints', {
      token: admin,
      body: { url: `${receiver.url}/hook`, name: 'local', events: ['order.paid'] },
    });
    expect(endpoint.status).toBe(201);
    const accepted = await call(ingest(), 'POST', '/api/v1/events', {
      token: tenant.body.api_keys.ingest,
      body: { event_type: 'order.paid', payload: { order: 42 } },
    });
    expect(accepted.status).toBe(202);
    created.eventId = accepted.body.event_id;

    const [request] = await receiver.waitFor(1, 30_000);
    const verified = new Webhook(endpoint.body.signing_secret).verify(request!.body, request!.headers as Record<string, string>);
    expect(verified).toMatchObject({ event_id: created.eventId, event_type: 'order.paid', tenant: { id: created.tenantId }, payload: { order: 42 } });
  }, 200_000);

  it('runs them on 127.0.0.1 behind a password, with the data in .herald/', async () => {
    const pg = Number(/PostgreSQL [\d.]+ on 127\.0\.0\.1:(\d+)/.exec(run!.output())![1]);
    const redis = Number(/Redis [\d.]+ on 127\.0\.0\.1:(\d+)/.exec(run!.output())![1]);
    // The probes npm start uses tell a server that asks for a password from one that lets Herald in.
    expect(await probePostgres({ host: '127.0.0.1', port: pg }, 'postgres')).toBe('password');
    expect(await probeRedis({ host: '127.0.0.1', port: redis })).toBe('password');
    expect(existsSync(join(stateDir, 'postgres', 'data', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(stateDir, 'redis', 'appendonlydir'))).toBe(true);

    // Another checkout whose default PostgreSQL is this one: a server that asks for a password
    // is no use without DATABASE_URL, so npm start would run its own (it has no programs here).
    const other = scratchCheckout();
    try {
      const empty = join(other, 'no-programs');
      mkdirSync(empty);
      const second = launch(process.execPath, ['scripts/start.mjs', '--no-build'], other, {
        ...env,
        PATH: empty,
        HERALD_START_BIN_DIRS: empty,
        HERALD_START_POSTGRES_PORT: String(pg),
        HERALD_START_REDIS_PORT: String(redis),
        HERALD_API_PORT: String(await closedPort()),
        HERALD_INGEST_PORT: String(await closedPort()),
        HERALD_WORKER_PORT: String(await closedPort()),
      });
      expect((await second.closed).code).toBe(1);
      expect(second.output()).toContain(
        `[start] PostgreSQL: the PostgreSQL at 127.0.0.1:${pg} asks for a password, Redis: the Redis at 127.0.0.1:${redis} asks for a password (DATABASE_URL, REDIS_URL unset), and no initdb/pg_ctl or redis-server was found`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('stops the services and both servers on Ctrl-C, leaving no process behind', async () => {
    const postmaster = Number(readFileSync(join(stateDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const redis = Number(readFileSync(join(stateDir, 'redis', 'redis.pid'), 'utf8').trim());
    expect(alive(postmaster) && alive(redis)).toBe(true);

    process.kill(-run!.child.pid!, 'SIGINT'); // the whole group, as a terminal's Ctrl-C
    expect(await stoppedCleanly(run!)).toBe(true);
    expect(run!.output()).toMatch(/^\[start\] stopping our own PostgreSQL and Redis\.\.\.\n\[start\] stopped$/m);
    expect([alive(postmaster), alive(redis)]).toEqual([false, false]);
    expect(existsSync(join(stateDir, 'postgres', 'data', 'postmaster.pid'))).toBe(false); // a clean shutdown
    expect(await Promise.all(Object.values(ports).map((port) => reachable({ host: '127.0.0.1', port })))).toEqual([false, false, false]);
  }, 120_000);

  it('finds its data again on the next start: the tenant and its delivered event are still there', async () => {
    // This time with Node flags of our own, which replace every service's defaults.
    const flags = ['--no-single-threaded-gc', '--max-semi-space-size=8'];
    run = launch('npm', ['start', '--', '--no-build'], dir, { ...env, HERALD_START_NODE_ARGS: ` ${flags.join('  ')} ` });
    await waitForLine(run, /^\[start\] Herald is ready: /, 120_000);
    expect(run.output()).not.toMatch(/initdb|migration\(s\)/);
    expect(serviceCommandLines(dir)).toEqual({
      api: [...flags, 'apps/api/dist/main.js'],
      ingest: [...flags, 'apps/ingest/dist/main.js'],
      worker: [...flags, 'apps/worker/dist/main.js'],
    });

    const tenants = await call(api(), 'GET', '/api/v1/tenants', { token: rootToken });
    expect(tenants.status).toBe(200);
    expect(tenants.body.data).toEqual([expect.objectContaining({ id: created.tenantId, name: 'First run' })]);
    const outbox = await call(api(), 'GET', '/api/v1/outbox', { token: created.readKey });
    expect(outbox.body.data).toEqual([expect.objectContaining({ event_id: created.eventId, status: 'delivered' })]);

    process.kill(-run.child.pid!, 'SIGINT');
    expect(await stoppedCleanly(run)).toBe(true);
  }, 200_000);

  it('refuses HERALD_START_NODE_ARGS holding a word that is not a flag, before it starts anything', async () => {
    const before = readdirSync(dir).sort();
    const refused = launch(process.execPath, ['scripts/start.mjs', '--no-build'], dir, { ...env, HERALD_START_NODE_ARGS: '--max-semi-space-size=8 server.js' });
    const guard = setTimeout(() => process.kill(-refused.child.pid!, 'SIGINT'), 20_000);
    const { code } = await refused.closed;
    clearTimeout(guard);
    expect(code).toBe(1);
    expect(refused.output()).toMatch(
      /^\[start\] HERALD_START_NODE_ARGS holds "server\.js", which is not a Node flag \(each word starts with - or --\)$/m,
    );
    expect(refused.output()).not.toMatch(/PostgreSQL|Redis|build|database/);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(stateDir, 'postgres', 'data', 'postmaster.pid'))).toBe(false); // its PostgreSQL not started
  });

  it('--reset deletes .herald/ only after a yes', async () => {
    const reset = (answer: string) => launch(process.execPath, ['scripts/start.mjs', '--reset', '--env-only'], dir, env, answer);
    const no = reset('n\n');
    expect((await no.closed).code).toBe(1);
    expect(no.output()).toContain('[start] --reset: .herald/ is left as it was; nothing started');
    expect(existsSync(join(stateDir, 'postgres', 'data'))).toBe(true);

    const yes = reset('y\n');
    expect((await yes.closed).code).toBe(0);
    expect(yes.output()).toContain('[start] deleted .herald/');
    expect(existsSync(stateDir)).toBe(false);
  }, 60_000);
});

describe('npm start where neither a server nor its programs can be found', () => {
  it('stops with one line naming what to install and the Docker way, and creates nothing', async () => {
    const dir = scratchCheckout();
    const empty = mkdtempSync(join(tmpdir(), 'herald-no-bin-'));
    try {
      const before = readdirSync(dir).sort();
      const run = launch(process.execPath, ['scripts/start.mjs', '--no-build'], dir, {
        PATH: empty,
        HERALD_START_BIN_DIRS: empty,
        HOME: empty,
        HERALD_START_POSTGRES_PORT: String(await closedPort()),
        HERALD_START_REDIS_PORT: String(await closedPort()),
        HERALD_API_PORT: String(await closedPort()),
        HERALD_INGEST_PORT: String(await closedPort()),
        HERALD_WORKER_PORT: String(await closedPort()),
        HERALD_ROOT_TOKEN: 'root_0123456789abcdef',
        HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      });
      // Should it go on instead, stop it before it goes further.
      const guard = setTimeout(() => process.kill(-run.child.pid!, 'SIGINT'), 20_000);
      const { code } = await run.closed;
      clearTimeout(guard);
      expect(code).toBe(1);
      const lines = run.output().trim().split('\n');
      expect(lines).toEqual(['[start] root token: HERALD_ROOT_TOKEN from the environment', expect.any(String)]);
      expect(lines[1]).toMatch(
        /^\[start\] PostgreSQL: nothing answers at 127\.0\.0\.1:\d+, Redis: nothing answers at 127\.0\.0\.1:\d+ \(DATABASE_URL, REDIS_URL unset\), and no initdb\/pg_ctl or redis-server was found .*: install PostgreSQL and Redis( \(.*\))?, set DATABASE_URL and REDIS_URL to a running server, or use Docker: `docker compose up --build`$/,
      );
      if (existsSync('/etc/debian_version')) expect(lines[1]).toContain('apt-get install postgresql redis-server)');
      expect(readdirSync(dir).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('where npm start looks', () => {
  it('checks the addresses the services use when DATABASE_URL and REDIS_URL are unset', () => {
    const config = parseApiConfig({ HERALD_ROOT_TOKEN: 'root_0123456789abcdef', HERALD_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(DEFAULT_URLS).toEqual({ DATABASE_URL: config.DATABASE_URL, REDIS_URL: config.REDIS_URL });
  });

  it('changes nothing when DATABASE_URL and REDIS_URL are set, or servers at the checked addresses let Herald in', async () => {
    const noPrograms = { PATH: '', HERALD_START_BIN_DIRS: tmpdir() };
    const state = join(tmpdir(), 'herald-no-state');
    const closed = String(await closedPort());
    expect(
      await planLocalServices(
        { ...noPrograms, DATABASE_URL: 'postgresql://app@127.0.0.1:1/herald', REDIS_URL: 'redis://127.0.0.1:1', HERALD_START_POSTGRES_PORT: closed, HERALD_START_REDIS_PORT: closed },
        state,
      ),
    ).toEqual({ ok: true, plan: { env: {}, local: [], unset: [] } });

    const shared = new URL(process.env.HERALD_TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres');
    const redis = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
    const planned = await planLocalServices(
      { ...noPrograms, HERALD_START_POSTGRES_PORT: shared.port || '5432', HERALD_START_REDIS_PORT: redis.port || '6379' },
      state,
    );
    expect(planned).toMatchObject({ ok: true, plan: { local: [], unset: [] } });
    // A server found at a moved address is the one the services get; at the default one, nothing is set.
    const expected: Record<string, string> = {};
    if ((shared.port || '5432') !== '5432') expected.DATABASE_URL = `postgresql://postgres@127.0.0.1:${shared.port}/herald`;
    if ((redis.port || '6379') !== '6379') expected.REDIS_URL = `redis://127.0.0.1:${redis.port}`;
    expect(planned.ok && planned.plan.env).toEqual(expected);
    expect(existsSync(state)).toBe(false);
  });

  it('tells a PostgreSQL that lets Herald in, and a port where nothing listens', async () => {
    const shared = new URL(process.env.HERALD_TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres');
    expect(await probePostgres({ host: shared.hostname, port: Number(shared.port || 5432) }, shared.username)).toBe('ready');
    expect(await probePostgres({ host: '127.0.0.1', port: await closedPort() }, 'postgres')).toBe('closed');
    const redis = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
    expect(await probeRedis({ host: redis.hostname, port: Number(redis.port || 6379) })).toBe('ready');
  });

  it('takes the newest PostgreSQL of a versioned folder pattern, or the version an existing cluster needs', () => {
    const base = mkdtempSync(join(tmpdir(), 'herald-bins-'));
    try {
      for (const version of ['14.11', '16.2', '9.6.24']) {
        const bin = join(base, 'lib', 'postgresql', version.split('.')[0]!, 'bin');
        mkdirSync(bin, { recursive: true });
        for (const program of ['initdb', 'postgres']) writeFileSync(join(bin, program), '#!/bin/sh\n', { mode: 0o755 });
        writeFileSync(join(bin, 'pg_ctl'), `#!/bin/sh\necho "pg_ctl (PostgreSQL) ${version}"\n`, { mode: 0o755 });
      }
      const search = { PATH: '', HERALD_START_BIN_DIRS: join(base, 'lib', 'postgresql', '*', 'bin') };
      const state = join(base, 'state');
      expect(findPostgres(search, state)).toEqual({ ok: true, bin: { dir: join(base, 'lib/postgresql/16/bin'), version: '16.2' } });

      mkdirSync(join(state, 'postgres', 'data'), { recursive: true });
      writeFileSync(join(state, 'postgres', 'data', 'PG_VERSION'), '14\n');
      expect(findPostgres(search, state)).toEqual({ ok: true, bin: { dir: join(base, 'lib/postgresql/14/bin'), version: '14.11' } });

      writeFileSync(join(state, 'postgres', 'data', 'PG_VERSION'), '15\n');
      expect(findPostgres(search, state)).toEqual({
        ok: false,
        missing: false,
        message: expect.stringMatching(/was made by PostgreSQL 15, and only PostgreSQL 16, 14, 9\.6 is installed: install PostgreSQL 15, or start afresh with `npm start -- --reset`$/),
      });

      expect(findPostgres({ PATH: '', HERALD_START_BIN_DIRS: join(base, 'state') }, state)).toEqual({ ok: false, missing: true });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

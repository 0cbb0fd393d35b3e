#!/usr/bin/env node
// `npm run bench`: Herald's rerunnable benchmark. Builds if needed, starts its OWN Herald
// (api, ingest, worker as child processes, cwd an empty temp dir, a fresh database
// herald_bench_<timestamp>, Redis prefix herald-bench-<timestamp>, free ports), a receiver
// process, a load generator process and the bare-pipeline baseline (bench/baseline), drives
// them, writes bench/results/<date>.md and .svg, and drops its database and Redis keys.
// A benchmark, not a test: it never fails on a missed target. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { analyzeProfile } from './lib/cpuprofile.mjs';
import {
  commandCalls,
  databaseUrl,
  deleteKeys,
  dropDatabase,
  keysMemory,
  listBenchDatabases,
  machineFacts,
  parseInfo,
  setupDatabase,
} from './lib/infra.mjs';
import { killAll, runNodeJson, spawnNode, stopChild, waitHttpReady, waitJsonLine } from './lib/procs.mjs';
import { rawMonitor } from './lib/monitor.mjs';
import { analyzePerf, perfAvailable, startPerf } from './lib/perf.mjs';
import { writeReport } from './lib/report.mjs';
import { groupName, portOwners, redisConnectionsOf, rssBytes, Sampler } from './lib/sampler.mjs';
import { callJson, freePort, hrNow, mapLimit, mmm, sleep, stamps, waitFor } from './lib/util.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const resultsDir = path.join(benchDir, 'results');

const HELP = `Usage: npm run bench [-- options]   (or: node bench/run.mjs [options])

Starts its own Herald stack, receiver and baseline on free ports with a fresh database and
Redis prefix, measures throughput, latency, isolation, resources and worker fan-in, and
writes bench/results/<YYYY-MM-DD>.md and .svg (…-quick.* with --quick). About 15–20 min.

Options:
  --quick            1 run per figure, shorter durations and fewer endpoints (~4 min)
  --only <phases>    comma-separated subset: throughput,latency,isolation,resources,profile,fanin
  --no-build         skip \`npx turbo run build\`
  --keep             keep the bench database and Redis keys (for debugging)
  --cleanup-stale    drop leftover herald_bench_* databases and herald-bench-* Redis keys, then exit
  --report-from DIR  only rewrite the report from DIR/results.json (a bench/results/raw/<timestamp> dir)
  -h, --help         this help`;

const PHASES = ['throughput', 'latency', 'isolation', 'resources', 'profile', 'fanin'];

// Sizes. Runs are sized to the machine: a calibration run measures the rate, then each
// measured run sends min(maxEvents, rate × runSeconds) events (the same number in every run
// of a scenario), so a slow machine still finishes in ~20 minutes and a fast one sends 20,000.
const FULL = {
  runs: 3,
  maxEvents: 20_000,
  minEvents: 1_000,
  runSeconds: 12,
  calibrationEvents: 1_000,
  singleConcurrency: 64,
  batchSize: 100,
  batchConcurrency: 4,
  concurrencyOne: 32,
  concurrencyMany: 4,
  baselineConcurrency: 32,
  latencyRates: [250, 500, 1000],
  latencyEndpoints: 10,
  latencyMs: 20_000,
  warmupMs: 2_000,
  /** A rate above this share of the measured maximum cannot reach a steady state. */
  sustainableShare: 0.8,
  /** Overloaded rates: one short run, to show what happens. */
  overloadMs: 5_000,
  isoEndpoints: 1000,
  isoRate: 500,
  isoMs: 20_000,
  isoWarmupMs: 3_000,
  slowMs: 5_000,
  memEvents: 5_000,
  drainMaxMs: 30_000,
  faninRegistered: 10_000,
  faninActive: 1000,
  faninMaxPerEndpoint: 20,
  faninBurstSeconds: 20,
  idleWindowMs: 30_000,
  runTimeoutMs: 180_000,
};
const QUICK = {
  ...FULL,
  runs: 1,
  maxEvents: 5_000,
  minEvents: 500,
  runSeconds: 5,
  calibrationEvents: 500,
  latencyMs: 5_000,
  warmupMs: 1_000,
  overloadMs: 2_000,
  isoEndpoints: 200,
  isoMs: 5_000,
  isoWarmupMs: 1_000,
  memEvents: 2_000,
  drainMaxMs: 10_000,
  faninRegistered: 2_000,
  faninActive: 200,
  faninBurstSeconds: 8,
  idleWindowMs: 10_000,
  runTimeoutMs: 90_000,
};

/** The largest "round" rate at or below `value` (for rates derived from a measured maximum). */
function niceRate(value) {
  const steps = [10, 20, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000];
  let best = steps[0];
  for (const step of steps) if (step <= value) best = step;
  return best;
}

const started = Date.now();
const elapsed = () => {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};
const log = (message) => process.stdout.write(`[bench ${elapsed()}] ${message}\n`);

function parseCli() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        'no-build': { type: 'boolean' },
        keep: { type: 'boolean' },
        'cleanup-stale': { type: 'boolean' },
        'report-from': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${error.message}\n${HELP}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : PHASES;
  for (const phase of only) {
    if (!PHASES.includes(phase)) {
      process.stderr.write(`--only: unknown phase '${phase}' (expected ${PHASES.join(', ')})\n`);
      process.exit(2);
    }
  }
  return {
    quick: Boolean(values.quick),
    only,
    build: !values['no-build'],
    keep: Boolean(values.keep),
    cleanupStale: Boolean(values['cleanup-stale']),
    reportFrom: values['report-from'],
  };
}

// ---------------------------------------------------------------------------------------
// The stack under test

const SERVICE_PORT_VAR = { api: 'HERALD_API_PORT', ingest: 'HERALD_INGEST_PORT', worker: 'HERALD_WORKER_PORT' };

class Herald {
  constructor(ctx) {
    this.ctx = ctx;
    this.children = {};
    this.ports = {};
    this.rootToken = `root_${randomBytes(24).toString('base64url')}`;
    this.encryptionKey = randomBytes(32).toString('base64');
    this.concurrency = null;
  }

  env(concurrency) {
    const { ctx } = this;
    return {
      PATH: process.env.PATH,
      HOME: ctx.tmpDir,
      DATABASE_URL: ctx.dbUrl,
      REDIS_URL: ctx.redisUrl,
      HERALD_REDIS_PREFIX: ctx.prefix,
      HERALD_API_PORT: String(this.ports.api),
      HERALD_INGEST_PORT: String(this.ports.ingest),
      HERALD_WORKER_PORT: String(this.ports.worker),
      HERALD_ROOT_TOKEN: this.rootToken,
      HERALD_ENCRYPTION_KEY: this.encryptionKey,
      HERALD_ALLOW_HTTP: 'true',
      HERALD_OUTBOUND_ALLOWLIST: '127.0.0.1',
      HERALD_WORKER_CONCURRENCY: String(concurrency),
      LOG_LEVEL: 'warn',
    };
  }

  url(name) {
    return `http://127.0.0.1:${this.ports[name]}`;
  }

  async start(names, { concurrency = this.concurrency ?? 4, profileDir } = {}) {
    // Every service reads every port variable (the api links to ingest): allocate all three once.
    for (const name of Object.keys(SERVICE_PORT_VAR)) this.ports[name] ??= await freePort();
    for (const name of names) {
      if (name === 'worker') this.concurrency = concurrency;
      const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
      this.children[name] = spawnNode(name, [path.join(root, 'apps', name, 'dist', 'main.js')], {
        env: this.env(concurrency),
        cwd: this.ctx.tmpDir,
        logFile: path.join(this.ctx.logDir, `${name}.log`),
        nodeArgs,
      });
    }
    await Promise.all(names.map((name) => waitHttpReady(this.children[name], `${this.url(name)}/readyz`)));
  }

  async stop(names = Object.keys(this.children)) {
    await Promise.all(names.map((name) => stopChild(this.children[name])));
    for (const name of names) delete this.children[name];
  }

  pids() {
    return Object.fromEntries(Object.entries(this.children).map(([name, child]) => [name, child.pid]));
  }
}

class Baseline {
  constructor(ctx) {
    this.ctx = ctx;
    this.children = {};
  }

  async start({ profileDir } = {}) {
    const { ctx } = this;
    this.port ??= await freePort();
    const env = {
      PATH: process.env.PATH,
      HOME: ctx.tmpDir,
      REDIS_URL: ctx.redisUrl,
      BASELINE_PREFIX: ctx.basePrefix,
      PORT: String(this.port),
      TARGET_URL: `${ctx.receiverUrl}/baseline`,
      CONCURRENCY: String(ctx.P.baselineConcurrency),
    };
    for (const name of ['ingest', 'worker']) {
      const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=baseline-${name}.cpuprofile`] : [];
      this.children[name] = spawnNode(`baseline ${name}`, [path.join(benchDir, 'baseline', `${name}.mjs`)], {
        env,
        cwd: ctx.tmpDir,
        logFile: path.join(ctx.logDir, `baseline-${name}.log`),
        nodeArgs,
      });
    }
    await Promise.all(Object.values(this.children).map((child) => waitJsonLine(child)));
  }

  async stop() {
    await Promise.all(Object.values(this.children).map((child) => stopChild(child)));
    this.children = {};
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  pids() {
    return Object.fromEntries(Object.entries(this.children).map(([name, child]) => [`baseline ${name}`, child.pid]));
  }
}

// ---------------------------------------------------------------------------------------

async function main() {
  const cli = parseCli();
  if (cli.reportFrom) {
    const dir = path.resolve(cli.reportFrom);
    const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
    // Re-read the profiles (the analysis may have changed since).
    for (const [name, a] of Object.entries(results.profile?.services ?? {})) {
      const file = path.join(root, a.file ?? '');
      if (!a.file || !existsSync(file)) continue;
      const window = name.startsWith('baseline') ? results.profile.baselineRun?.window : results.profile.run?.window;
      results.profile.services[name] = { ...analyzeProfile(file, { top: 15, window }), file: a.file };
    }
    const base = path.join(resultsDir, `${results.startedAt.slice(0, 10)}${results.quick ? '-quick' : ''}`);
    writeReport(results, { mdPath: `${base}.md`, svgPath: `${base}.svg`, rawDir: path.relative(root, dir) });
    log(`report: ${path.relative(root, `${base}.md`)} and ${path.relative(root, `${base}.svg`)}`);
    return;
  }
  const P = cli.quick ? QUICK : FULL;
  const { day, compact } = stamps();
  const redis = new Redis('redis://127.0.0.1:6379', { connectionName: 'herald-bench', maxRetriesPerRequest: 3 });

  if (cli.cleanupStale) {
    for (const name of await listBenchDatabases()) {
      await dropDatabase(name);
      log(`dropped database ${name}`);
    }
    log(`deleted ${await deleteKeys(redis, 'herald-bench-*')} Redis keys under herald-bench-*`);
    redis.disconnect();
    return;
  }

  log(`Herald benchmark${cli.quick ? ' (--quick)' : ''}: phases ${cli.only.join(', ')}`);
  const ctx = {
    P,
    cli,
    day,
    compact,
    redis,
    redisUrl: 'redis://127.0.0.1:6379',
    dbName: `herald_bench_${compact}`,
    prefix: `herald-bench-${compact}`,
    basePrefix: `herald-bench-${compact}-base`,
    tmpDir: mkdtempSync(path.join(os.tmpdir(), 'herald-bench-')),
    rawDir: path.join(resultsDir, 'raw', compact),
  };
  ctx.dbUrl = databaseUrl(ctx.dbName);
  ctx.logDir = path.join(ctx.rawDir, 'logs');
  mkdirSync(ctx.logDir, { recursive: true });

  const results = {
    startedAt: new Date().toISOString(),
    command: process.env.npm_lifecycle_event === 'bench' ? `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}` : `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
    quick: cli.quick,
    params: P,
    phases: cli.only,
    errors: [],
    notes: [],
  };
  results.machine = await machineFacts(root, redis);
  log(`machine: ${results.machine.nproc} cores, ${(results.machine.memTotalBytes / 2 ** 30).toFixed(1)} GiB, Node ${results.machine.node}, PostgreSQL ${results.machine.postgres}, Redis ${results.machine.redis}`);

  // Build if needed.
  if (cli.build) {
    log('build: npx turbo run build');
    const build = spawnSync('npx', ['turbo', 'run', 'build'], {
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
      encoding: 'utf8',
    });
    writeFileSync(path.join(ctx.logDir, 'build.log'), `${build.stdout ?? ''}${build.stderr ?? ''}`);
    if (build.status !== 0) {
      const built = ['api', 'ingest', 'worker'].every((n) => existsSync(path.join(root, 'apps', n, 'dist', 'main.js')));
      if (!built) throw new Error(`build failed (see ${path.relative(root, ctx.logDir)}/build.log)`);
      results.notes.push('`npx turbo run build` failed (the tree was being edited); the benchmark ran the existing dist/ build.');
      log('build failed: running the existing dist/ build (see build.log)');
    }
  }

  const herald = new Herald(ctx);
  const baseline = new Baseline(ctx);
  let receiver;
  let pool;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await herald.stop().catch(() => undefined);
    await baseline.stop().catch(() => undefined);
    if (receiver) await stopChild(receiver).catch(() => undefined);
    killAll();
    await pool?.end().catch(() => undefined);
    if (!cli.keep) {
      await dropDatabase(ctx.dbName).catch((error) => log(`could not drop ${ctx.dbName}: ${error.message}`));
      const removed = await deleteKeys(redis, `herald-bench-${compact}*`).catch(() => 0);
      log(`cleanup: dropped database ${ctx.dbName}, deleted ${removed} Redis keys`);
    } else {
      log(`--keep: database ${ctx.dbName} and Redis prefix ${ctx.prefix} left in place`);
    }
    rmSync(ctx.tmpDir, { recursive: true, force: true });
    redis.disconnect();
  };
  let interrupted = false;
  process.on('exit', () => killAll());
  const writeWhatWeHave = () => {
    results.machine.loadAvgEnd = os.loadavg();
    results.totalSeconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(path.join(ctx.rawDir, 'results.json'), JSON.stringify(results, null, 2));
    const base = path.join(resultsDir, cli.quick ? `${day}-quick` : day);
    writeReport(results, { mdPath: `${base}.md`, svgPath: `${base}.svg`, rawDir: path.relative(root, ctx.rawDir) });
    log(`report: ${path.relative(root, `${base}.md`)} and ${path.relative(root, `${base}.svg`)} (raw data: ${path.relative(root, ctx.rawDir)})`);
  };
  // An error nothing caught (e.g. in an event handler): keep what was measured, clean up, exit 1.
  process.on('uncaughtException', (error) => {
    if (interrupted) return;
    interrupted = true;
    log(`unexpected error, stopping: ${error.stack ?? error}`);
    results.errors.push({ phase: 'crash', message: String(error.message ?? error).slice(0, 2000) });
    try {
      writeWhatWeHave();
    } catch (e) {
      log(`writing the report failed: ${e.message}`);
    }
    cleanup().finally(() => process.exit(1));
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (interrupted) process.exit(130);
      interrupted = true;
      log(`${signal}: stopping and cleaning up (again to force)`);
      cleanup().finally(() => process.exit(130));
    });
  }

  try {
    // Database and receiver.
    log(`database ${ctx.dbName}: node scripts/db-setup.mjs`);
    setupDatabase(root, ctx.dbUrl);
    pool = new pg.Pool({ connectionString: ctx.dbUrl, max: 3, application_name: 'herald-bench' });
    ctx.pool = pool;

    receiver = spawnNode('receiver', [path.join(benchDir, 'receiver.mjs')], { env: { PATH: process.env.PATH }, cwd: ctx.tmpDir, logFile: path.join(ctx.logDir, 'receiver.log') });
    const ports = await waitJsonLine(receiver);
    ctx.receiverUrl = `http://127.0.0.1:${ports.webhookPort}`;
    ctx.controlUrl = `http://127.0.0.1:${ports.controlPort}`;
    ctx.receiver = receiver;

    const needsBaseline = cli.only.includes('throughput') || cli.only.includes('latency');
    log(`starting Herald (api, ingest, worker with HERALD_WORKER_CONCURRENCY=${P.concurrencyOne})${needsBaseline ? ' and the baseline' : ''}`);
    await herald.start(['api', 'ingest', 'worker'], { concurrency: P.concurrencyOne });
    if (needsBaseline) await baseline.start();
    results.ports = { ...herald.ports, baseline: baseline.port, receiver: ports.webhookPort };

    const bench = new Bench(ctx, herald, baseline, results);
    for (const phase of PHASES) {
      if (!cli.only.includes(phase) || interrupted) continue;
      const phaseStart = Date.now();
      log(`── phase: ${phase}`);
      try {
        await bench[phase]();
      } catch (error) {
        log(`phase ${phase} failed: ${error.stack ?? error}`);
        results.errors.push({ phase, message: String(error.message ?? error).slice(0, 2000) });
        // Keep going with a working stack.
        for (const name of ['api', 'ingest', 'worker']) {
          if (!herald.children[name]) await herald.start([name], { concurrency: P.concurrencyMany }).catch(() => undefined);
        }
      }
      (results.phaseSeconds ??= {})[phase] = Math.round((Date.now() - phaseStart) / 1000);
      writeFileSync(path.join(ctx.rawDir, 'results.json'), JSON.stringify(results, null, 2));
    }
  } finally {
    results.machine.loadAvgEnd = os.loadavg();
    results.totalSeconds = Math.round((Date.now() - started) / 1000);
    if (!interrupted) {
      try {
        writeWhatWeHave();
      } catch (error) {
        log(`writing the report failed: ${error.stack ?? error}`);
      }
    }
    await cleanup();
    log(`done in ${elapsed()}`);
  }
}

// ---------------------------------------------------------------------------------------
// The measurements

class Bench {
  constructor(ctx, herald, baseline, results) {
    Object.assign(this, { ctx, herald, baseline, results, P: ctx.P });
    this.tenants = {};
    this.queries = 0;
  }

  // --- helpers -------------------------------------------------------------------------

  recv(method, p, body) {
    return callJson(this.ctx.controlUrl, method, p, { body });
  }

  loadgen(config) {
    return runNodeJson('loadgen', [path.join(benchDir, 'loadgen.mjs'), JSON.stringify(config)], {
      env: { PATH: process.env.PATH },
      cwd: this.ctx.tmpDir,
      logFile: path.join(this.ctx.logDir, 'loadgen.log'),
      timeoutMs: this.P.runTimeoutMs + 120_000,
    });
  }

  /**
   * Starts a closed-loop run (`events` as fast as the service answers, single or in batches)
   * without waiting for it: `result` is its outcome once it ended, `check()` throws if it
   * failed, `finished()` waits for it.
   */
  closedLoad({ target, token, types, events, batch }) {
    const { P } = this;
    const load = { result: null, error: null };
    const done = this.loadgen({
      target,
      token,
      types,
      mode: 'closed',
      total: events,
      batchSize: batch ? P.batchSize : 1,
      concurrency: batch ? P.batchConcurrency : P.singleConcurrency,
    }).then(
      (v) => (load.result = v),
      (e) => (load.error = e),
    );
    load.check = () => {
      if (load.error) throw load.error;
    };
    load.finished = async () => {
      await done;
      load.check();
      return load.result;
    };
    return load;
  }

  async query(sql, params = []) {
    this.queries = (this.queries ?? 0) + 1;
    return (await this.ctx.pool.query(sql, params)).rows;
  }

  async deliveredCount(tenantId) {
    const [row] = await this.query(`SELECT count(*)::int AS n FROM deliveries WHERE tenant_id = $1 AND status = 'delivered'`, [tenantId]);
    return row.n;
  }

  async truncate() {
    await this.query('TRUNCATE attempts, deliveries, events');
  }

  async pgPids() {
    const rows = await this.query(`SELECT pid, backend_type, datname, application_name FROM pg_stat_activity`);
    const ours = (r) => r.datname === this.ctx.dbName;
    return {
      client: rows.filter((r) => r.backend_type === 'client backend' && ours(r) && r.application_name !== 'herald-bench').map((r) => r.pid),
      background: rows
        .filter(
          (r) =>
            ['walwriter', 'checkpointer', 'background writer', 'autovacuum launcher'].includes(r.backend_type) ||
            (r.backend_type === 'autovacuum worker' && ours(r)),
        )
        .map((r) => r.pid),
    };
  }

  sampler(pids, { connections = false } = {}) {
    return new Sampler({
      pids: () => ({ ...pids(), receiver: this.ctx.receiver.pid }),
      pgPids: () => this.pgPids(),
      redisPid: this.results.machine.redisPid,
      redis: this.ctx.redis,
      redisGroups: connections,
      prefix: this.ctx.prefix,
    });
  }

  /** A tenant with `n` endpoints at /<pathPrefix>/<i>, each subscribed to its own event type `<typePrefix>.e<i>`. */
  async tenant(key, n, { pathPrefix = key, typePrefix = key } = {}) {
    const api = this.herald.url('api');
    const t = await callJson(api, 'POST', '/api/v1/tenants', { token: this.herald.rootToken, body: { name: `bench ${key}` } });
    const admin = t.api_keys.admin;
    const types = Array.from({ length: n }, (_, i) => `${typePrefix}.e${i}`);
    const t0 = Date.now();
    await mapLimit(types, 16, (name) => callJson(api, 'POST', '/api/v1/event-types', { token: admin, body: { name } }));
    const t1 = Date.now();
    const endpoints = await mapLimit(types, 16, (type, i) =>
      callJson(api, 'POST', '/api/v1/endpoints', {
        token: admin,
        body: { url: `${this.ctx.receiverUrl}/${pathPrefix}/${i}`, name: `bench ${pathPrefix} ${i}`, events: [type] },
      }),
    );
    const t2 = Date.now();
    const tenant = {
      id: t.id,
      admin,
      ingest: t.api_keys.ingest,
      types,
      endpointIds: endpoints.map((e) => e.id),
      paths: types.map((_, i) => `/${pathPrefix}/${i}`),
      setup: { eventTypesPerSecond: n / ((t1 - t0) / 1000 || 1), endpointsPerSecond: n / ((t2 - t1) / 1000 || 1) },
    };
    this.tenants[key] = tenant;
    return tenant;
  }

  async pgSizes() {
    const rows = await this.query(`
      SELECT c.relname AS table, pg_total_relation_size(c.oid)::bigint AS total, pg_relation_size(c.oid)::bigint AS heap,
             (pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - COALESCE(pg_total_relation_size(c.reltoastrelid), 0))::bigint AS indexes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname IN ('events', 'deliveries', 'attempts')`);
    const out = {};
    for (const r of rows) {
      const [{ n }] = await this.query(`SELECT count(*)::int AS n FROM ${r.table}`);
      out[r.table] = { rows: n, total: Number(r.total), heap: Number(r.heap), indexes: Number(r.indexes), perRow: n ? Number(r.total) / n : null };
    }
    return out;
  }

  /** Counts the Redis commands our processes send (MONITOR, attributed by client port) until stop(). */
  async monitorCommands(pids, { attribute = true } = {}) {
    let owners = attribute ? portOwners(pids) : new Map();
    let stopped = false;
    const byService = {};
    const byCommand = {};
    const unknown = new Map();
    const count = (service, cmd, n = 1) => {
      byService[service] = (byService[service] ?? 0) + n;
      byCommand[service] ??= {};
      byCommand[service][cmd] = (byCommand[service][cmd] ?? 0) + n;
    };
    const prefix = `${this.ctx.prefix}:`;
    let bullConnections = 0;
    const monitor = await rawMonitor({}, (source, args) => {
      if (stopped) return;
      const cmd = String(args[0]).toUpperCase();
      // BullMQ names each Worker's blocking connection `<prefix>:<base64 queue>`: one per Worker started.
      if (cmd === 'CLIENT' && String(args[1]).toUpperCase() === 'SETNAME' && String(args[2]).startsWith(prefix)) bullConnections++;
      if (!attribute) return;
      const port = Number(source.slice(source.lastIndexOf(':') + 1));
      const service = owners.get(port);
      if (service) count(service, cmd);
      else {
        // A connection opened since the last refresh (or not ours): resolved at stop().
        const entry = unknown.get(port) ?? {};
        entry[cmd] = (entry[cmd] ?? 0) + 1;
        unknown.set(port, entry);
      }
    });
    const refresh = attribute
      ? setInterval(() => {
          owners = portOwners(pids);
        }, 250)
      : null;
    return {
      stop: () => {
        stopped = true;
        clearInterval(refresh);
        monitor.stop();
        if (attribute) {
          owners = portOwners(pids);
          for (const [port, cmds] of unknown) {
            const service = owners.get(port);
            if (service) for (const [cmd, n] of Object.entries(cmds)) count(service, cmd, n);
          }
        }
        return { byService, byCommand, bullConnections };
      },
    };
  }

  async pgStat() {
    const [r] = await this.query(
      `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = $1`,
      [this.ctx.dbName],
    );
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
  }

  // --- 1 + 6: maximum sustained throughput ------------------------------------------------

  async heraldThroughput(tenant, { batch, events, label, sizes = false }) {
    const { P } = this;
    await this.truncate();
    await this.recv('POST', '/reset');
    const sampler = this.sampler(() => this.herald.pids(), { connections: true });
    await sampler.start();
    const monoStart = Number(process.hrtime.bigint() / 1000n);
    const load = this.closedLoad({ target: this.herald.url('ingest'), token: tenant.ingest, types: tenant.types, events, batch });
    // Done = every accepted event is `delivered` in PostgreSQL. Poll the receiver (in memory)
    // until it has them all, then PostgreSQL (a count over the tenant's deliveries) until the
    // attempt batches are committed: cheap polling that does not load the database under test.
    const deadline = Date.now() + P.runTimeoutMs;
    const target = () => (load.result ? Math.min(events, load.result.accepted) : events);
    let delivered = 0;
    let doneAt = null;
    while (Date.now() < deadline) {
      load.check();
      if ((await this.recv('GET', '/count')).unique >= target()) break;
      await sleep(50);
    }
    while (Date.now() < deadline) {
      delivered = await this.deliveredCount(tenant.id);
      if (delivered >= target()) {
        doneAt = hrNow();
        break;
      }
      await sleep(20);
    }
    const monoEnd = Number(process.hrtime.bigint() / 1000n);
    const lg = await load.finished();
    sampler.addCpu('loadgen', lg.cpuMs);
    const resources = await sampler.stop();
    const stats = await this.recv('GET', '/stats');
    const [{ n: attempts }] = await this.query(`SELECT count(*)::int AS n FROM attempts WHERE tenant_id = $1`, [tenant.id]);
    const pgSizes = sizes ? await this.pgSizes() : undefined;
    const end = doneAt ?? hrNow();
    const seconds = (end - lg.firstSendAt) / 1000;
    const run = {
      label,
      events,
      accepted: lg.accepted,
      refused: lg.refused,
      delivered,
      attempts,
      complete: doneAt !== null,
      seconds,
      rate: delivered / seconds,
      ingestRate: lg.accepted / ((lg.lastAckAt - lg.firstSendAt) / 1000),
      ack: lg.ack,
      errors: lg.errors,
      payloadBytes: lg.payloadBytes,
      receiver: { count: stats.count, unique: stats.unique, duplicates: stats.duplicates, latency: stats.latency },
      resources,
      pgSizes,
      window: [monoStart, monoEnd],
    };
    log(
      `  ${label}: ${run.rate.toFixed(0)} events/s delivered (ingest acks ${run.ingestRate.toFixed(0)}/s), ${delivered}/${events} delivered, ${attempts} attempts, ${run.seconds.toFixed(1)} s${run.complete ? '' : ' INCOMPLETE'}`,
    );
    await sleep(1000);
    return run;
  }

  async baselineThroughput({ batch, events, label }) {
    const { P } = this;
    await this.recv('POST', '/reset');
    const sampler = this.sampler(() => this.baseline.pids(), { connections: true });
    await sampler.start();
    const monoStart = Number(process.hrtime.bigint() / 1000n);
    const load = this.closedLoad({ target: this.baseline.url, types: ['baseline.event'], events, batch });
    const deadline = Date.now() + P.runTimeoutMs;
    let received = 0;
    let doneAt = null;
    while (Date.now() < deadline) {
      load.check();
      received = (await this.recv('GET', '/count')).unique;
      if (received >= events || (load.result && received >= load.result.accepted)) {
        doneAt = hrNow();
        break;
      }
      await sleep(50);
    }
    const monoEnd = Number(process.hrtime.bigint() / 1000n);
    const lg = await load.finished();
    sampler.addCpu('loadgen', lg.cpuMs);
    const resources = await sampler.stop();
    const stats = await this.recv('GET', '/stats');
    const seconds = ((doneAt ?? hrNow()) - lg.firstSendAt) / 1000;
    const run = {
      label,
      events,
      accepted: lg.accepted,
      delivered: received,
      complete: doneAt !== null,
      seconds,
      rate: received / seconds,
      ingestRate: lg.accepted / ((lg.lastAckAt - lg.firstSendAt) / 1000),
      ack: lg.ack,
      errors: lg.errors,
      receiver: { count: stats.count, unique: stats.unique, duplicates: stats.duplicates, latency: stats.latency },
      resources,
      window: [monoStart, monoEnd],
    };
    log(`  ${label}: ${run.rate.toFixed(0)} events/s received (ingest acks ${run.ingestRate.toFixed(0)}/s), ${received}/${events}, ${run.seconds.toFixed(1)} s${run.complete ? '' : ' INCOMPLETE'}`);
    await sleep(1000);
    return run;
  }

  /** Events per measured run: the calibrated rate × runSeconds, rounded to a whole batch, within [minEvents, maxEvents]. */
  eventsFor(rate) {
    const { P } = this;
    const n = Math.round((rate * P.runSeconds) / P.batchSize) * P.batchSize;
    return Math.min(P.maxEvents, Math.max(P.minEvents, n));
  }

  async throughput() {
    const { P, results } = this;
    const tp1 = this.tenants.tp1 ?? (await this.tenant('tp1', 1));
    const tp100 = this.tenants.tp100 ?? (await this.tenant('tp100', 100));
    const out = (results.throughput = {
      workerConcurrency: { oneEndpoint: P.concurrencyOne, hundredEndpoints: P.concurrencyMany, baseline: P.baselineConcurrency },
      calibration: {},
      eventsPerRun: {},
      scenarios: {},
    });
    const label = {
      herald1Single: 'Herald 1 endpoint, single events',
      herald1Batch: `Herald 1 endpoint, batches of ${P.batchSize}`,
      herald100Single: 'Herald 100 endpoints, single events',
      herald100Batch: `Herald 100 endpoints, batches of ${P.batchSize}`,
      baselineSingle: 'baseline single events',
      baselineBatch: `baseline batches of ${P.batchSize}`,
    };
    const runners = {
      herald1Single: (events, l, extra) => this.heraldThroughput(tp1, { batch: false, events, label: l, ...extra }),
      herald1Batch: (events, l) => this.heraldThroughput(tp1, { batch: true, events, label: l }),
      herald100Single: (events, l) => this.heraldThroughput(tp100, { batch: false, events, label: l }),
      herald100Batch: (events, l) => this.heraldThroughput(tp100, { batch: true, events, label: l }),
      baselineSingle: (events, l) => this.baselineThroughput({ batch: false, events, label: l }),
      baselineBatch: (events, l) => this.baselineThroughput({ batch: true, events, label: l }),
    };
    const calibrate = async (key) => {
      const run = await runners[key](P.calibrationEvents, `${label[key]}: calibration, ${P.calibrationEvents} events (warm-up, not counted)`);
      out.calibration[key] = run.rate;
      out.eventsPerRun[key] = this.eventsFor(run.rate);
    };
    const measure = async (key, r, extra) => {
      (out.scenarios[key] ??= []).push(await runners[key](out.eventsPerRun[key], `${label[key]}, run ${r}/${P.runs} (${out.eventsPerRun[key]} events)`, extra));
    };
    // 1 endpoint (worker concurrency P.concurrencyOne), interleaved with the baseline so both see the same machine.
    const groupOne = this.baseline.port ? ['herald1Single', 'baselineSingle', 'herald1Batch', 'baselineBatch'] : ['herald1Single', 'herald1Batch'];
    for (const key of groupOne) await calibrate(key);
    for (let r = 1; r <= P.runs; r++) for (const key of groupOne) await measure(key, r, key === 'herald1Single' ? { sizes: true } : undefined);
    // 100 endpoints: the worker restarted with the default per-endpoint concurrency.
    await this.herald.stop(['worker']);
    await this.herald.start(['worker'], { concurrency: P.concurrencyMany });
    for (const key of ['herald100Single', 'herald100Batch']) await calibrate(key);
    for (let r = 1; r <= P.runs; r++) for (const key of ['herald100Single', 'herald100Batch']) await measure(key, r);
  }

  /** Herald's measured maximum for single-event ingest (the slower of 1 and 100 endpoints), or a calibration on `tenant`. */
  async capacity(tenant, { batch = false } = {}) {
    const sc = this.results.throughput?.scenarios ?? {};
    const med = (key) => mmm((sc[key] ?? []).map((r) => r.rate)).median;
    const keys = batch ? ['herald1Batch', 'herald100Batch'] : ['herald1Single', 'herald100Single'];
    const known = keys.map(med).filter((v) => Number.isFinite(v));
    if (known.length) return { rate: Math.min(...known), source: `median of phase 1 (${keys.join(', ')})` };
    const run = await this.heraldThroughput(tenant, { batch, events: this.P.calibrationEvents, label: `capacity calibration (${batch ? 'batches' : 'single events'})` });
    return { rate: run.rate, source: `calibration run of ${this.P.calibrationEvents} events` };
  }

  // --- 2 + 6: latency at fixed rates ---------------------------------------------------------

  async latencyRun({ target, token, types, rate, durationMs, warmupMs, healthy = () => true, label, pids, drainMs = 60_000, overloaded = false, countWorkers = false }) {
    await this.recv('POST', '/reset');
    const sampler = pids ? this.sampler(pids) : null;
    await sampler?.start();
    // Count BullMQ Workers the worker starts (CLIENT SETNAME of their blocking connection).
    const starts = countWorkers ? await this.monitorCommands({}, { attribute: false }) : null;
    const lg = await this.loadgen({ target, token, types, mode: 'open', rate, durationMs, warmupMs });
    // Deliveries to wait for: the healthy events ingest accepted (a failed request delivers nothing).
    const failed = new Set(lg.failedSeqs ?? []);
    let expected = 0;
    for (let i = 0; i < lg.events; i++) if (!failed.has(i) && healthy(types[i % types.length])) expected++;
    const drained = await waitFor(async () => (await this.recv('GET', '/count')).measured >= expected, { timeoutMs: drainMs, intervalMs: 100 });
    if (sampler) sampler.addCpu('loadgen', lg.cpuMs);
    const resources = await sampler?.stop();
    const workersStarted = starts ? starts.stop().bullConnections : null;
    const stats = await this.recv('GET', '/stats');
    const run = {
      label,
      rate,
      overloaded,
      workersStarted,
      workersStartedPerEvent: workersStarted === null ? null : workersStarted / lg.events,
      durationMs,
      sent: lg.events,
      accepted: lg.accepted,
      achievedRate: (lg.events - 1) / ((lg.scheduleEnd - lg.firstSendAt) / 1000),
      ackedRate: lg.accepted / ((lg.lastAckAt - lg.firstSendAt) / 1000),
      latency: stats.latency,
      measured: stats.latency.n,
      expected,
      drained: Boolean(drained),
      duplicates: stats.duplicates,
      excluded: stats.excluded,
      statuses: stats.statuses,
      ack: lg.ack,
      lag: lg.lag,
      errors: lg.errors,
      clockSkewMs: stats.clock.hrMinusDate - lg.clock.hrMinusDate,
      resources,
    };
    log(
      `  ${label}: p50 ${run.latency.p50?.toFixed(1)} ms, p99 ${run.latency.p99?.toFixed(1)} ms, max ${run.latency.max?.toFixed(0)} ms (${run.measured} measured${workersStarted === null ? '' : `, ${workersStarted} Workers started`}, ingest acked ${run.ackedRate.toFixed(0)}/s, ack p99 ${lg.ack.p99?.toFixed(1)} ms, generator lag p99 ${lg.lag?.p99?.toFixed(1)} ms)${run.drained ? '' : ' NOT DRAINED'}`,
    );
    await sleep(1000);
    return run;
  }

  async latency() {
    const { P, results } = this;
    const lat = this.tenants.lat ?? (await this.tenant('lat', P.latencyEndpoints));
    if (this.herald.concurrency !== P.concurrencyMany) {
      await this.herald.stop(['worker']);
      await this.herald.start(['worker'], { concurrency: P.concurrencyMany });
    }
    const capacity = await this.capacity(lat);
    const limit = capacity.rate * P.sustainableShare;
    const plan = P.latencyRates.map((rate) => ({ rate, overloaded: rate > limit, extra: false }));
    if (plan.every((p) => p.overloaded)) {
      // None of the asked rates can be sustained here: add one that can, so there is a steady-state figure.
      plan.unshift({ rate: niceRate(capacity.rate * 0.5), overloaded: false, extra: true });
    }
    const baselineCapacity = mmm((results.throughput?.scenarios?.baselineSingle ?? []).map((r) => r.rate)).median;
    const out = (results.latency = {
      endpoints: P.latencyEndpoints,
      workerConcurrency: P.concurrencyMany,
      durationMs: P.latencyMs,
      warmupMs: P.warmupMs,
      overloadMs: P.overloadMs,
      capacity,
      sustainableLimit: limit,
      plan,
      herald: {},
      baseline: {},
      baselineOverloaded: Number.isFinite(baselineCapacity) ? 500 > baselineCapacity * P.sustainableShare : null,
    });
    log(`  Herald capacity ${capacity.rate.toFixed(0)} events/s (${capacity.source}): steady-state rates ≤ ${limit.toFixed(0)}/s; ${plan.map((p) => `${p.rate}/s ${p.overloaded ? 'overloaded (1 short run)' : p.extra ? 'added' : ''}`).join(', ')}`);
    const run = (rate, r, extra = {}) =>
      this.latencyRun({
        target: this.herald.url('ingest'),
        token: lat.ingest,
        types: lat.types,
        rate,
        durationMs: P.latencyMs,
        warmupMs: P.warmupMs,
        label: `Herald ${rate}/s, run ${r}`,
        pids: () => this.herald.pids(),
        countWorkers: true,
        ...extra,
      });
    for (let r = 1; r <= P.runs; r++) {
      for (const { rate } of plan.filter((p) => !p.overloaded)) {
        await this.truncate();
        (out.herald[rate] ??= []).push(await run(rate, `${r}/${P.runs}`));
      }
      if (this.baseline.port) {
        // The bare pipeline at 500/s, and at every steady rate Herald ran below 500/s (like for like).
        const baselineRates = [...new Set([...plan.filter((p) => !p.overloaded && p.rate < 500).map((p) => p.rate), 500])];
        for (const rate of baselineRates) {
          (out.baseline[rate] ??= []).push(
            await this.latencyRun({
              target: this.baseline.url,
              types: ['baseline.event'],
              rate,
              durationMs: P.latencyMs,
              warmupMs: P.warmupMs,
              label: `baseline ${rate}/s, run ${r}/${P.runs}`,
              pids: () => this.baseline.pids(),
            }),
          );
        }
      }
    }
    // Overloaded rates last, one short run each: the backlog they leave is cleared by the truncate.
    for (const { rate } of plan.filter((p) => p.overloaded)) {
      await this.truncate();
      (out.herald[rate] ??= []).push(
        await run(rate, `overloaded, 1 run of ${P.overloadMs / 1000} s`, { durationMs: P.overloadMs, warmupMs: 0, overloaded: true, drainMs: P.runTimeoutMs }),
      );
    }
  }

  // --- 3: isolation ---------------------------------------------------------------------------

  async isolation() {
    const { P, results } = this;
    if (this.herald.concurrency !== P.concurrencyMany) {
      await this.herald.stop(['worker']);
      await this.herald.start(['worker'], { concurrency: P.concurrencyMany });
    }
    log(`  creating ${P.isoEndpoints} endpoints (each with its own event type) through the api`);
    const iso = this.tenants.iso ?? (await this.tenant('iso', P.isoEndpoints));
    const [slow, failing] = [iso.paths[0], iso.paths[1]];
    // Each event goes to one endpoint. 10 % go to the slow endpoint and 10 % to the failing one (so
    // they are really busy), the other 80 % round-robin over the healthy ones; the same in every run.
    const badShare = 0.1;
    const healthyTypes = iso.types.slice(2);
    const schedule = [];
    const slots = Math.ceil(healthyTypes.length / (1 - 2 * badShare));
    for (let i = 0, h = 0; i < slots; i++) {
      if (i % 10 === 0) schedule.push(iso.types[0]);
      else if (i % 10 === 5) schedule.push(iso.types[1]);
      else schedule.push(healthyTypes[h++ % healthyTypes.length]);
    }
    const badTypes = new Set(iso.types.slice(0, 2));
    log(`  api created ${iso.setup.eventTypesPerSecond.toFixed(0)} event types/s, ${iso.setup.endpointsPerSecond.toFixed(0)} endpoints/s`);
    // Capacity with this many endpoints (each event starts a Worker for its endpoint): a short closed-loop run.
    await this.recv('POST', '/config', { exclude: [], behaviors: {} });
    const cal = await this.heraldThroughput(iso, { batch: false, events: P.calibrationEvents, label: `isolation capacity calibration, ${P.isoEndpoints} endpoints` });
    const rate = P.isoRate <= cal.rate * 0.5 ? P.isoRate : niceRate(cal.rate * 0.5);
    const out = (results.isolation = {
      endpoints: P.isoEndpoints,
      askedRate: P.isoRate,
      rate,
      capacity: cal.rate,
      durationMs: P.isoMs,
      warmupMs: P.isoWarmupMs,
      slowMs: P.slowMs,
      badShare,
      workerConcurrency: this.herald.concurrency,
      setup: iso.setup,
      control: [],
      bad: [],
    });
    if (rate !== P.isoRate) log(`  ${P.isoRate}/s is above half of this setup's capacity (${cal.rate.toFixed(0)}/s): running at ${rate}/s`);
    for (let r = 1; r <= P.runs; r++) {
      for (const mode of ['control', 'bad']) {
        await this.recv('POST', '/config', {
          exclude: [slow, failing],
          behaviors: mode === 'bad' ? { [slow]: { delayMs: P.slowMs }, [failing]: { status: 500 } } : {},
        });
        await this.truncate();
        out[mode].push(
          await this.latencyRun({
            target: this.herald.url('ingest'),
            token: iso.ingest,
            types: schedule,
            rate,
            durationMs: P.isoMs,
            warmupMs: P.isoWarmupMs,
            healthy: (type) => !badTypes.has(type),
            label: `isolation ${mode === 'bad' ? 'with a slow and a failing endpoint' : 'control (all healthy)'}, ${rate}/s, run ${r}/${P.runs}`,
            pids: () => this.herald.pids(),
            countWorkers: true,
          }),
        );
      }
    }
    await this.recv('POST', '/config', { exclude: [], behaviors: {} });
  }

  // --- 4: resources ---------------------------------------------------------------------------

  async resources() {
    const { P, results, ctx } = this;
    const out = (results.resources = { memEvents: P.memEvents, redisMemory: [] });
    const tp1 = this.tenants.tp1 ?? (await this.tenant('tp1', 1));
    const tp100 = this.tenants.tp100 ?? (await this.tenant('tp100', 100));
    await this.truncate();
    await sleep(2000);
    await this.herald.stop(['worker']);
    const usedMemory = async () => Number(parseInfo(await ctx.redis.info('memory')).used_memory);
    for (const [tenant, label] of [
      [tp1, '1 endpoint'],
      [tp100, '100 endpoints'],
    ]) {
      const before = { keys: await keysMemory(ctx.redis, `${ctx.prefix}:*`), used: await usedMemory() };
      const lg = await this.loadgen({
        target: this.herald.url('ingest'),
        token: tenant.ingest,
        types: tenant.types,
        mode: 'closed',
        total: P.memEvents,
        batchSize: P.batchSize,
        concurrency: P.batchConcurrency,
      });
      await sleep(500);
      const after = { keys: await keysMemory(ctx.redis, `${ctx.prefix}:*`), used: await usedMemory() };
      const entry = {
        label,
        waiting: lg.accepted,
        keysBytesPerDelivery: (after.keys.bytes - before.keys.bytes) / lg.accepted,
        keysPerDelivery: (after.keys.keys - before.keys.keys) / lg.accepted,
        usedMemoryPerDelivery: (after.used - before.used) / lg.accepted,
        before,
        after,
      };
      out.redisMemory.push(entry);
      log(`  Redis per waiting delivery (${label}): ${entry.keysBytesPerDelivery.toFixed(0)} B by MEMORY USAGE of our keys, ${entry.usedMemoryPerDelivery.toFixed(0)} B by used_memory`);
    }
    // Drain the backlog with a fresh worker (default concurrency): the worker alone, ingest idle.
    const backlog = out.redisMemory.reduce((a, e) => a + e.waiting, 0);
    await this.recv('POST', '/reset');
    const t0 = hrNow();
    await this.herald.start(['worker'], { concurrency: P.concurrencyMany });
    const received = async () => (await this.recv('GET', '/count')).unique;
    const done = await waitFor(async () => ((await received()) >= backlog ? true : null), { timeoutMs: P.drainMaxMs, intervalMs: 100 });
    const delivered = await received();
    const seconds = (hrNow() - t0) / 1000;
    out.backlogDrain = { deliveries: backlog, delivered, seconds, complete: Boolean(done), rate: delivered / seconds, workerConcurrency: P.concurrencyMany };
    log(`  backlog: ${delivered} of ${backlog} delivered in ${seconds.toFixed(1)} s (${out.backlogDrain.rate.toFixed(0)}/s, incl. worker start)`);
    out.pgSizes = await this.pgSizes();
    await this.truncate();
  }

  // --- hot spots ------------------------------------------------------------------------------

  async profile() {
    const { P, results, ctx } = this;
    const dir = path.join(ctx.rawDir, 'profiles');
    mkdirSync(dir, { recursive: true });
    const tp1 = this.tenants.tp1 ?? (await this.tenant('tp1', 1));
    const events = results.throughput?.eventsPerRun?.herald1Single ?? P.calibrationEvents * 2;
    await this.herald.stop(['ingest', 'worker']);
    await this.herald.start(['ingest', 'worker'], { concurrency: P.concurrencyOne, profileDir: dir });
    // Warm up (JIT, pools, the endpoint's Worker); only the measured run's time window is analysed.
    await this.heraldThroughput(tp1, { batch: false, events: P.calibrationEvents / 2, label: 'profiled services: warm-up' });
    // Also count, per event, the Redis commands each service sends and the PostgreSQL transactions.
    const q0 = this.queries;
    const pg0 = await this.pgStat();
    const monitor = await this.monitorCommands(this.herald.pids());
    // PostgreSQL itself: perf over the whole machine, reported for the bench database's backends.
    const perfFile = path.join(dir, 'postgres.perf.data');
    const perf = perfAvailable() ? startPerf(perfFile) : null;
    if (perf) await sleep(500);
    const run = await this.heraldThroughput(tp1, { batch: false, events, label: 'profiled: Herald 1 endpoint, single events' });
    const perfDone = await perf?.stop();
    const redisCounts = monitor.stop();
    await this.herald.stop(['ingest', 'worker']); // writes the profiles; the backends exit and flush their statistics
    await sleep(1500);
    const pg1 = await this.pgStat();
    const own = this.queries - q0 + 1;
    const perEvent = (n) => n / run.delivered;
    const out = (results.profile = {
      run,
      dir: path.relative(root, dir),
      services: {},
      perEvent: {
        redisCommands: Object.fromEntries(Object.entries(redisCounts.byService).map(([k, v]) => [k, perEvent(v)])),
        redisByCommand: Object.fromEntries(
          Object.entries(redisCounts.byCommand).map(([svc, cmds]) => [
            svc,
            Object.fromEntries(
              Object.entries(cmds)
                .sort((a, b) => b[1] - a[1])
                .map(([k, v]) => [k, perEvent(v)]),
            ),
          ]),
        ),
        bullWorkerConnections: perEvent(redisCounts.bullConnections),
        pgTransactions: perEvent(pg1.xact_commit + pg1.xact_rollback - pg0.xact_commit - pg0.xact_rollback - own),
        pgRowsFetched: perEvent(pg1.tup_fetched - pg0.tup_fetched),
        pgRowsReturned: perEvent(pg1.tup_returned - pg0.tup_returned),
        pgRowsInserted: perEvent(pg1.tup_inserted - pg0.tup_inserted),
        pgRowsUpdated: perEvent(pg1.tup_updated - pg0.tup_updated),
      },
    });
    out.perEvent.pgCpuMsPerTransaction = (run.resources.cpu['postgres (bench db)'] ?? 0) / (out.perEvent.pgTransactions * run.delivered);
    if (perfDone?.ok) {
      out.postgres = analyzePerf(perfFile, run.resources.pgClientPids ?? []);
      if (out.postgres) out.postgres.file = path.relative(root, perfFile);
      if (out.postgres?.samplesFound) log(`  PostgreSQL (perf): ${out.postgres.stages.filter((x) => x.pct > 0).map((x) => `${x.label} ${x.pct.toFixed(0)} %`).join(', ')}`);
    } else if (perf) {
      out.postgresNote = `perf record failed: ${perfDone?.stderr ?? ''}`;
    } else {
      out.postgresNote = 'perf is not installed: no PostgreSQL profile';
    }
    log(
      `  per event: Redis commands ${Object.entries(out.perEvent.redisCommands).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}; PostgreSQL transactions ${out.perEvent.pgTransactions.toFixed(1)}; BullMQ Workers started ${redisCounts.bullConnections} (${out.perEvent.bullWorkerConnections.toFixed(3)}/event)`,
    );
    if (this.baseline.port) {
      await this.baseline.stop();
      await this.baseline.start({ profileDir: dir });
      const n = results.throughput?.eventsPerRun?.baselineSingle ?? P.calibrationEvents * 4;
      await this.baselineThroughput({ batch: false, events: P.calibrationEvents / 2, label: 'profiled baseline: warm-up' });
      out.baselineRun = await this.baselineThroughput({ batch: false, events: n, label: 'profiled: baseline single events' });
      await this.baseline.stop();
      await this.baseline.start();
    }
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
      const name = file.replace('.cpuprofile', '');
      const window = name.startsWith('baseline') ? out.baselineRun?.window : run.window;
      out.services[name] = analyzeProfile(path.join(dir, file), { top: 15, window });
      out.services[name].file = path.relative(root, path.join(dir, file));
    }
    await this.herald.start(['ingest', 'worker'], { concurrency: P.concurrencyMany });
  }

  // --- 5: worker fan-in at scale ---------------------------------------------------------------

  /** Commands our processes send to Redis over `ms` (MONITOR, attributed by client port), plus INFO commandstats. */
  async idleWindow(label, ms) {
    const { ctx } = this;
    const pids = this.herald.pids();
    const monitor = await this.monitorCommands(pids);
    const before = await commandCalls(ctx.redis);
    await sleep(ms);
    const after = await commandCalls(ctx.redis);
    const { byService, byCommand } = monitor.stop();
    const { ours } = await redisConnectionsOf(ctx.redis, pids);
    const perSecond = (n) => (n ?? 0) / (ms / 1000);
    const window = {
      label,
      seconds: ms / 1000,
      workerCommandsPerSecond: perSecond(byService.worker),
      byServicePerSecond: Object.fromEntries(Object.entries(byService).map(([k, v]) => [k, perSecond(v)])),
      workerCommands: byCommand.worker ?? {},
      globalCommandsPerSecond: perSecond(after.total - before.total),
      workerConnections: ours.worker?.total ?? 0,
      connections: ours,
    };
    log(
      `  idle ${label}: worker ${window.workerCommandsPerSecond.toFixed(2)} cmd/s (${Object.entries(window.workerCommands).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}), worker connections ${window.workerConnections}; whole Redis ${window.globalCommandsPerSecond.toFixed(1)} cmd/s (shared server)`,
    );
    return window;
  }

  async fanin() {
    const { P, results, ctx } = this;
    const batchCapacity = mmm((results.throughput?.scenarios?.herald100Batch ?? []).map((r) => r.rate)).median;
    const perEndpoint = Math.min(P.faninMaxPerEndpoint, Math.max(2, Math.round(((Number.isFinite(batchCapacity) ? batchCapacity : 200) * P.faninBurstSeconds) / P.faninActive)));
    // A clean slate: no tenants, no endpoints, no queues; a fresh worker.
    await this.herald.stop(['api', 'ingest', 'worker']);
    await this.query('TRUNCATE tenants CASCADE');
    await deleteKeys(ctx.redis, `${ctx.prefix}:*`);
    this.tenants = {};
    await this.herald.start(['api', 'ingest', 'worker'], { concurrency: P.concurrencyMany });
    const out = (results.fanin = { registered: P.faninRegistered, active: P.faninActive, perEndpoint, workerConcurrency: P.concurrencyMany, idle: [] });
    await sleep(5000);
    out.idle.push(await this.idleWindow('0 endpoints (control)', P.idleWindowMs));

    log(`  creating ${P.faninActive} active + ${P.faninRegistered - P.faninActive} idle endpoints through the api`);
    const t0 = Date.now();
    const active = await this.tenant('fan', P.faninActive);
    const api = this.herald.url('api');
    const idleTenant = await callJson(api, 'POST', '/api/v1/tenants', { token: this.herald.rootToken, body: { name: 'bench idle' } });
    await callJson(api, 'POST', '/api/v1/event-types', { token: idleTenant.api_keys.admin, body: { name: 'idle.never' } });
    const idleCount = P.faninRegistered - P.faninActive;
    await mapLimit(Array.from({ length: idleCount }, (_, i) => i), 16, (i) =>
      callJson(api, 'POST', '/api/v1/endpoints', {
        token: idleTenant.api_keys.admin,
        body: { url: `${ctx.receiverUrl}/idle/${i}`, name: `idle ${i}`, events: ['idle.never'] },
      }),
    );
    out.createSeconds = (Date.now() - t0) / 1000;
    log(`  created ${P.faninRegistered} endpoints (+${P.faninActive} event types) in ${out.createSeconds.toFixed(0)} s`);
    await sleep(6000);
    out.idle.push(await this.idleWindow(`${P.faninRegistered.toLocaleString('en-US')} idle endpoints`, P.idleWindowMs));

    // The burst: every active endpoint gets `perEndpoint` events (each batch covers 100 endpoints).
    const total = P.faninActive * perEndpoint;
    await this.recv('POST', '/reset');
    const burstMonitor = await this.monitorCommands(this.herald.pids());
    const series = [];
    const tStart = Date.now();
    let stop = false;
    const sampleLoop = (async () => {
      while (!stop) {
        const t = (Date.now() - tStart) / 1000;
        const [{ ours }, activeSet, delivered] = await Promise.all([
          redisConnectionsOf(ctx.redis, this.herald.pids()),
          ctx.redis.scard(`${ctx.prefix}:active-endpoints`),
          this.deliveredCount(active.id),
        ]);
        const workerByName = {};
        for (const [name, n] of Object.entries(ours.worker?.byName ?? {})) {
          const g = groupName(name, ctx.prefix);
          workerByName[g] = (workerByName[g] ?? 0) + n;
        }
        series.push({ t, worker: ours.worker?.total ?? 0, workerByName, activeSet, delivered, rss: rssBytes(this.herald.children.worker.pid) });
        await sleep(500);
      }
    })();
    const lg = await this.loadgen({
      target: this.herald.url('ingest'),
      token: active.ingest,
      types: active.types,
      mode: 'closed',
      total,
      batchSize: P.batchSize,
      concurrency: P.batchConcurrency,
    });
    const ingestDoneAt = (Date.now() - tStart) / 1000;
    await waitFor(async () => (await this.deliveredCount(active.id)) >= lg.accepted, { timeoutMs: P.runTimeoutMs, intervalMs: 200 });
    const deliveredAt = (Date.now() - tStart) / 1000;
    const constant = out.idle[0].workerConnections;
    const dropped = await waitFor(
      async () => {
        const last = series[series.length - 1];
        return last && last.t > deliveredAt && last.worker <= constant + 2 ? last : null;
      },
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    const droppedAt = dropped ? dropped.t : null;
    await sleep(2000);
    stop = true;
    await sampleLoop;
    const burstCommands = burstMonitor.stop();
    const peak = series.reduce((best, s) => (s.worker > best.worker ? s : best), series[0]);
    const stats = await this.recv('GET', '/stats');
    Object.assign(out, {
      events: total,
      accepted: lg.accepted,
      ingestDoneAt,
      deliveredAt,
      droppedAt,
      constantConnections: constant,
      peakWorkerConnections: peak.worker,
      peakAt: peak.t,
      peakByName: peak.workerByName,
      peakActiveSet: Math.max(...series.map((s) => s.activeSet)),
      finalWorkerConnections: series[series.length - 1].worker,
      peakWorkerRss: Math.max(...series.map((s) => s.rss ?? 0)),
      series: series.map(({ t, worker, activeSet, delivered }) => ({ t, worker, activeSet, delivered })),
      receiver: { unique: stats.unique, duplicates: stats.duplicates, latency: stats.latency },
      rate: lg.accepted / deliveredAt,
      workersStarted: burstCommands.bullConnections,
      burstWorkerCommandsPerEvent: (burstCommands.byService.worker ?? 0) / lg.accepted,
      burstIngestCommandsPerEvent: (burstCommands.byService.ingest ?? 0) / lg.accepted,
    });
    log(
      `  burst of ${total} events to ${P.faninActive} endpoints: delivered in ${deliveredAt.toFixed(1)} s; ${out.workersStarted} BullMQ Workers started; worker Redis connections peak ${peak.worker} (constant ${constant}), after ${out.finalWorkerConnections}${dropped ? ` (back by ${droppedAt.toFixed(1)} s)` : ' (did not drop within 45 s)'}`,
    );
    out.idle.push(await this.idleWindow(`${P.faninRegistered.toLocaleString('en-US')} endpoints after the burst`, P.idleWindowMs));
  }
}

main().then(
  // Exit even if some handle (a socket of a client library) would keep the loop alive.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[bench] ${error.stack ?? error}\n`);
    killAll();
    process.exit(1);
  },
);

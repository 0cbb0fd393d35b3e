#!/usr/bin/env node
// `npm run bench`: Herald's rerunnable benchmark. Builds if needed, starts its OWN Herald
// (api, ingest, worker as child processes, cwd an empty temp dir, a fresh database
// herald_bench_<timestamp>, Redis prefix herald-bench-<timestamp>, free ports), a receiver
// process, a load generator process and the bare-pipeline baseline (bench/baseline), drives
// them, writes bench/results/<date>.md and .svg, and drops its database and Redis keys.
// A benchmark, not a test: it never fails on a missed target. See bench/README.md.
//
// This file is the runner: the CLI, the shared context, the phases in order, the report.
// Each phase is one module in bench/phases/ and its part of the report bench/report/<phase>.mjs;
// what several phases share is in bench/lib/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BenchContext } from './lib/context.mjs';
import { analyzeProfile } from './lib/cpuprofile.mjs';
import { analyzePerf } from './lib/perf.mjs';
import { deleteKeys, dropDatabase, listBenchDatabases, machineFacts, REDIS_URL, runPlaces, setupDatabase } from './lib/infra.mjs';
import { commitLatency, firstTouchCost } from './lib/machine-probes.mjs';
import { elapsed, log, started } from './lib/log.mjs';
import { FULL, QUICK } from './lib/params.mjs';
import { benchDir, displayPath, resultsDir, root, scrubPaths } from './lib/paths.mjs';
import { killAll, spawnNode, stopChild, waitJsonLine } from './lib/procs.mjs';
import { Baseline, Herald } from './lib/stack.mjs';
import { stamps } from './lib/util.mjs';
import { fanin } from './phases/fanin.mjs';
import { fleet } from './phases/fleet.mjs';
import { isolation } from './phases/isolation.mjs';
import { latency } from './phases/latency.mjs';
import { ordering } from './phases/ordering.mjs';
import { profile, runOfProfile } from './phases/profile.mjs';
import { resources } from './phases/resources.mjs';
import { signing } from './phases/signing.mjs';
import { spread } from './phases/spread.mjs';
import { throughput } from './phases/throughput.mjs';
import { writeReport } from './report/index.mjs';

/** The phases in the order they run: { name, run(ctx), usesBaseline? }. */
const PHASES = [signing, throughput, latency, spread, fleet, ordering, isolation, resources, profile, fanin];
const PHASE_NAMES = PHASES.map((p) => p.name);

const HELP = `Usage: npm run bench [-- options]   (or: node bench/run.mjs [options])

Starts its own Herald stack, receiver and baseline on free ports with a fresh database and
Redis prefix, measures throughput, latency, isolation, resources and worker fan-in, and
writes bench/results/<YYYY-MM-DD>.md and .svg (…-quick.* with --quick). About 15–20 min.

Options:
  --quick            1 run per figure, shorter durations and fewer endpoints (~4 min)
  --only <phases>    comma-separated subset: ${PHASE_NAMES.join(',')}
  --no-build         skip \`npx turbo run build\`
  --keep             keep the bench database and Redis keys (for debugging)
  --cleanup-stale    drop leftover herald_bench_* databases and herald-bench-* Redis keys, then exit
  --report-from DIR  only rewrite the report from DIR/results.json (a bench/results/raw/<timestamp> dir)
  -h, --help         this help`;

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
  const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : PHASE_NAMES;
  for (const phase of only) {
    if (!PHASE_NAMES.includes(phase)) {
      process.stderr.write(`--only: unknown phase '${phase}' (expected ${PHASE_NAMES.join(', ')})\n`);
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

/** --report-from: rewrites the report of an earlier run from its results.json (profiles, Node's and PostgreSQL's perf data, re-analysed). */
function reportFrom(reportDir) {
  const dir = path.resolve(reportDir);
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8'));
  // Re-read the profiles (the analysis may have changed since).
  for (const [name, a] of Object.entries(results.profile?.services ?? {})) {
    const file = path.join(root, a.file ?? '');
    if (!a.file || !existsSync(file)) continue;
    const window = runOfProfile(results.profile, name)?.window;
    results.profile.services[name] = { ...analyzeProfile(file, { top: 15, window }), file: a.file };
  }
  const pgProfile = results.profile?.postgres;
  if (pgProfile?.file && existsSync(path.join(root, pgProfile.file))) {
    const pids = results.profile.run?.resources?.pgClientPids ?? [];
    results.profile.postgres = { ...analyzePerf(path.join(root, pgProfile.file), pids), file: pgProfile.file };
  }
  const base = path.join(resultsDir, `${results.startedAt.slice(0, 10)}${results.quick ? '-quick' : ''}`);
  writeReport(results, { mdPath: `${base}.md`, svgPath: `${base}.svg`, rawDir: displayPath(dir) });
  log(`report: ${displayPath(`${base}.md`)} and ${displayPath(`${base}.svg`)}`);
}

async function main() {
  const cli = parseCli();
  if (cli.reportFrom) {
    reportFrom(cli.reportFrom);
    return;
  }
  const P = cli.quick ? QUICK : FULL;
  const { day, compact } = stamps();
  const redis = new Redis(REDIS_URL, { connectionName: 'herald-bench', maxRetriesPerRequest: 3 });

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
  const ctx = new BenchContext({ P, cli, day, compact, redis, ...runPlaces(compact, path.join(resultsDir, 'raw', compact)) });
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
  ctx.results = results;
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
      if (!built) throw new Error(`build failed (see ${displayPath(ctx.logDir)}/build.log)`);
      results.notes.push('`npx turbo run build` failed (the tree was being edited); the benchmark ran the existing dist/ build.');
      log('build failed: running the existing dist/ build (see build.log)');
    }
  }

  const herald = (ctx.herald = new Herald(ctx));
  const baseline = (ctx.baseline = new Baseline(ctx));
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
      await dropDatabase(ctx.dbName).catch((error) => log(`could not drop ${ctx.dbName}: ${scrubPaths(error.message)}`));
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
    writeReport(results, { mdPath: `${base}.md`, svgPath: `${base}.svg`, rawDir: displayPath(ctx.rawDir) });
    log(`report: ${displayPath(`${base}.md`)} and ${displayPath(`${base}.svg`)} (raw data: ${displayPath(ctx.rawDir)})`);
  };
  // An error nothing caught (e.g. in an event handler): keep what was measured, clean up, exit 1.
  process.on('uncaughtException', (error) => {
    if (interrupted) return;
    interrupted = true;
    log(`unexpected error, stopping: ${scrubPaths(error.stack ?? error)}`);
    results.errors.push({ phase: 'crash', message: scrubPaths(error.message ?? error).slice(0, 2000) });
    try {
      writeWhatWeHave();
    } catch (e) {
      log(`writing the report failed: ${scrubPaths(e.message)}`);
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
    // What commits and fresh memory cost on this machine, before any load.
    results.machine.probes = { commit: await commitLatency(ctx.dbUrl), firstTouch: firstTouchCost() };
    const { commit, firstTouch } = results.machine.probes;
    log(`machine probes: commit p50 ${commit.durable.p50.toFixed(2)} / p99 ${commit.durable.p99.toFixed(2)} ms (without the flush ${commit.unflushed.p50.toFixed(2)} / ${commit.unflushed.p99.toFixed(2)} ms), first touch of memory ${firstTouch?.usPerPage.toFixed(1) ?? '?'} µs per 4 KiB page`);
    pool = new pg.Pool({ connectionString: ctx.dbUrl, max: 3, application_name: 'herald-bench' });
    ctx.pool = pool;

    receiver = spawnNode('receiver', [path.join(benchDir, 'receiver.mjs')], { env: { PATH: process.env.PATH }, cwd: ctx.tmpDir, logFile: path.join(ctx.logDir, 'receiver.log') });
    const ports = await waitJsonLine(receiver);
    ctx.receiverUrl = `http://127.0.0.1:${ports.webhookPort}`;
    ctx.controlUrl = `http://127.0.0.1:${ports.controlPort}`;
    ctx.receiver = receiver;

    const selected = PHASES.filter((phase) => cli.only.includes(phase.name));
    const needsBaseline = selected.some((phase) => phase.usesBaseline);
    log(`starting Herald (api, ingest, worker with HERALD_WORKER_CONCURRENCY=${P.concurrencyOne})${needsBaseline ? ' and the baseline' : ''}`);
    await herald.start(['api', 'ingest', 'worker'], { concurrency: P.concurrencyOne });
    if (needsBaseline) await baseline.start();
    results.ports = { ...herald.ports, baseline: baseline.port, receiver: ports.webhookPort };

    for (const phase of selected) {
      if (interrupted) continue;
      const phaseStart = Date.now();
      log(`── phase: ${phase.name}`);
      try {
        await phase.run(ctx);
      } catch (error) {
        log(`phase ${phase.name} failed: ${scrubPaths(error.stack ?? error)}`);
        results.errors.push({ phase: phase.name, message: scrubPaths(error.message ?? error).slice(0, 2000) });
        // Keep going with a working stack.
        for (const name of ['api', 'ingest', 'worker']) {
          if (!herald.children[name]) await herald.start([name], { concurrency: P.concurrencyMany }).catch(() => undefined);
        }
      }
      (results.phaseSeconds ??= {})[phase.name] = Math.round((Date.now() - phaseStart) / 1000);
      writeFileSync(path.join(ctx.rawDir, 'results.json'), JSON.stringify(results, null, 2));
    }
  } finally {
    results.machine.loadAvgEnd = os.loadavg();
    results.totalSeconds = Math.round((Date.now() - started) / 1000);
    if (!interrupted) {
      try {
        writeWhatWeHave();
      } catch (error) {
        log(`writing the report failed: ${scrubPaths(error.stack ?? error)}`);
      }
    }
    await cleanup();
    log(`done in ${elapsed()}`);
  }
}

main().then(
  // Exit even if some handle (a socket of a client library) would keep the loop alive.
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[bench] ${scrubPaths(error.stack ?? error)}\n`);
    killAll();
    process.exit(1);
  },
);

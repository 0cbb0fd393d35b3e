// Hot spots: ingest and worker (and the baseline) run once under `node --cpu-prof`, PostgreSQL
// under `perf record` if perf is there; also Redis commands and PostgreSQL transactions per
// event. Then the same services once more for a run in batches, where the worker drains the
// backlog alone (the mode furthest from the bare pipeline). Profiles go to <raw dir>/profiles.
// → results.profile
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { analyzeProfile } from '../lib/cpuprofile.mjs';
import { log } from '../lib/log.mjs';
import { baselineThroughput, heraldThroughput } from '../lib/measure.mjs';
import { monitorCommands } from '../lib/monitor.mjs';
import { displayPath, scrubPaths } from '../lib/paths.mjs';
import { analyzePerf, perfAvailable, startPerf } from '../lib/perf.mjs';
import { sleep } from '../lib/util.mjs';

/** Transaction and row counters of the bench database (pg_stat_database). */
async function pgStat(ctx) {
  const [r] = await ctx.query(
    `SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = $1`,
    [ctx.dbName],
  );
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
}

/** Which profiled run a profile file (by its name: `worker`, `baseline-ingest-batch`, …) belongs to. */
export function runOfProfile(profile, name) {
  if (name.startsWith('baseline')) return name.endsWith('-batch') ? profile.baselineBatchRun : profile.baselineRun;
  return name.endsWith('-batch') ? profile.batchRun : profile.run;
}

/** The process's key in a run's `resources.cpu` (`baseline-worker-batch` → `baseline worker`). */
export function cpuKeyOfProfile(name) {
  return name.replace(/-batch$/, '').replace('baseline-', 'baseline ');
}

async function runProfile(ctx) {
  const { P, results, herald, baseline } = ctx;
  const dir = path.join(ctx.rawDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  const tp1 = ctx.tenants.tp1 ?? (await ctx.tenant('tp1', 1));
  const events = results.throughput?.eventsPerRun?.herald1Single ?? P.calibrationEvents * 2;
  await herald.stop(['ingest', 'worker']);
  await herald.start(['ingest', 'worker'], { concurrency: P.concurrencyOne, profileDir: dir });
  // Warm up (JIT, pools, the endpoint's Worker); only the measured run's time window is analysed.
  await heraldThroughput(ctx, tp1, { batch: false, events: P.calibrationEvents / 2, label: 'profiled services: warm-up' });
  // Also count, per event, the Redis commands each service sends and the PostgreSQL transactions.
  const q0 = ctx.queries;
  const pg0 = await pgStat(ctx);
  const monitor = await monitorCommands(herald.pids(), { prefix: ctx.prefix });
  // PostgreSQL itself: perf over the whole machine, reported for the bench database's backends.
  const perfFile = path.join(dir, 'postgres.perf.data');
  const perf = perfAvailable() ? startPerf(perfFile) : null;
  if (perf) await sleep(500);
  const run = await heraldThroughput(ctx, tp1, { batch: false, events, label: 'profiled: Herald 1 endpoint, single events' });
  const perfDone = await perf?.stop();
  const redisCounts = monitor.stop();
  await herald.stop(['ingest', 'worker']); // writes the profiles; the backends exit and flush their statistics
  await sleep(1500);
  const pg1 = await pgStat(ctx);
  const own = ctx.queries - q0 + 1;
  const perEvent = (n) => n / run.delivered;
  const out = (results.profile = {
    run,
    dir: displayPath(dir),
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
    if (out.postgres) out.postgres.file = displayPath(perfFile);
    if (out.postgres?.samplesFound) log(`  PostgreSQL (perf): ${out.postgres.stages.filter((x) => x.pct > 0).map((x) => `${x.label} ${x.pct.toFixed(0)} %`).join(', ')}`);
  } else if (perf) {
    out.postgresNote = `perf record failed: ${scrubPaths(perfDone?.stderr ?? '')}`;
  } else {
    out.postgresNote = 'perf is not installed: no PostgreSQL profile';
  }
  log(
    `  per event: Redis commands ${Object.entries(out.perEvent.redisCommands).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}; PostgreSQL transactions ${out.perEvent.pgTransactions.toFixed(1)}; BullMQ Workers started ${redisCounts.bullConnections} (${out.perEvent.bullWorkerConnections.toFixed(3)}/event)`,
  );
  if (baseline.port) {
    await baseline.stop();
    await baseline.start({ profileDir: dir });
    const n = results.throughput?.eventsPerRun?.baselineSingle ?? P.calibrationEvents * 4;
    await baselineThroughput(ctx, { batch: false, events: P.calibrationEvents / 2, label: 'profiled baseline: warm-up' });
    out.baselineRun = await baselineThroughput(ctx, { batch: false, events: n, label: 'profiled: baseline single events' });
    await baseline.stop();
    await baseline.start();
  }
  await profileBatches(ctx, tp1, dir, out);
  // Single-event profiles first, then the batch ones (`*-batch`).
  const batchLast = (f) => Number(f.endsWith('-batch.cpuprofile'));
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort((a, b) => batchLast(a) - batchLast(b) || a.localeCompare(b))) {
    const name = file.replace('.cpuprofile', '');
    const window = runOfProfile(out, name)?.window;
    out.services[name] = { ...analyzeProfile(path.join(dir, file), { top: 15, window }), file: displayPath(path.join(dir, file)) };
  }
  await herald.start(['ingest', 'worker'], { concurrency: P.concurrencyMany });
}

/**
 * Herald and the baseline profiled again, in batches of P.batchSize: ingest is done within a
 * second or two and the worker then drains the backlog alone, so its profile is what bounds
 * the batch rate. Fewer events than a measured run: profiled, Herald drains at about half its
 * rate, and each delivery of a backlog older than INLINE_EVENT_TRUST_MS (5 s) is checked in
 * PostgreSQL, which a measured run never does. → out.batchRun, out.baselineBatchRun (profiles
 * `*-batch`)
 */
async function profileBatches(ctx, tp1, dir, out) {
  const { P, herald, baseline } = ctx;
  const events = P.calibrationEvents * 5;
  await herald.start(['ingest', 'worker'], { concurrency: P.concurrencyOne, profileDir: dir, profileSuffix: '-batch' });
  await heraldThroughput(ctx, tp1, { batch: true, events: P.calibrationEvents, label: 'profiled services, batches: warm-up' });
  out.batchRun = await heraldThroughput(ctx, tp1, { batch: true, events, label: `profiled: Herald 1 endpoint, batches of ${P.batchSize}` });
  await herald.stop(['ingest', 'worker']);
  if (!baseline.port) return;
  await baseline.stop();
  await baseline.start({ profileDir: dir, profileSuffix: '-batch' });
  await baselineThroughput(ctx, { batch: true, events: P.calibrationEvents, label: 'profiled baseline, batches: warm-up' });
  out.baselineBatchRun = await baselineThroughput(ctx, { batch: true, events, label: `profiled: baseline batches of ${P.batchSize}` });
  await baseline.stop();
  await baseline.start();
}

export const profile = { name: 'profile', usesBaseline: true, run: runProfile };

// The measured runs several phases share: a closed-loop throughput run through Herald or the
// baseline, and an open-loop run at a fixed rate (latency). Each returns the run's figures
// (as they go into results.json) and logs one line.
import { log } from './log.mjs';
import { watchRuntime } from './runtime-metrics.mjs';
import { hrNow, sleep, waitFor } from './util.mjs';

/** The largest "round" rate at or below `value` (for rates derived from a measured maximum). */
export function niceRate(value) {
  const steps = [10, 20, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000];
  let best = steps[0];
  for (const step of steps) if (step <= value) best = step;
  return best;
}

/**
 * Starts a closed-loop run (`events` as fast as the service answers, single or in batches)
 * without waiting for it: `result` is its outcome once it ended, `check()` throws if it
 * failed, `finished()` waits for it.
 */
function closedLoad(ctx, { target, token, types, events, batch }) {
  const { P } = ctx;
  const load = { result: null, error: null };
  const done = ctx
    .loadgen({
      target,
      token,
      types,
      mode: 'closed',
      total: events,
      batchSize: batch ? P.batchSize : 1,
      concurrency: batch ? P.batchConcurrency : P.singleConcurrency,
    })
    .then(
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

/** `events` through Herald's ingest to `tenant` as fast as it takes them, until all are `delivered` in PostgreSQL. */
export async function heraldThroughput(ctx, tenant, { batch, events, label, sizes = false }) {
  const { P, herald } = ctx;
  await ctx.truncate();
  await ctx.recv('POST', '/reset');
  const sampler = ctx.sampler(() => herald.pids(), { connections: true });
  await sampler.start();
  const monoStart = Number(process.hrtime.bigint() / 1000n);
  const load = closedLoad(ctx, { target: herald.url('ingest'), token: tenant.ingest, types: tenant.types, events, batch });
  // Done = every accepted event is `delivered` in PostgreSQL. Poll the receiver (in memory)
  // until it has them all, then PostgreSQL (a count over the tenant's deliveries) until the
  // attempt batches are committed: cheap polling that does not load the database under test.
  const deadline = Date.now() + P.runTimeoutMs;
  const target = () => (load.result ? Math.min(events, load.result.accepted) : events);
  let delivered = 0;
  let doneAt = null;
  while (Date.now() < deadline) {
    load.check();
    if ((await ctx.recv('GET', '/count')).unique >= target()) break;
    await sleep(50);
  }
  while (Date.now() < deadline) {
    delivered = await ctx.deliveredCount(tenant.id);
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
  const stats = await ctx.recv('GET', '/stats');
  const [{ n: attempts }] = await ctx.query(`SELECT count(*)::int AS n FROM attempts WHERE tenant_id = $1`, [tenant.id]);
  const pgSizes = sizes ? await ctx.pgSizes() : undefined;
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

/** `events` through the baseline as fast as it takes them, until the receiver has them all. */
export async function baselineThroughput(ctx, { batch, events, label }) {
  const { P, baseline } = ctx;
  await ctx.recv('POST', '/reset');
  const sampler = ctx.sampler(() => baseline.pids(), { connections: true });
  await sampler.start();
  const monoStart = Number(process.hrtime.bigint() / 1000n);
  const load = closedLoad(ctx, { target: baseline.url, types: ['baseline.event'], events, batch });
  const deadline = Date.now() + P.runTimeoutMs;
  let received = 0;
  let doneAt = null;
  while (Date.now() < deadline) {
    load.check();
    received = (await ctx.recv('GET', '/count')).unique;
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
  const stats = await ctx.recv('GET', '/stats');
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

/**
 * An open-loop run at `rate` for `durationMs` (after `warmupMs`), then waits up to `drainMs`
 * until the receiver has every event to a `healthy` type that ingest accepted. With `runtime`
 * ({ service: baseUrl }), also each service's GC pauses and event-loop delay over the run after
 * its warm-up, and ingest's own answer and store p99 (runtime-metrics.mjs). With `commits`, the
 * transactions the services committed in the bench database over the run (`pgCommits`).
 */
export async function latencyRun(ctx, { target, token, types, rate, durationMs, warmupMs, healthy = () => true, label, pids, runtime, commits = false, drainMs = 60_000, overloaded = false }) {
  await ctx.recv('POST', '/reset');
  const sampler = pids ? ctx.sampler(pids) : null;
  await sampler?.start();
  const commitsBefore = commits ? await ctx.commits() : null;
  const watching = runtime ? await watchRuntime(runtime) : null;
  // The services' own figures leave the warm-up out too (from about its end: the generator starts a moment later).
  let restarted = Promise.resolve();
  const warmupEnd = watching && warmupMs > 0 ? setTimeout(() => (restarted = watching.restart()), warmupMs) : null;
  const lg = await ctx.loadgen({ target, token, types, mode: 'open', rate, durationMs, warmupMs });
  clearTimeout(warmupEnd);
  await restarted;
  // Deliveries to wait for: the healthy events ingest accepted (a failed request delivers nothing).
  const failed = new Set(lg.failedSeqs ?? []);
  let expected = 0;
  for (let i = 0; i < lg.events; i++) if (!failed.has(i) && healthy(types[i % types.length])) expected++;
  const drained = await waitFor(async () => (await ctx.recv('GET', '/count')).measured >= expected, { timeoutMs: drainMs, intervalMs: 100 });
  const runtimeFigures = await watching?.stop();
  if (sampler) sampler.addCpu('loadgen', lg.cpuMs);
  const resources = await sampler?.stop();
  // After the drain, and a moment for the backends to report their last transactions.
  const pgCommits = commits ? (await sleep(1200), (await ctx.commits()) - commitsBefore) : undefined;
  const stats = await ctx.recv('GET', '/stats');
  const run = {
    label,
    rate,
    overloaded,
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
    resources,
    runtime: runtimeFigures,
    pgCommits,
  };
  log(
    `  ${label}: p50 ${run.latency.p50?.toFixed(1)} ms, p99 ${run.latency.p99?.toFixed(1)} ms, max ${run.latency.max?.toFixed(0)} ms (${run.measured} measured, ingest acked ${run.ackedRate.toFixed(0)}/s, ack p99 ${lg.ack.p99?.toFixed(1)} ms, generator lag p99 ${lg.lag?.p99?.toFixed(1)} ms${runtimeFigures?.ingest ? `, answer p99 inside ingest ≈ ${runtimeFigures.ingest.answerP99Ms?.toFixed(1)} ms, of which storing ≈ ${runtimeFigures.ingest.storeP99Ms?.toFixed(1)} ms, loop delay p99 ${runtimeFigures.ingest.loopP99Ms?.toFixed(1)} ms, GC ${runtimeFigures.ingest.gc.ms.toFixed(0)} ms in ${runtimeFigures.ingest.gc.count} pauses` : ''}${runtimeFigures?.worker?.queueWaitP99Ms != null ? `, jobs' wait in Redis p99 ≈ ${runtimeFigures.worker.queueWaitP99Ms.toFixed(1)} ms` : ''})${run.drained ? '' : ' NOT DRAINED'}`,
  );
  await sleep(1000);
  return run;
}

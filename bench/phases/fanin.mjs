// Phase 5: worker fan-in at scale. A clean slate, many registered endpoints of which some get
// a burst; the worker's Redis connections and the endpoints waiting in the dispatcher's ready
// set sampled through it, and its idle Redis commands before (0 endpoints, many idle
// endpoints) and after. → results.fanin
import { commandCalls, deleteKeys } from '../lib/infra.mjs';
import { log } from '../lib/log.mjs';
import { monitorCommands } from '../lib/monitor.mjs';
import { groupName, redisConnectionsOf, rssBytes } from '../lib/sampler.mjs';
import { callJson, mapLimit, mmm, sleep, waitFor } from '../lib/util.mjs';

/** Commands our processes send to Redis over `ms` (MONITOR, attributed by client port), plus INFO commandstats. */
async function idleWindow(ctx, label, ms) {
  const pids = ctx.herald.pids();
  const monitor = await monitorCommands(pids, { prefix: ctx.prefix });
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

async function runFanin(ctx) {
  const { P, results, herald } = ctx;
  const batchCapacity = mmm((results.throughput?.scenarios?.herald100Batch ?? []).map((r) => r.rate)).median;
  const perEndpoint = Math.min(P.faninMaxPerEndpoint, Math.max(2, Math.round(((Number.isFinite(batchCapacity) ? batchCapacity : 200) * P.faninBurstSeconds) / P.faninActive)));
  // A clean slate: no tenants, no endpoints, no queues; a fresh worker.
  await herald.stop(['api', 'ingest', 'worker']);
  await ctx.query('TRUNCATE tenants CASCADE');
  await deleteKeys(ctx.redis, `${ctx.prefix}:*`);
  ctx.tenants = {};
  await herald.start(['api', 'ingest', 'worker'], { concurrency: P.concurrencyMany });
  const out = (results.fanin = { registered: P.faninRegistered, active: P.faninActive, perEndpoint, workerConcurrency: P.concurrencyMany, idle: [] });
  await sleep(5000);
  out.idle.push(await idleWindow(ctx, '0 endpoints (control)', P.idleWindowMs));

  log(`  creating ${P.faninActive} active + ${P.faninRegistered - P.faninActive} idle endpoints through the api`);
  const t0 = Date.now();
  const active = await ctx.tenant('fan', P.faninActive);
  const api = herald.url('api');
  const idleTenant = await callJson(api, 'POST', '/api/v1/tenants', { token: herald.rootToken, body: { name: 'bench idle' } });
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
  out.idle.push(await idleWindow(ctx, `${P.faninRegistered.toLocaleString('en-US')} idle endpoints`, P.idleWindowMs));

  // The burst: every active endpoint gets `perEndpoint` events (each batch covers 100 endpoints).
  const total = P.faninActive * perEndpoint;
  await ctx.recv('POST', '/reset');
  const burstMonitor = await monitorCommands(herald.pids(), { prefix: ctx.prefix });
  const series = [];
  const tStart = Date.now();
  let stop = false;
  const sampleLoop = (async () => {
    while (!stop) {
      const t = (Date.now() - tStart) / 1000;
      const [{ ours }, ready, delivered] = await Promise.all([
        redisConnectionsOf(ctx.redis, herald.pids()),
        ctx.redis.zcard(`${ctx.prefix}:{sched}:ready`),
        ctx.deliveredCount(active.id),
      ]);
      const workerByName = {};
      for (const [name, n] of Object.entries(ours.worker?.byName ?? {})) {
        const g = groupName(name, ctx.prefix);
        workerByName[g] = (workerByName[g] ?? 0) + n;
      }
      series.push({ t, worker: ours.worker?.total ?? 0, workerByName, ready, delivered, rss: rssBytes(herald.children.worker.pid) });
      await sleep(500);
    }
  })();
  const lg = await ctx.loadgen({
    target: herald.url('ingest'),
    token: active.ingest,
    types: active.types,
    mode: 'closed',
    total,
    batchSize: P.batchSize,
    concurrency: P.batchConcurrency,
  });
  const ingestDoneAt = (Date.now() - tStart) / 1000;
  await waitFor(async () => (await ctx.deliveredCount(active.id)) >= lg.accepted, { timeoutMs: P.runTimeoutMs, intervalMs: 200 });
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
  const stats = await ctx.recv('GET', '/stats');
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
    peakReady: Math.max(...series.map((s) => s.ready)),
    finalWorkerConnections: series[series.length - 1].worker,
    peakWorkerRss: Math.max(...series.map((s) => s.rss ?? 0)),
    series: series.map(({ t, worker, ready, delivered }) => ({ t, worker, ready, delivered })),
    receiver: { unique: stats.unique, duplicates: stats.duplicates, latency: stats.latency },
    rate: lg.accepted / deliveredAt,
    // BullMQ Workers started (CLIENT SETNAME of a blocking connection): none since the dispatcher; kept as a check.
    workersStarted: burstCommands.bullConnections,
    burstWorkerCommandsPerEvent: (burstCommands.byService.worker ?? 0) / lg.accepted,
    burstIngestCommandsPerEvent: (burstCommands.byService.ingest ?? 0) / lg.accepted,
  });
  log(
    `  burst of ${total} events to ${P.faninActive} endpoints: delivered in ${deliveredAt.toFixed(1)} s, ready set peak ${out.peakReady} endpoints; worker Redis connections peak ${peak.worker} (constant ${constant}), after ${out.finalWorkerConnections}${dropped ? ` (back by ${droppedAt.toFixed(1)} s)` : ' (did not drop within 45 s)'}`,
  );
  out.idle.push(await idleWindow(ctx, `${P.faninRegistered.toLocaleString('en-US')} endpoints after the burst`, P.idleWindowMs));
}

export const fanin = { name: 'fanin', run: runFanin };

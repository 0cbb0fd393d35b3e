// Phase 4: resources. Redis memory per waiting delivery (worker stopped, 1 and 100
// endpoints), the backlog drain rate of a fresh worker, PostgreSQL table sizes.
// (RSS, Redis connections and PostgreSQL bytes per row under load come from phase 1's runs.)
// → results.resources
import { keysMemory, parseInfo } from '../lib/infra.mjs';
import { log } from '../lib/log.mjs';
import { hrNow, sleep, waitFor } from '../lib/util.mjs';

async function runResources(ctx) {
  const { P, results, herald } = ctx;
  const out = (results.resources = { memEvents: P.memEvents, redisMemory: [] });
  const tp1 = ctx.tenants.tp1 ?? (await ctx.tenant('tp1', 1));
  const tp100 = ctx.tenants.tp100 ?? (await ctx.tenant('tp100', 100));
  await ctx.truncate();
  await sleep(2000);
  await herald.stop(['worker']);
  const usedMemory = async () => Number(parseInfo(await ctx.redis.info('memory')).used_memory);
  for (const [tenant, label] of [
    [tp1, '1 endpoint'],
    [tp100, '100 endpoints'],
  ]) {
    const before = { keys: await keysMemory(ctx.redis, `${ctx.prefix}:*`), used: await usedMemory() };
    const lg = await ctx.loadgen({
      target: herald.url('ingest'),
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
  await ctx.recv('POST', '/reset');
  const t0 = hrNow();
  await herald.start(['worker'], { concurrency: P.concurrencyMany });
  const received = async () => (await ctx.recv('GET', '/count')).unique;
  const done = await waitFor(async () => ((await received()) >= backlog ? true : null), { timeoutMs: P.drainMaxMs, intervalMs: 100 });
  const delivered = await received();
  const seconds = (hrNow() - t0) / 1000;
  out.backlogDrain = { deliveries: backlog, delivered, seconds, complete: Boolean(done), rate: delivered / seconds, workerConcurrency: P.concurrencyMany };
  log(`  backlog: ${delivered} of ${backlog} delivered in ${seconds.toFixed(1)} s (${out.backlogDrain.rate.toFixed(0)}/s, incl. worker start)`);
  out.pgSizes = await ctx.pgSizes();
  await ctx.truncate();
}

export const resources = { name: 'resources', run: runResources };

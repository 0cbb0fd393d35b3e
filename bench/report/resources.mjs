// The report of the resources phase: its headline and section. The section also shows
// what the throughput phase's runs sampled under load (RSS, Redis connections, PostgreSQL bytes per row);
// it is printed even when neither ran.
import { fmt, fmtBytes, fmtMmm, mdTable, mmm } from '../lib/util.mjs';
import { shortLabel } from './throughput.mjs';

export function headlines(results) {
  const out = [];
  const res = results.resources;
  const sizes = (results.throughput?.scenarios?.herald1Single ?? []).map((x) => x.pgSizes).filter(Boolean);
  if (res?.redisMemory?.length || sizes.length) {
    const bits = [];
    if (res?.redisMemory?.length) bits.push(`Redis ${res.redisMemory.map((e) => `${fmtBytes(e.keysBytesPerDelivery)} (${e.label})`).join(' / ')} per waiting delivery`);
    if (sizes.length) {
      const total = mmm(sizes.map((x) => (x.events.total + x.deliveries.total + x.attempts.total) / x.deliveries.rows));
      bits.push(`PostgreSQL ${fmtBytes(total.median)} per delivered event (event + delivery + attempt, with indexes)`);
    }
    const rss = results.throughput?.scenarios?.herald100Single;
    if (rss?.length) bits.push(`peak RSS with 100 busy endpoints: ingest ${fmtBytes(mmm(rss.map((x) => x.resources?.rss?.ingest?.peak)).median)}, worker ${fmtBytes(mmm(rss.map((x) => x.resources?.rss?.worker?.peak)).median)}`);
    out.push(`**Resources:** ${bits.join('; ')}.`);
  }
  return out;
}

export function section(results) {
  const L = [];
  L.push('## Resources');
  L.push('');
  const tpRuns = results.throughput?.scenarios ?? {};
  if (tpRuns.herald1Single?.length) {
    L.push('### Memory (RSS) of each process during load');
    L.push('');
    const keys = ['herald1Single', 'herald1Batch', 'herald100Single', 'herald100Batch', 'baselineSingle'].filter((k) => tpRuns[k]?.length);
    const procs = ['api', 'ingest', 'worker', 'baseline ingest', 'baseline worker', 'receiver', 'redis'];
    L.push(
      mdTable(
        ['Process (peak RSS, median of runs)', ...keys.map(shortLabel)],
        procs.map((p) => [p === 'redis' ? 'redis-server (whole server, shared)' : p, ...keys.map((k) => fmtBytes(mmm(tpRuns[k].map((r) => r.resources?.rss?.[p]?.peak)).median))]),
      ),
    );
    L.push('');
    L.push('### Redis connections during load (by process and client name, peak of samples every 0.5 s)');
    L.push('');
    const connRows = [];
    for (const k of keys) {
      const merged = {};
      for (const r of tpRuns[k]) {
        for (const [svc, c] of Object.entries(r.resources?.connections ?? {})) {
          for (const [name, n] of Object.entries(c.byName)) merged[`${svc}|${name}`] = Math.max(merged[`${svc}|${name}`] ?? 0, n);
          merged[`${svc}|*`] = Math.max(merged[`${svc}|*`] ?? 0, c.max);
        }
      }
      const entries = Object.entries(merged)
        .filter(([key]) => !key.endsWith('|*'))
        .map(([key, n]) => `${key.split('|')[0]}: ${key.split('|')[1]} ×${n}`);
      const totals = Object.entries(merged)
        .filter(([key]) => key.endsWith('|*'))
        .map(([key, n]) => `${key.split('|')[0]} ${n}`);
      connRows.push([shortLabel(k), totals.join(', '), entries.join('; ')]);
    }
    L.push(mdTable(['Scenario', 'Total per process', 'By client name'], connRows));
    L.push('');
    L.push("Connections are attributed to a process by matching CLIENT LIST's client port with the sockets in `/proc/<pid>/fd` (Redis is shared with other users, so names alone would not do).");
    L.push('');
    const sizes = tpRuns.herald1Single.map((r) => r.pgSizes).filter(Boolean);
    if (sizes.length) {
      L.push(`### PostgreSQL bytes per row (after a ${fmt(results.throughput.eventsPerRun?.herald1Single)}-event run, 1 endpoint; tables + indexes + TOAST, before any vacuum)`);
      L.push('');
      const per = (t, f) => mmm(sizes.map((x) => f(x[t])));
      L.push(
        mdTable(
          ['Table', 'Rows', 'Bytes per row (total)', 'of which heap', 'of which indexes'],
          ['events', 'deliveries', 'attempts'].map((t) => [
            t,
            fmt(per(t, (x) => x.rows).median),
            fmtMmm(per(t, (x) => x.perRow), 0),
            fmt(per(t, (x) => x.heap / x.rows).median, 0),
            fmt(per(t, (x) => x.indexes / x.rows).median, 0),
          ]),
        ),
      );
      const total = mmm(sizes.map((x) => (x.events.total + x.deliveries.total + x.attempts.total) / x.deliveries.rows));
      L.push('');
      L.push(
        `So one delivered event costs about **${fmtBytes(total.median)}** in PostgreSQL (event + delivery + one attempt row). The event payload is ${fmt(tpRuns.herald1Single[0].payloadBytes)} bytes of JSON; attempts store the request and response headers. Deliveries are updated once (pending → delivered), leaving a dead tuple until autovacuum.`,
      );
      L.push('');
    }
  }
  const res = results.resources;
  if (res?.redisMemory?.length) {
    L.push('### Redis memory per waiting delivery');
    L.push('');
    L.push(`The worker stopped, ${fmt(res.memEvents)} events ingested in batches, then the difference measured two ways: the sum of \`MEMORY USAGE\` over all keys under the bench prefix (exact for our keys), and \`INFO memory\` used_memory (whole server, includes other users' churn).`);
    L.push('');
    L.push(
      mdTable(
        ['Deliveries waiting', 'MEMORY USAGE Δ per delivery', 'keys per delivery', 'used_memory Δ per delivery'],
        res.redisMemory.map((e) => [`${fmt(e.waiting)} for ${e.label}`, fmtBytes(e.keysBytesPerDelivery), fmt(e.keysPerDelivery, 2), fmtBytes(e.usedMemoryPerDelivery)]),
      ),
    );
    L.push('');
    if (res.backlogDrain) {
      L.push(
        `A fresh worker (concurrency ${res.backlogDrain.workerConcurrency}) then worked on that backlog of ${fmt(res.backlogDrain.deliveries)} deliveries: ${fmt(res.backlogDrain.delivered)} delivered in ${fmt(res.backlogDrain.seconds, 1)} s including process start${res.backlogDrain.complete ? '' : ' (stopped there)'}: **${fmt(res.backlogDrain.rate, 0)} deliveries/s** for the worker alone, ingest idle.`,
      );
      L.push('');
    }
  }
  return L;
}

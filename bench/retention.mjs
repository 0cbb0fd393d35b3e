#!/usr/bin/env node
// `npm run bench:retention`: what retention costs and what it saves. Starts its own Herald
// (api, ingest, worker; a fresh database and Redis prefix) and the bench receiver, sends real
// events so there is one real delivered event (event, delivery, attempt) to copy, then copies
// it 1,000,000 times with generate_series, aged 40 days (past HERALD_RETENTION_DAYS, 30),
// and measures:
//   - bytes per delivered event, and every table's and index's size before and after pruning;
//   - the bench's open-loop ingest (bench/loadgen.mjs through lib/measure.mjs latencyRun) at a
//     fixed rate, with the worker's pruner held off and running, in alternating runs.
// The pruner is switched off and on from outside through its own fleet lock (prune-lock):
// held by the bench, no worker process starts a pass, and a pass running stops at its next
// batch; deleted, the worker takes it on its next tick (HERALD_RETENTION_INTERVAL_MS=1000).
// Not part of `npm test` or `npm run bench`; writes bench/results/<date>-retention.md.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { BenchContext } from './lib/context.mjs';
import { deleteKeys, dropDatabase, machineFacts, REDIS_URL, runPlaces, setupDatabase } from './lib/infra.mjs';
import { elapsed, log } from './lib/log.mjs';
import { latencyRun } from './lib/measure.mjs';
import { FULL } from './lib/params.mjs';
import { benchDir, displayPath, resultsDir, root } from './lib/paths.mjs';
import { killAll, spawnNode, stopChild, waitJsonLine } from './lib/procs.mjs';
import { Herald } from './lib/stack.mjs';
import { fmt, fmtBytes, mdTable, sleep, stamps } from './lib/util.mjs';

const { values: cli } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '20' },
    pairs: { type: 'string', default: '2' },
    'no-build': { type: 'boolean' },
  },
});
const ROWS = Number(cli.rows);
const RATE = Number(cli.rate);
const DURATION_MS = Number(cli.seconds) * 1000;
const PAIRS = Number(cli.pairs);
const AGE_DAYS = 40;

const { day, compact } = stamps();
const redis = new Redis(REDIS_URL, { connectionName: 'herald-bench', maxRetriesPerRequest: 3 });
const ctx = new BenchContext({
  P: { ...FULL },
  cli: {},
  day,
  compact,
  redis,
  ...runPlaces(compact, path.join(resultsDir, 'raw', `${compact}-retention`)),
  serviceEnv: { HERALD_RETENTION_INTERVAL_MS: '1000', HERALD_RETENTION_DAYS: '30', HERALD_DEAD_RETENTION_DAYS: '30' },
});
mkdirSync(ctx.logDir, { recursive: true });
const lockKey = `${ctx.prefix}:prune-lock`;
const pruning = {
  /** Holds the worker's prune lock: no pass starts, a running one stops at its next batch. */
  off: () => redis.set(lockKey, 'bench', 'PX', 3_600_000),
  on: () => redis.del(lockKey),
};

/** Every table's and index's size in bytes (pg_total_relation_size, pg_relation_size). */
async function sizes() {
  const tables = await ctx.query(`
    SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS total, pg_relation_size(c.oid)::bigint AS heap,
           pg_indexes_size(c.oid)::bigint AS indexes, COALESCE(pg_total_relation_size(c.reltoastrelid), 0)::bigint AS toast,
           s.n_live_tup::bigint AS live, s.n_dead_tup::bigint AS dead
    FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
    WHERE c.relname IN ('events', 'deliveries', 'attempts') ORDER BY c.relname`);
  const indexes = await ctx.query(`
    SELECT i.relname AS name, t.relname AS "table", pg_relation_size(i.oid)::bigint AS bytes
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
    WHERE t.relname IN ('events', 'deliveries', 'attempts') ORDER BY t.relname, i.relname`);
  const num = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]));
  const t = tables.map(num);
  return { tables: t, indexes: indexes.map(num), total: t.reduce((a, r) => a + r.total, 0) };
}

/** Copies the template event, delivery and attempt `n` times, created `AGE_DAYS` ago (1 ms apart), delivered. */
async function seed(template, n) {
  const client = await ctx.pool.connect();
  try {
    const CHUNK = 100_000;
    for (let from = 0; from < n; from += CHUNK) {
      const count = Math.min(CHUNK, n - from);
      const at = `now() - interval '${AGE_DAYS} days' + (g * interval '1 millisecond')`;
      // Ids sort before every real one (ULIDs of 2026 start with 01), in creation order, as real ids do.
      const id = (p) => `'${p}_00' || lpad(g::text, 24, '0')`;
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO events (id, tenant_id, event_type, idempotency_key, payload, occurred_at, created_at)
         SELECT ${id('evt')}, e.tenant_id, e.event_type, NULL, e.payload, NULL, ${at}
         FROM events e, generate_series($2::bigint, $3::bigint) g WHERE e.id = $1`,
        [template.event, from, from + count - 1],
      );
      await client.query(
        `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, attempts, max_attempts, next_attempt_at,
                                 last_response_status, last_error, created_at, updated_at, delivered_at)
         SELECT ${id('dlv')}, d.tenant_id, ${id('evt')}, d.endpoint_id, d.event_type, 'delivered', d.attempts, d.max_attempts, NULL,
                d.last_response_status, d.last_error, ${at}, ${at}, ${at}
         FROM deliveries d, generate_series($2::bigint, $3::bigint) g WHERE d.id = $1`,
        [template.delivery, from, from + count - 1],
      );
      await client.query(
        `INSERT INTO attempts (id, tenant_id, delivery_id, endpoint_id, event_id, attempt, status, request_headers, request_format,
                               response_status, response_headers, response_body, latency_ms, error, created_at)
         SELECT ${id('att')}, a.tenant_id, ${id('dlv')}, a.endpoint_id, ${id('evt')}, a.attempt, a.status, a.request_headers, a.request_format,
                a.response_status, a.response_headers, a.response_body, a.latency_ms, a.error, ${at}
         FROM attempts a, generate_series($2::bigint, $3::bigint) g WHERE a.id = $1`,
        [template.attempt, from, from + count - 1],
      );
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
}

const seededLeft = async () => (await ctx.query(`SELECT count(*)::int AS n FROM deliveries WHERE id < 'dlv_01'`))[0].n;

async function main() {
  const started = new Date();
  const machine = await machineFacts(root, redis);
  if (!cli['no-build']) {
    log('build: npx turbo run build');
    const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, encoding: 'utf8', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
  }
  log(`database ${ctx.dbName}`);
  setupDatabase(root, ctx.dbUrl);
  ctx.pool = new pg.Pool({ connectionString: ctx.dbUrl, max: 3, application_name: 'herald-bench' });
  const receiver = spawnNode('receiver', [path.join(benchDir, 'receiver.mjs')], { env: { PATH: process.env.PATH }, cwd: ctx.tmpDir, logFile: path.join(ctx.logDir, 'receiver.log') });
  ctx.receiver = receiver;
  const ports = await waitJsonLine(receiver);
  ctx.receiverUrl = `http://127.0.0.1:${ports.webhookPort}`;
  ctx.controlUrl = `http://127.0.0.1:${ports.controlPort}`;
  const herald = (ctx.herald = new Herald(ctx));
  ctx.results = { machine };
  const out = { rows: ROWS, rate: RATE, durationMs: DURATION_MS, runs: [] };
  try {
    await pruning.off();
    await herald.start(['api', 'ingest', 'worker'], { concurrency: FULL.concurrencyMany });
    const tenant = await ctx.tenant('ret', 10);

    // Real traffic first: the rows to copy, and a warm stack.
    log(`warm-up: 8 s of events at ${RATE}/s through Herald`);
    await latencyRun(ctx, { target: herald.url('ingest'), token: tenant.ingest, types: tenant.types, rate: RATE, durationMs: 8_000, warmupMs: 0, label: 'warm-up' });
    const [template] = await ctx.query(
      `SELECT a.id AS attempt, a.delivery_id AS delivery, a.event_id AS event FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
       WHERE d.status = 'delivered' AND d.attempts = 1 ORDER BY a.id LIMIT 1`,
    );
    const real = await ctx.query(`SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM deliveries) AS deliveries, (SELECT count(*)::int FROM attempts) AS attempts`);
    out.realRows = real[0];
    await ctx.query('VACUUM ANALYZE events, deliveries, attempts');
    const empty = (out.empty = await sizes());

    log(`seeding ${fmt(ROWS)} delivered events (event + delivery + attempt each), ${AGE_DAYS} days old`);
    const t0 = Date.now();
    await seed(template, ROWS);
    out.seedSeconds = (Date.now() - t0) / 1000;
    await ctx.query('VACUUM ANALYZE events, deliveries, attempts');
    out.before = await sizes();
    out.bytesPerEvent = (out.before.total - empty.total) / ROWS;
    out.bytesPerEventByTable = Object.fromEntries(out.before.tables.map((t) => [t.name, (t.total - empty.tables.find((e) => e.name === t.name).total) / ROWS]));
    log(`  seeded in ${fmt(out.seedSeconds, 1)} s: ${fmtBytes(out.before.total)} in the three tables, ${fmt(out.bytesPerEvent)} bytes per delivered event`);

    // Alternating runs: pruning held off, then running, PAIRS times.
    for (let i = 1; i <= PAIRS; i++) {
      for (const mode of ['off', 'on']) {
        const leftBefore = await seededLeft();
        if (mode === 'on') {
          await pruning.on();
          // Wait for the worker to take the lock and make a dent, so the whole run is measured with pruning going.
          const waitStart = Date.now();
          while ((await seededLeft()) === leftBefore && Date.now() - waitStart < 10_000) await sleep(100);
        } else {
          await pruning.off();
          await sleep(2_000);
        }
        const startLeft = await seededLeft();
        const run = await latencyRun(ctx, {
          target: herald.url('ingest'),
          token: tenant.ingest,
          types: tenant.types,
          rate: RATE,
          durationMs: DURATION_MS,
          warmupMs: 2_000,
          label: `pruning ${mode}, pair ${i}/${PAIRS}`,
        });
        const endLeft = await seededLeft();
        const prunedDuringRun = startLeft - endLeft;
        out.runs.push({ mode, pair: i, ackP50: run.ack.p50, ackP99: run.ack.p99, e2eP50: run.latency.p50, e2eP99: run.latency.p99, accepted: run.accepted, drained: run.drained, prunedDuringRun, leftAfter: endLeft, seconds: (DURATION_MS + 2_000) / 1000 });
        log(`  ${mode}: ingest ack p99 ${fmt(run.ack.p99, 1)} ms; pruned ${fmt(prunedDuringRun)} seeded deliveries during the run, ${fmt(endLeft)} left`);
        if (mode === 'on' && endLeft === 0) log('  (every seeded row was gone before the run ended: more --rows for a longer pruning window)');
      }
    }

    // The rest of the backlog, timed, then the sizes: right after, and after a plain VACUUM (what autovacuum does).
    log('pruning the rest');
    await pruning.on();
    const p0 = Date.now();
    const leftAtStart = await seededLeft();
    const deadline = Date.now() + 30 * 60_000;
    while ((await seededLeft()) > 0) {
      if (Date.now() > deadline) throw new Error('pruning did not finish within 30 minutes (see the worker log)');
      await sleep(500);
    }
    await sleep(2_000);
    out.restSeconds = (Date.now() - p0) / 1000;
    out.restRows = leftAtStart;
    out.afterPrune = await sizes();
    // Twice, as autovacuum comes back: B-tree pages emptied by one VACUUM are recycled by the next.
    await ctx.query('VACUUM ANALYZE events, deliveries, attempts');
    await ctx.query('VACUUM events, deliveries, attempts');
    out.afterVacuum = await sizes();
    // Space reuse: a tenth of the rows again, into the vacuumed tables.
    out.reseedRows = Math.round(ROWS / 10);
    log(`re-seeding ${fmt(out.reseedRows)} rows into the vacuumed tables (is the freed space reused?)`);
    await pruning.off();
    await seed(template, out.reseedRows);
    await ctx.query('VACUUM ANALYZE events, deliveries, attempts');
    out.reseeded = await sizes();
    out.left = await ctx.query(`SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM deliveries) AS deliveries, (SELECT count(*)::int FROM attempts) AS attempts`);
  } finally {
    await herald.stop().catch(() => undefined);
    await stopChild(receiver).catch(() => undefined);
    killAll();
    await ctx.pool.end().catch(() => undefined);
    await dropDatabase(ctx.dbName).catch(() => undefined);
    await deleteKeys(redis, `${ctx.prefix}*`).catch(() => 0);
    redis.disconnect();
    rmSync(ctx.tmpDir, { recursive: true, force: true });
  }
  writeFileSync(path.join(ctx.rawDir, 'results.json'), JSON.stringify(out, null, 2));
  const md = report(out, machine, started);
  const file = path.join(resultsDir, `${day}-retention.md`);
  writeFileSync(file, md);
  process.stdout.write(md);
  log(`report: ${displayPath(file)}; done in ${elapsed()}`);
}

function report(out, m, started) {
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const by = (mode) => out.runs.filter((r) => r.mode === mode);
  const offP99 = median(by('off').map((r) => r.ackP99));
  const onP99 = median(by('on').map((r) => r.ackP99));
  const sizeRows = (label, s) => s.tables.map((t) => [label, t.name, fmtBytes(t.total), fmtBytes(t.heap), fmtBytes(t.indexes), fmtBytes(t.toast), fmt(t.live), fmt(t.dead)]);
  const indexRows = out.before.indexes.map((i) => {
    const after = out.afterVacuum.indexes.find((x) => x.name === i.name);
    return [i.table, `\`${i.name}\``, fmtBytes(i.bytes), fmt((i.bytes - (out.empty.indexes.find((x) => x.name === i.name)?.bytes ?? 0)) / out.rows), fmtBytes(after?.bytes ?? 0), fmtBytes(out.reseeded.indexes.find((x) => x.name === i.name)?.bytes ?? 0)];
  });
  const rate = out.restRows / out.restSeconds;
  return [
    `# Retention: ${fmt(out.rows)} delivered events aged past the window — ${started.toISOString().slice(0, 10)}`,
    '',
    `\`npm run bench:retention\` (bench/retention.mjs) on ${m.nproc} cores (${m.cpuModel}), Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}, commit ${m.git}; load average at start ${m.loadAvgStart.map((x) => x.toFixed(2)).join(' / ')} (the machine is shared).`,
    `Herald's own api, ingest and worker (\`HERALD_RETENTION_INTERVAL_MS=1000\`, retention 30 days, default batch of 2,000 with 50 ms pauses), the bench receiver; ${fmt(out.realRows.events)} real events sent first, one of them (event, delivery, attempt) copied ${fmt(out.rows)} times with \`generate_series\`, created and delivered ${AGE_DAYS} days ago.`,
    '',
    '## Bytes per delivered event',
    '',
    `**${fmt(out.bytesPerEvent)} bytes** (${fmtBytes(out.bytesPerEvent)}) of PostgreSQL per delivered event (one event, one delivery, one attempt, every index; ${Object.entries(out.bytesPerEventByTable).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}), measured as the growth of \`pg_total_relation_size\` over the ${fmt(out.rows)} copies after \`VACUUM ANALYZE\`. Seeding took ${fmt(out.seedSeconds, 1)} s.`,
    '',
    '## Ingest with pruning running and without',
    '',
    `Open loop at ${fmt(out.rate)} events/s for ${fmt(out.durationMs / 1000)} s (+2 s warm-up) per run, alternating; "off" = the bench holds the worker's prune lock. Ingest p99 = the load generator's time from send to 202.`,
    '',
    mdTable(
      ['Run', 'Pruning', 'Ingest ack p50 (ms)', 'Ingest ack p99 (ms)', 'End-to-end p50 (ms)', 'End-to-end p99 (ms)', 'Seeded rows pruned during the run', 'Left after'],
      out.runs.map((r) => [r.pair, r.mode, fmt(r.ackP50, 1), fmt(r.ackP99, 1), fmt(r.e2eP50, 1), fmt(r.e2eP99, 1), fmt(r.prunedDuringRun), fmt(r.leftAfter)]),
    ),
    '',
    `Median ingest ack p99: **${fmt(offP99, 1)} ms without pruning, ${fmt(onP99, 1)} ms with** (${onP99 >= offP99 ? '+' : ''}${fmt((100 * (onP99 - offP99)) / offP99, 1)} %; the issue allows +20 %).`,
    '',
    `Pruning the rest (${fmt(out.restRows)} deliveries with their attempts and events, ingest idle) took ${fmt(out.restSeconds, 1)} s: ${fmt(rate)} delivered events per second.`,
    '',
    '## Table sizes',
    '',
    mdTable(['When', 'Table', 'Total', 'Heap', 'Indexes', 'TOAST', 'Live rows', 'Dead rows'], [
      ...sizeRows(`seeded (${fmt(out.rows)} + real)`, out.before),
      ...sizeRows('pruned, before VACUUM', out.afterPrune),
      ...sizeRows('pruned, after VACUUM', out.afterVacuum),
      ...sizeRows(`${fmt(out.reseedRows)} seeded again`, out.reseeded),
    ]),
    '',
    'Totals: ' + [['seeded', out.before], ['pruned', out.afterPrune], ['after VACUUM', out.afterVacuum], ['seeded again', out.reseeded]].map(([k, s]) => `${k} ${fmtBytes(s.total)}`).join(', ') + '.',
    '',
    'DELETE does not give disk back to the operating system: it frees space inside the files, which VACUUM (autovacuum) makes reusable (run twice here: B-tree pages one VACUUM empties are recycled by the next). The last rows show a tenth of the rows written again into the vacuumed tables: if the totals hardly move, new rows reuse the freed space, so a steady state (inserts ≈ pruning) stays at about retention days × daily volume × bytes per event.',
    '',
    '## Index sizes',
    '',
    mdTable(['Table', 'Index', 'Seeded', 'Bytes per event', 'Pruned, after VACUUM', `${fmt(out.reseedRows)} seeded again`], indexRows),
    '',
  ].join('\n');
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`[bench:retention] ${error.stack ?? error}\n`);
    killAll();
    process.exit(1);
  },
);

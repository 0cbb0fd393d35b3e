#!/usr/bin/env node
// `npm run bench:writes`: what PostgreSQL spends per event on Herald's write path, and what
// each foreign key and index of it costs. No services: the bench calls Herald's own statements
// (packages/db: insertEvents, as ingest stores events and their deliveries, then writeAttempts,
// as the worker records a delivered attempt and moves its delivery on) on one connection, and
// reads that backend's CPU time from /proc. Each variant is a fresh database migrated with the
// repository's script and then changed by a few DDL statements (dropping a foreign key or an
// index); rounds alternate the variants' order, and each round is compared with the schema as
// migrated in the same round. One backend and no load of its own besides: a schema change
// worth a few per cent of PostgreSQL's CPU, which the full benchmark's runs (every process on
// 2 shared cores, swinging by a third) cannot resolve, shows here in the per-round ratios.
// Not part of `npm test` or `npm run bench`; writes bench/results/<date>-write-path.md (with
// another --batch than 20: <date>-write-path-batch<N>.md).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { databaseUrl, dropDatabase, setupDatabase } from './lib/infra.mjs';
import { log } from './lib/log.mjs';
import { resultsDir, root } from './lib/paths.mjs';
import { cpuMs } from './lib/sampler.mjs';
import { fmt, mdTable, mmm, stamps } from './lib/util.mjs';

const { values: cli } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
    endpoints: { type: 'string', default: '100' },
  },
});
const EVENTS = Number(cli.events);
const BATCH = Number(cli.batch);
const ROUNDS = Number(cli.rounds);
const ENDPOINTS = Number(cli.endpoints);
for (const [name, value] of Object.entries({ events: EVENTS, batch: BATCH, rounds: ROUNDS, endpoints: ENDPOINTS })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got '${cli[name]}'`);
}
if (EVENTS % BATCH !== 0) throw new Error(`--events (${EVENTS}) must be a multiple of --batch (${BATCH})`);

const db = await import(pathToFileURL(path.join(root, 'packages', 'db', 'dist', 'index.js')).href).catch(() => {
  throw new Error('packages/db/dist is missing: run `npx turbo run build` first');
});
const { newId } = await import(pathToFileURL(path.join(root, 'packages', 'core', 'dist', 'index.js')).href);

/** The schema as migrated, and what each variant changes in it. */
const VARIANTS = [
  { name: 'as migrated', ddl: [] },
  {
    name: "without the foreign keys to busy parent rows (a delivery's endpoint, an event's tenant)",
    ddl: ['ALTER TABLE deliveries DROP CONSTRAINT deliveries_endpoint_id_fkey', 'ALTER TABLE events DROP CONSTRAINT events_tenant_id_fkey'],
  },
  {
    name: 'without any foreign key on the write path',
    ddl: [
      'ALTER TABLE deliveries DROP CONSTRAINT deliveries_endpoint_id_fkey',
      'ALTER TABLE events DROP CONSTRAINT events_tenant_id_fkey',
      'ALTER TABLE deliveries DROP CONSTRAINT deliveries_event_id_fkey',
      'ALTER TABLE attempts DROP CONSTRAINT attempts_delivery_id_fkey',
    ],
  },
  {
    name: "without the outbox's endpoint, event type and kind (emails) filter indexes on deliveries",
    ddl: ['DROP INDEX deliveries_tenant_id_endpoint_id_id_idx', 'DROP INDEX deliveries_tenant_id_event_type_id_idx', 'DROP INDEX deliveries_tenant_id_email_id_idx'],
  },
  {
    name: "without the pending-delivery lookups on deliveries (an endpoint's undelivered rows, the reconciler's pending ids)",
    ddl: ['DROP INDEX deliveries_endpoint_id_status_undelivered_idx', 'DROP INDEX deliveries_pending_id_idx'],
  },
  {
    name: 'with the status and kind indexes holding delivered rows too (as before migration 20261204220000)',
    ddl: [
      'DROP INDEX deliveries_tenant_id_status_id_undelivered_idx',
      'DROP INDEX deliveries_endpoint_id_status_undelivered_idx',
      'DROP INDEX deliveries_tenant_id_email_id_idx',
      'CREATE INDEX deliveries_tenant_id_status_id_idx ON deliveries (tenant_id, status, id)',
      'CREATE INDEX deliveries_endpoint_id_status_idx ON deliveries (endpoint_id, status)',
      'CREATE INDEX deliveries_tenant_id_kind_id_idx ON deliveries (tenant_id, kind, id)',
    ],
  },
];

/** A fresh, migrated database with one tenant, its ingest key and ENDPOINTS endpoints; then the variant's DDL. */
async function prepare(dbName, variant) {
  const url = databaseUrl(dbName);
  setupDatabase(root, url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO tenants (id, name) VALUES ('ten_bench', 'bench')`);
    await client.query(
      `INSERT INTO api_keys (id, tenant_id, name, scope, key_prefix, key_digest) VALUES ('key_bench', 'ten_bench', 'bench', 'ingest', 'hrld_', 'digest')`,
    );
    await client.query(
      `INSERT INTO endpoints (id, tenant_id, url, secret_ciphertext, secret_prefix, updated_at, schema_version)
       SELECT 'ep_' || i, 'ten_bench', 'https://receiver.example/hook', 'c', 'whsec_', now(), '2026-12-01' FROM generate_series(1, $1::int) i`,
      [ENDPOINTS],
    );
    for (const statement of variant.ddl) await client.query(statement);
    const { rows } = await client.query(`SELECT config_version::text AS version FROM tenants WHERE id = 'ten_bench'`);
    return { url, guard: { keyId: 'key_bench', version: rows[0].version } };
  } finally {
    await client.end();
  }
}

const PAYLOAD = JSON.stringify({ order_id: 'ord_1', amount: 1234, currency: 'EUR', customer: { id: 'cus_1', email: 'a@example.com' } });
const REQUEST_HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'Herald/0.1',
  'webhook-id': 'msg_x',
  'webhook-timestamp': '1764688000',
  'webhook-signature': 'v1,abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=',
};
const RESPONSE_HEADERS = { 'content-type': 'text/plain', 'content-length': '2', date: 'Wed, 02 Dec 2026 16:00:00 GMT', connection: 'keep-alive' };

/** One batch as ingest stores it (one delivery per event, endpoints in turn) and its delivered attempts as the worker records them. */
function batchOf(start) {
  const now = new Date();
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    events.push({
      id: newId('evt'),
      eventType: 'order.created',
      idempotencyKey: null,
      payload: PAYLOAD,
      occurredAt: null,
      createdAt: now,
      channels: [],
      orderingKey: null,
      deliveries: [{ id: newId('dlv'), endpointId: `ep_${1 + ((start + i) % ENDPOINTS)}`, maxAttempts: 8, orderingKey: null }],
    });
  }
  const attempts = events.map((e) => ({
    tenantId: 'ten_bench',
    attempt: {
      id: newId('att'),
      deliveryId: e.deliveries[0].id,
      endpointId: e.deliveries[0].endpointId,
      eventId: e.id,
      attempt: 1,
      status: 'succeeded',
      requestHeaders: REQUEST_HEADERS,
      requestFormat: { scheme: 'standard-webhooks' },
      responseStatus: 200,
      responseHeaders: RESPONSE_HEADERS,
      responseBody: 'ok',
      latencyMs: 3,
      error: null,
      createdAt: now,
    },
    update: { status: 'delivered', nextAttemptAt: null, lastResponseStatus: 200, lastError: null, deliveredAt: now },
  }));
  return { events, attempts };
}

/** EVENTS events through the write path on one connection: the backend's CPU and the wall time, per event. */
async function round(target) {
  const sql = db.createSqlPool({ databaseUrl: target.url, max: 1, applicationName: 'herald-bench-writes' });
  try {
    const { rows } = await sql.query('SELECT pg_backend_pid() AS pid');
    const pid = rows[0].pid;
    // The backend's own CPU (PostgreSQL must run on this machine, as for `npm run bench`).
    const backendCpuMs = () => {
      const ms = cpuMs(pid);
      if (ms === null) throw new Error(`cannot read /proc/${pid}/stat: PostgreSQL must run on this machine`);
      return ms;
    };
    const cpu0 = backendCpuMs();
    const t0 = performance.now();
    for (let n = 0; n < EVENTS; n += BATCH) {
      const { events, attempts } = batchOf(n);
      const outcome = await db.insertEvents(sql, 'ten_bench', events, target.guard);
      if (!outcome.ok) throw new Error(`insertEvents refused the batch: ${outcome.reason}`);
      await db.writeAttempts(sql, attempts);
    }
    const wallMs = performance.now() - t0;
    const cpuUsed = backendCpuMs() - cpu0;
    const check = await sql.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`);
    return { cpuUsPerEvent: (1000 * cpuUsed) / EVENTS, wallUsPerEvent: (1000 * wallMs) / EVENTS, delivered: check.rows[0].n };
  } finally {
    await sql.end();
  }
}

const { day, compact } = stamps();
const names = VARIANTS.map((_, i) => `herald_bench_writes_${compact}_${i}`);
log(`write path: ${VARIANTS.length} variants, ${ROUNDS} rounds of ${EVENTS} events in statements of ${BATCH}, ${ENDPOINTS} endpoints`);
const results = VARIANTS.map((v) => ({ ...v, rounds: [] }));
try {
  const targets = [];
  for (const [i, v] of VARIANTS.entries()) targets.push(await prepare(names[i], v));
  for (let r = 0; r < ROUNDS; r++) {
    // A different variant goes first each round: the tables grow, and the machine's load moves.
    const order = VARIANTS.map((_, i) => (i + r) % VARIANTS.length);
    for (const i of order) {
      const out = await round(targets[i]);
      if (out.delivered !== (r + 1) * EVENTS) throw new Error(`${VARIANTS[i].name}: ${out.delivered} delivered, ${(r + 1) * EVENTS} expected`);
      results[i].rounds.push(out);
      log(`  round ${r + 1}/${ROUNDS}, ${VARIANTS[i].name}: ${fmt(out.cpuUsPerEvent, 1)} µs CPU, ${fmt(out.wallUsPerEvent, 1)} µs wall per event`);
    }
  }
} finally {
  for (const name of names) await dropDatabase(name);
}

const base = results[0].rounds;
const rows = results.map((v) => {
  const cpu = mmm(v.rounds.map((x) => x.cpuUsPerEvent));
  const wall = mmm(v.rounds.map((x) => x.wallUsPerEvent));
  const ratio = mmm(v.rounds.map((x, r) => x.cpuUsPerEvent / base[r].cpuUsPerEvent));
  const span = (m, d) => `${fmt(m.median, d)} (${fmt(m.min, d)}–${fmt(m.max, d)})`;
  return [v.name, span(cpu, 1), span(wall, 1), v === results[0] ? '–' : `${fmt(100 * ratio.median)} % (${fmt(100 * ratio.min)}–${fmt(100 * ratio.max)} %)`];
});
const report = `# Herald write path in PostgreSQL — ${day}

\`npm run bench:writes\`: Herald's own write statements (packages/db \`insertEvents\`, then \`writeAttempts\` for
the same deliveries, delivered at the first attempt) on one connection, ${EVENTS.toLocaleString('en')} events per round in
statements of ${BATCH}, one delivery per event to ${ENDPOINTS} endpoints in turn, ${ROUNDS} rounds with the variants'
order rotated. CPU is the backend's own (\`/proc/<pid>/stat\`, 10 ms ticks); the WAL writer's and checkpointer's
are not in it, nor the commit's wait for the disk (in the wall time). Ratio: the variant's CPU per event over the
schema as migrated in the same round.

${mdTable(['Schema', 'backend CPU µs per event', 'wall µs per event', 'CPU vs as migrated'], rows)}
`;
// Another statement size is another result: it gets a file of its own.
const file = path.join(resultsDir, `${day}-write-path${BATCH === 20 ? '' : `-batch${BATCH}`}.md`);
writeFileSync(file, report);
log(`report: ${path.relative(root, file)}`);
process.exit(0);

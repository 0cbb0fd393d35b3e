#!/usr/bin/env node
// `npm run bench:console`: is the console's deliveries screen still quick with 100,000
// deliveries in the tenant? Seeds a fresh database (100,000 deliveries for the tenant
// measured, 50,000 for another), prints the query plans of the outbox list as the
// console asks for it (first page, each filter alone, a deep cursor) and of the replay
// preview, and times the same requests through the api. Not part of `npm test`.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { parseApiConfig, startApi } from '@herald/api';
import { idFloorAt } from '@herald/core';
import { databaseUrl, dropDatabase, setupDatabase } from './lib/infra.mjs';
import { root } from './lib/paths.mjs';

const DELIVERIES = 100_000;
const OTHER_TENANT_DELIVERIES = 50_000;
const ENDPOINTS = 5;
const TYPES = ['invoice.paid', 'invoice.voided', 'order.created', 'order.shipped', 'customer.updated'];
const DAYS = 30;

// newId never goes back in time within a process (and the api in this process has just made
// ids at "now"), so the seeded rows get ids of their own creation time this way.
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const idAt = (prefix, ms) => idFloorAt(prefix, ms) + Array.from(randomBytes(16), (b) => CROCKFORD[b % 32]).join('');

const name = `herald_bench_console_${randomBytes(4).toString('hex')}`;
const url = databaseUrl(name);
const out = (line = '') => process.stdout.write(`${line}\n`);

/** Seeds every tenant's rows in time order across tenants (one chunk of each in turn). */
async function seedInterleaved(client, tenants) {
  const start = Date.now() - DAYS * 86_400_000;
  const span = DAYS * 86_400_000;
  const CHUNKS = 20;
  for (let c = 0; c < CHUNKS; c++) {
    for (const [slot, t] of tenants.entries()) {
      const n = Math.floor(t.count / CHUNKS);
      await insertRows(client, t.id, t.endpoints, n, start + (c * span) / CHUNKS, span / CHUNKS / n, slot / tenants.length);
    }
  }
}

/** Inserts n events with one delivery each, from `from` every `step` ms (shifted by `phase` of a step). */
async function insertRows(client, tenantId, endpointIds, n, from, step, phase) {
  const rows = { evt: [], dlv: [], ep: [], type: [], status: [], at: [], attempts: [], err: [] };
  for (let i = 0; i < n; i++) {
    const ms = Math.floor(from + (i + phase) * step);
    const r = Math.random();
    const status = r < 0.9 ? 'delivered' : r < 0.98 ? 'dead' : 'pending';
    rows.evt.push(idAt('evt', ms));
    rows.dlv.push(idAt('dlv', ms));
    // The last endpoint and the last type are rare (1 delivery in 200), as a small customer's are.
    const rare = i % 200 === 0;
    rows.ep.push(rare ? endpointIds[endpointIds.length - 1] : endpointIds[i % (endpointIds.length - 1)]);
    rows.type.push(rare ? TYPES[TYPES.length - 1] : TYPES[i % (TYPES.length - 1)]);
    rows.status.push(status);
    rows.at.push(new Date(ms));
    rows.attempts.push(status === 'dead' ? 15 : 1);
    rows.err.push(status === 'dead' ? 'HTTP 500' : null);
  }
  await insertBatch(client, tenantId, rows);
}

async function insertBatch(client, tenantId, rows) {
  await client.query(
    `INSERT INTO events (id, tenant_id, event_type, payload, created_at)
     SELECT e, $1, t, '{"n":1}', a FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS x(e, t, a)`,
    [tenantId, rows.evt, rows.type, rows.at],
  );
  await client.query(
    `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, attempts, max_attempts, last_error, created_at, updated_at, delivered_at)
     SELECT d, $1, e, p, t, s::"DeliveryStatus", n, 15, err, a, a, CASE WHEN s = 'delivered' THEN a END
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::timestamptz[]) AS x(d, e, p, t, s, n, err, a)`,
    [tenantId, rows.dlv, rows.evt, rows.ep, rows.type, rows.status, rows.attempts, rows.err, rows.at],
  );
}

async function json(res) {
  const body = await res.json();
  if (!res.ok) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Median and max of `runs` timings of `fn`, in ms. */
async function time(fn, runs = 15) {
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(runs / 2)].toFixed(1), max: ms[runs - 1].toFixed(1) };
}

out(`# The deliveries screen with ${DELIVERIES.toLocaleString('en')} deliveries`);
setupDatabase(root, url);
const rootToken = randomBytes(16).toString('hex');
const config = parseApiConfig({
  DATABASE_URL: url,
  HERALD_ROOT_TOKEN: rootToken,
  HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  HERALD_REDIS_PREFIX: `herald-bench-console-${randomBytes(3).toString('hex')}`,
  HERALD_ALLOW_HTTP: 'true',
  HERALD_OUTBOUND_ALLOWLIST: '127.0.0.1',
  LOG_LEVEL: 'error',
});
const api = await startApi(config, { port: 0 });
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const call = (method, path, token, body) =>
    fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then(json);
  const tenants = [];
  for (const [label, count] of [['measured', DELIVERIES], ['other', OTHER_TENANT_DELIVERIES]]) {
    const tenant = await call('POST', '/api/v1/tenants', rootToken, { name: label });
    for (const type of TYPES) await call('POST', '/api/v1/event-types', tenant.api_keys.admin, { name: type });
    const endpoints = [];
    for (let i = 0; i < ENDPOINTS; i++) {
      endpoints.push((await call('POST', '/api/v1/endpoints', tenant.api_keys.admin, { url: `http://127.0.0.1:9/hook-${i}`, events: ['*'], enabled: true })).id);
    }
    tenants.push({ ...tenant, endpoints, label, count });
  }
  // Both tenants' rows interleave in time, as on a shared install.
  const t0 = performance.now();
  await seedInterleaved(client, tenants);
  out(`seeded ${tenants.map((t) => `${t.count.toLocaleString('en')} deliveries for the ${t.label} tenant`).join(' and ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await client.query('ANALYZE');
  const [tenant] = tenants;
  const read = tenant.api_keys.read;

  // The cursor of the 200th page (10,000 deliveries back), walked as the console's "Older" does.
  let deep = null;
  for (let page = 0; page < 200; page++) deep = (await call('GET', `/api/v1/outbox?limit=50${deep ? `&cursor=${deep}` : ''}`, read)).next_cursor;
  const deepId = deep ? Buffer.from(deep, 'base64url').toString('utf8') : null;

  // The page query of GET /api/v1/outbox (packages/db deliveryPageQuery: ... ORDER BY id DESC LIMIT 51; the page's
  // rows are then read by id) and the preview.
  const since = new Date(Date.now() - 86_400_000);
  const old = new Date(Date.now() - 29 * 86_400_000);
  const plans = [
    ['first page, no filter', 'tenant_id = $1', [tenant.id]],
    ['status = dead', `tenant_id = $1 AND status = 'dead'`, [tenant.id]],
    ['one endpoint', 'tenant_id = $1 AND endpoint_id = $2', [tenant.id, tenant.endpoints[0]]],
    ['a rare endpoint (0.5 %)', 'tenant_id = $1 AND endpoint_id = $2', [tenant.id, tenant.endpoints[ENDPOINTS - 1]]],
    ['one event type', 'tenant_id = $1 AND event_type = $2', [tenant.id, TYPES[2]]],
    ['a rare event type (0.5 %)', 'tenant_id = $1 AND event_type = $2', [tenant.id, TYPES[TYPES.length - 1]]],
    ['last 24 hours', 'tenant_id = $1 AND created_at >= $2', [tenant.id, since]],
    ['created before 29 days ago (the oldest 3 %), with the id bound listDeliveries adds', `tenant_id = $1 AND created_at < $2 AND id < $3`, [tenant.id, old, idFloorAt('dlv', old.getTime() + 3_600_000)]],
    ['the same without the id bound', 'tenant_id = $1 AND created_at < $2', [tenant.id, old]],
    ['dead, one endpoint, one type', `tenant_id = $1 AND status = 'dead' AND endpoint_id = $2 AND event_type = $3`, [tenant.id, tenant.endpoints[0], TYPES[0]]],
    ...(deepId ? [['page 201 (cursor)', 'tenant_id = $1 AND id < $2', [tenant.id, deepId]]] : []),
  ];
  out('\n## Query plans (EXPLAIN ANALYZE) of the outbox list\n');
  for (const [label, where, values] of plans) {
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT * FROM deliveries WHERE ${where} ORDER BY id DESC LIMIT 51`, values);
    out(`### ${label}\n\n\`\`\`\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\`\n`);
  }
  const { rows: preview } = await client.query(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*), count(*) FILTER (WHERE e.enabled AND e.deleted_at IS NULL)
     FROM deliveries d JOIN endpoints e ON e.tenant_id = $1 AND e.id = d.endpoint_id WHERE d.tenant_id = $1 AND d.status = 'dead'`,
    [tenant.id],
  );
  out(`### replay preview, status = dead\n\n\`\`\`\n${preview.map((r) => r['QUERY PLAN']).join('\n')}\n\`\`\`\n`);

  out('## Through the api (bearer key, 15 runs each, ms)\n');
  out('| Request | median | max |\n| --- | --- | --- |');
  const requests = [
    ['GET /api/v1/outbox?limit=50', '/api/v1/outbox?limit=50'],
    ['… &status=dead', '/api/v1/outbox?limit=50&status=dead'],
    ['… &endpoint_id=…', `/api/v1/outbox?limit=50&endpoint_id=${tenant.endpoints[0]}`],
    ['… &endpoint_id=<rare>', `/api/v1/outbox?limit=50&endpoint_id=${tenant.endpoints[ENDPOINTS - 1]}`],
    ['… &event_type=order.created', '/api/v1/outbox?limit=50&event_type=order.created'],
    [`… &event_type=<rare>`, `/api/v1/outbox?limit=50&event_type=${TYPES[TYPES.length - 1]}`],
    ['… &since=<24 h ago>', `/api/v1/outbox?limit=50&since=${since.toISOString()}`],
    ['… &until=<29 days ago>', `/api/v1/outbox?limit=50&until=${old.toISOString()}`],
    ['… page 201 (&cursor=…)', `/api/v1/outbox?limit=50&cursor=${deep}`],
    ['GET /api/v1/outbox/replay/preview (dead)', '/api/v1/outbox/replay/preview'],
  ];
  for (const [label, path] of requests) {
    const t = await time(() => call('GET', path, read));
    out(`| ${label} | ${t.median} | ${t.max} |`);
  }
} finally {
  await client.end();
  await api.stop();
  await dropDatabase(name);
}

// What every phase gets: the run's settings and handles (params, database, Redis, prefix,
// temp and raw dirs, receiver, the Herald and baseline starters, the results object) and the
// small helpers the phases share (receiver control, load generator, bench database queries,
// resource sampler, tenants with endpoints).
import path from 'node:path';
import { benchDir } from './paths.mjs';
import { runNodeJson } from './procs.mjs';
import { Sampler } from './sampler.mjs';
import { callJson, mapLimit } from './util.mjs';

export class BenchContext {
  /**
   * `fields`: P (params), cli, day, compact, redis, and the run's places (infra.mjs runPlaces): redisUrl, dbName, dbUrl, prefix, basePrefix,
   * tmpDir, rawDir, logDir. The runner adds results, herald, baseline, pool, receiver,
   * receiverUrl and controlUrl once they exist.
   */
  constructor(fields) {
    Object.assign(this, fields);
    /** Tenants created so far, by key (phases reuse each other's). */
    this.tenants = {};
    /** Queries the bench itself sent to the bench database (subtracted from pg_stat_database). */
    this.queries = 0;
  }

  /** A call to the receiver's control port. */
  recv(method, p, body) {
    return callJson(this.controlUrl, method, p, { body });
  }

  /** Runs bench/loadgen.mjs with `config` to completion; resolves its summary. */
  loadgen(config) {
    return runNodeJson('loadgen', [path.join(benchDir, 'loadgen.mjs'), JSON.stringify(config)], {
      env: { PATH: process.env.PATH },
      cwd: this.tmpDir,
      logFile: path.join(this.logDir, 'loadgen.log'),
      timeoutMs: this.P.runTimeoutMs + 120_000,
    });
  }

  async query(sql, params = []) {
    this.queries = (this.queries ?? 0) + 1;
    return (await this.pool.query(sql, params)).rows;
  }

  /**
   * Transactions committed in the bench database so far (pg_stat_database), less the bench's own
   * queries (this one included): what the services under test committed. A backend reports its
   * counts within about a second of its last transaction, so read it after the load has drained.
   */
  async commits() {
    const [{ n }] = await this.query(`SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(n) - this.queries;
  }

  async deliveredCount(tenantId) {
    const [row] = await this.query(`SELECT count(*)::int AS n FROM deliveries WHERE tenant_id = $1 AND status = 'delivered'`, [tenantId]);
    return row.n;
  }

  async truncate() {
    await this.query('TRUNCATE attempts, deliveries, events');
  }

  /** PostgreSQL processes whose CPU the sampler counts: the bench database's client backends (not the bench's own), and the shared background ones. */
  async pgPids() {
    const rows = await this.query(`SELECT pid, backend_type, datname, application_name FROM pg_stat_activity`);
    const ours = (r) => r.datname === this.dbName;
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

  /** A resource sampler over `pids()` plus the receiver, PostgreSQL and Redis. */
  sampler(pids, { connections = false } = {}) {
    return new Sampler({
      pids: () => ({ ...pids(), receiver: this.receiver.pid }),
      pgPids: () => this.pgPids(),
      redisPid: this.results.machine.redisPid,
      redis: this.redis,
      redisGroups: connections,
      prefix: this.prefix,
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
        body: { url: `${this.receiverUrl}/${pathPrefix}/${i}`, name: `bench ${pathPrefix} ${i}`, events: [type] },
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

  /** Rows and bytes (total, heap, indexes, per row) of the events, deliveries and attempts tables. */
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
}

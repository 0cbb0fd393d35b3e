import { createLogger, newId } from '@herald/core';
import { createAttemptSqlPool, createPrismaClient, createSqlPool, loadDeliveryContexts, loadDeliveryStates, loadEmailDeliveryContexts, writeAttempts, type AttemptRecord, type PrismaClient, type Sql } from '@herald/db';
import { createTestDatabase, explainStatements, type TestDatabase } from '@herald/testing';
import { AttemptWriter } from './attempt-writer.js';

describe('AttemptWriter', () => {
  let database: TestDatabase;
  let db: PrismaClient;
  let sql: Sql;
  /** One connection of the worker's attempt pool, so the test sees the plan that connection keeps. */
  let attemptSql: Sql;
  const tenantId = 'tnt_writer';
  const endpointId = 'ep_writer';
  const logger = createLogger({ service: 'test', level: 'error' });

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient({ databaseUrl: database.url });
    sql = createSqlPool({ databaseUrl: database.url });
    attemptSql = createAttemptSqlPool({ databaseUrl: database.url, max: 1 });
    await db.tenant.create({ data: { id: tenantId, name: 'W', eventTypes: { create: [{ name: 'a.b' }] } } });
    await db.endpoint.create({ data: { id: endpointId, tenantId, url: 'https://x.example', events: ['*'], secretCiphertext: 'c', secretPrefix: 'p', schemaVersion: '2025-01-01' } });
    // The attempts below are dated early in 2026: the endpoint was last changed before them.
    await sql.query(`UPDATE endpoints SET updated_at = '2025-12-31T00:00:00Z' WHERE id = $1`, [endpointId]);
  });
  afterAll(async () => {
    await sql.end();
    await attemptSql.end();
    await db.$disconnect();
    await database.drop();
  });

  /** A pending delivery and one attempt of it at `at`. */
  async function attempt(at: number, ok: boolean): Promise<AttemptRecord> {
    const eventId = newId('evt');
    const deliveryId = newId('dlv');
    await db.event.create({ data: { id: eventId, tenantId, eventType: 'a.b', payload: '{}' } });
    await db.delivery.create({ data: { id: deliveryId, tenantId, eventId, endpointId, eventType: 'a.b', status: 'pending', maxAttempts: 3 } });
    return {
      tenantId,
      attempt: {
        id: newId('att'),
        deliveryId,
        endpointId,
        eventId,
        attempt: 1,
        status: ok ? 'succeeded' : 'failed',
        requestHeaders: {},
        requestFormat: { body: 'payload' },
        responseStatus: ok ? 200 : 500,
        responseHeaders: {},
        responseBody: '',
        latencyMs: 1,
        error: ok ? null : 'HTTP 500',
        createdAt: new Date(at),
      },
      update: { status: ok ? 'delivered' : 'pending', nextAttemptAt: ok ? null : new Date(at + 1000), lastResponseStatus: ok ? 200 : 500, lastError: ok ? null : 'HTTP 500', deliveredAt: ok ? new Date(at) : null },
    };
  }

  /** The pool, counting the attempt statements sent through it. */
  function countingAttemptStatements(): { sql: Sql; statements: () => number } {
    let count = 0;
    const counting = {
      query: (...args: Parameters<Sql['query']>) => {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
        if (text.includes('INSERT INTO attempts')) count++;
        return (sql.query as (...a: unknown[]) => unknown)(...args);
      },
    } as unknown as Sql;
    return { sql: counting, statements: () => count };
  }

  it('lets attempts no job waits for gather for one statement, until one a job waits for starts it', async () => {
    const { sql: counting, statements } = countingAttemptStatements();
    const t = Date.UTC(2026, 0, 2);
    const [a, b, c, d] = await Promise.all([0, 1, 2, 3].map((i) => attempt(t + i, true)));
    const ids = (records: AttemptRecord[]) => records.map((r) => r.attempt.deliveryId);
    const writer = new AttemptWriter({ sql: counting, logger, lingerMs: 60_000 });
    const lingering = [writer.record(a!, { urgent: false })];
    await new Promise((resolve) => setImmediate(resolve));
    lingering.push(writer.record(b!, { urgent: false }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statements()).toBe(0);
    expect(await db.attempt.count({ where: { deliveryId: { in: ids([a!, b!]) } } })).toBe(0);
    // A job waits for this one: it goes at once, and takes the lingering ones along.
    await writer.record(c!);
    await Promise.all(lingering);
    expect(statements()).toBe(1);
    expect(await db.attempt.count({ where: { deliveryId: { in: ids([a!, b!, c!]) } } })).toBe(3);

    // Alone, a lingering attempt is written once it has waited its time.
    const soon = new AttemptWriter({ sql: counting, logger, lingerMs: 50 });
    await soon.record(d!, { urgent: false });
    expect(statements()).toBe(2);
    expect(await db.attempt.count({ where: { deliveryId: d!.attempt.deliveryId } })).toBe(1);
    await Promise.all([writer.flush(), soon.flush()]);
  });

  it('holds lingering attempts until a full statement of them gathers, then writes them in one', async () => {
    const { sql: counting, statements } = countingAttemptStatements();
    const t = Date.UTC(2026, 0, 3);
    const records = await Promise.all(Array.from({ length: 24 }, (_, i) => attempt(t + i, true)));
    const writer = new AttemptWriter({ sql: counting, logger, maxRows: 12, lingerMs: 60_000 });
    // Eleven wait: more than enough for a second statement in parallel, not a full one.
    const first = records.slice(0, 11).map((r) => writer.record(r, { urgent: false }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(statements()).toBe(0);
    // The twelfth fills the statement; the next twelve fill another.
    first.push(writer.record(records[11]!, { urgent: false }));
    await Promise.all(first);
    expect(statements()).toBe(1);
    await Promise.all(records.slice(12).map((r) => writer.record(r, { urgent: false })));
    expect(statements()).toBe(2);
    expect(await db.delivery.count({ where: { id: { in: records.map((r) => r.attempt.deliveryId) }, status: 'delivered' } })).toBe(24);
    await writer.flush();
  });

  it('stores text PostgreSQL cannot hold as it is (NUL, half a surrogate pair) with U+FFFD, without refusing the batch', async () => {
    const t = Date.UTC(2026, 0, 4);
    const [odd, literal, plain] = await Promise.all([0, 1, 2].map((i) => attempt(t + i, true)));
    odd!.attempt.responseBody = 'a\u0000b\ud83d';
    odd!.attempt.responseHeaders = { 'x-odd': 'c\u0000d\ud83d' };
    // Text that only looks like an escape once in JSON stays as it is.
    literal!.attempt.responseBody = '\\u0000 \\\\u0000 \\ud83d';
    literal!.attempt.responseHeaders = { 'x-literal': '\\u0000 \\\\u0000 \\ud83d' };
    await writeAttempts(sql, [odd!, literal!, plain!]);
    const stored = await db.attempt.findMany({ where: { deliveryId: { in: [odd!, literal!, plain!].map((r) => r.attempt.deliveryId) } } });
    const byDelivery = new Map(stored.map((a) => [a.deliveryId, a]));
    expect(byDelivery.get(odd!.attempt.deliveryId)).toMatchObject({ responseBody: 'a\uFFFDb\uFFFD', responseHeaders: { 'x-odd': 'c\uFFFDd\uFFFD' } });
    expect(byDelivery.get(literal!.attempt.deliveryId)).toMatchObject({
      responseBody: '\\u0000 \\\\u0000 \\ud83d',
      responseHeaders: { 'x-literal': '\\u0000 \\\\u0000 \\ud83d' },
    });
    expect(byDelivery.get(plain!.attempt.deliveryId)!.responseBody).toBe('');
  });

  it('stores every field of the attempt and of its delivery, absent ones as NULL', async () => {
    const t = Date.UTC(2026, 0, 5);
    const [unanswered, delivered] = await Promise.all([attempt(t, false), attempt(t + 1, true)]);
    Object.assign(unanswered!.attempt, { responseStatus: null, responseHeaders: null, responseBody: null, latencyMs: 10000, error: 'timeout: Timeout awaiting request' });
    Object.assign(unanswered!.update, { lastResponseStatus: null, lastError: 'timeout: Timeout awaiting request' });
    Object.assign(delivered!.attempt, { requestHeaders: { 'webhook-id': 'evt_1' }, responseHeaders: { 'x-got': '1' }, responseBody: 'ok', latencyMs: 12 });
    await writeAttempts(sql, [unanswered!, delivered!]);
    const row = async (record: AttemptRecord) =>
      (
        await sql.query(
          `SELECT a.attempt, a.status::text, a.request_headers, a.request_format, a.response_status, a.response_headers IS NULL AS no_headers,
                  a.response_headers, a.response_body, a.latency_ms, a.error, a.created_at, a.endpoint_id, a.event_id,
                  d.status::text AS delivery_status, d.attempts, d.next_attempt_at, d.last_response_status, d.last_error, d.delivered_at, d.updated_at
           FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.id = $1`,
          [record.attempt.id],
        )
      ).rows[0];
    expect(await row(unanswered!)).toEqual({
      attempt: 1,
      status: 'failed',
      request_headers: {},
      request_format: { body: 'payload' },
      response_status: null,
      no_headers: true,
      response_headers: null,
      response_body: null,
      latency_ms: 10000,
      error: 'timeout: Timeout awaiting request',
      created_at: new Date(t),
      endpoint_id: endpointId,
      event_id: unanswered!.attempt.eventId,
      delivery_status: 'pending',
      attempts: 1,
      next_attempt_at: new Date(t + 1000),
      last_response_status: null,
      last_error: 'timeout: Timeout awaiting request',
      delivered_at: null,
      updated_at: new Date(t),
    });
    expect(await row(delivered!)).toMatchObject({
      status: 'succeeded',
      request_headers: { 'webhook-id': 'evt_1' },
      response_status: 200,
      no_headers: false,
      response_headers: { 'x-got': '1' },
      response_body: 'ok',
      latency_ms: 12,
      error: null,
      delivery_status: 'delivered',
      next_attempt_at: null,
      last_response_status: 200,
      last_error: null,
      delivered_at: new Date(t + 1),
    });
  });

  it('resolves each record once its attempt and delivery are committed, several statements at once', async () => {
    const writer = new AttemptWriter({ sql, logger, maxRows: 2, maxInFlight: 2 });
    const t = Date.UTC(2026, 0, 1);
    const records = await Promise.all([0, 1, 2, 3, 4].map((i) => attempt(t + i, true)));
    await Promise.all(records.map((r) => writer.record(r)));
    // Committed by the time record() resolved, before any flush.
    expect(await db.attempt.count({ where: { deliveryId: { in: records.map((r) => r.attempt.deliveryId) } } })).toBe(5);
    expect(await db.delivery.count({ where: { id: { in: records.map((r) => r.attempt.deliveryId) }, status: 'delivered' } })).toBe(5);
    await writer.flush();
    expect(await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).toMatchObject({
      lastDeliveryAt: new Date(t + 4),
      lastDeliveryStatus: 'succeeded',
      firstFailureAt: null,
    });
  });

  it("keeps the endpoint's failure run by attempt time, whatever order the statements commit in", async () => {
    const runs: { firstFailureAt: Date | null }[][] = [];
    const writer = new AttemptWriter({ sql, logger, maxRows: 1, maxInFlight: 4, onFailureRuns: async (r) => void runs.push(r) });
    const t = Date.UTC(2026, 0, 2);
    // Recorded newest first: a failure at t+3 after a success at t+2, which followed a failure at t+1.
    const newer = await attempt(t + 3, false);
    const success = await attempt(t + 2, true);
    const older = await attempt(t + 1, false);
    await writer.record(newer);
    await writer.flush();
    await Promise.all([writer.record(success), writer.record(older)]);
    await writer.flush();
    // The older success and failure came after t+3 was written: they change nothing.
    expect(await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).toMatchObject({
      lastDeliveryAt: new Date(t + 3),
      lastDeliveryStatus: 'failed',
      firstFailureAt: new Date(t + 3),
    });
    expect(runs.flat().at(-1)!.firstFailureAt).toEqual(new Date(t + 3));

    // A later success ends the run.
    await writer.record(await attempt(t + 4, true));
    await writer.flush();
    expect((await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).firstFailureAt).toBeNull();

    // A failure from before the endpoint's last change (re-enabled, fixed) starts no run; one after it does.
    await sql.query(`UPDATE endpoints SET updated_at = $2 WHERE id = $1`, [endpointId, new Date(t + 10)]);
    await writer.record(await attempt(t + 9, false));
    await writer.flush();
    expect((await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).firstFailureAt).toBeNull();
    await writer.record(await attempt(t + 11, false));
    await writer.flush();
    expect((await db.endpoint.findUniqueOrThrow({ where: { id: endpointId } })).firstFailureAt).toEqual(new Date(t + 11));
  });

  interface PlanNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Alias?: string;
    'CTE Name'?: string;
    'Actual Loops'?: number;
    Plans?: PlanNode[];
  }

  interface Statement {
    name?: string;
    text: string;
    values: unknown[];
  }

  /** The one statement `run` sends (not sent). */
  async function statementOf(run: (sql: Sql) => Promise<unknown>): Promise<Statement> {
    const statements: Statement[] = [];
    const capture = {
      query: async (config: Statement) => {
        statements.push(config);
        return { rows: [] };
      },
    };
    await run(capture as unknown as Sql);
    expect(statements).toHaveLength(1);
    return statements[0]!;
  }

  /** Every node of a plan, from its root, in depth-first order. */
  function nodesOf(root: PlanNode): PlanNode[] {
    const nodes: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(root);
    return nodes;
  }

  /**
   * Every node of the plan of the one statement `run` sends (which must be planned at each call), in depth-first
   * order; with `analyze`, the statement is run too.
   */
  async function planNodes(run: (sql: Sql) => Promise<unknown>, { analyze = false } = {}): Promise<PlanNode[]> {
    const statement = await statementOf(run);
    expect(statement.name).toBeUndefined();
    const explain = analyze ? 'EXPLAIN (ANALYZE, FORMAT JSON)' : 'EXPLAIN (FORMAT JSON)';
    const [{ 'QUERY PLAN': plan }] = (await sql.query({ text: `${explain} ${statement.text}`, values: statement.values })).rows;
    return nodesOf(plan[0].Plan);
  }

  /**
   * The plan `pool`'s one connection keeps for the prepared statement writeAttempts sends for `records`: the
   * statement runs there seven times (writing the same records again changes nothing), and PostgreSQL must have
   * settled on one plan for all calls (a generic plan); that plan, made again on the same connection, runs once
   * more under EXPLAIN ANALYZE.
   */
  async function keptAttemptPlan(pool: Sql, records: AttemptRecord[]): Promise<PlanNode[]> {
    const run = (s: Sql) => writeAttempts(s, records);
    expect((await statementOf(run)).name).toBe('herald_write_attempts');
    for (let i = 0; i < 7; i++) await run(pool);
    const { rows: prepared } = await pool.query(`SELECT generic_plans::int AS generic FROM pg_prepared_statements WHERE name = 'herald_write_attempts'`);
    expect(prepared[0].generic).toBeGreaterThan(0);
    const [plan] = await explainStatements(pool, 'force_generic_plan', run);
    return nodesOf(plan as unknown as PlanNode);
  }

  /** How many times a plan read the node `alias` names (a CTE or a function's rows): each such node's loops. */
  const loopsOf = (nodes: PlanNode[], alias: string) => nodes.filter((n) => n.Alias === alias || n['CTE Name'] === alias).map((n) => n['Actual Loops']);

  /** How a plan reaches `deliveries`: each scan of it ([node type, index]) and each index of it. */
  const deliveryAccess = (nodes: PlanNode[]) =>
    nodes
      .filter((n) => n['Relation Name'] === 'deliveries' || n['Index Name']?.startsWith('deliveries_'))
      .map((n): [string, string | undefined] => [n['Node Type'], n['Index Name']]);

  /** The scans of `deliveries` in the plan of the statement `run` sends. */
  async function deliveryScans(run: (sql: Sql) => Promise<unknown>): Promise<[string, string | undefined][]> {
    return (await planNodes(run))
      .filter((n) => n['Relation Name'] === 'deliveries' && n['Node Type'].endsWith('Scan'))
      .map((n) => [n['Node Type'], n['Index Name']]);
  }

  // A plan kept per connection would be whatever suited the table when first made: a sequential scan of a
  // table of a page or two, still used once it has grown. The attempt statement keeps one plan on connections that
  // plan without sequential scans; the jobs' lookups below are planned at each call instead.
  it('keeps one plan for the attempt statement that reaches deliveries by primary key, made while the table is young', async () => {
    const record = await attempt(Date.UTC(2026, 0, 2), true);
    const access = deliveryAccess(await keptAttemptPlan(attemptSql, [record]));
    expect(access.length).toBeGreaterThan(0);
    expect(access.every(([type, index]) => type !== 'Seq Scan' && (index === undefined || index === 'deliveries_pkey'))).toBe(true);
    expect(access.some(([, index]) => index === 'deliveries_pkey')).toBe(true);
    expect(await db.delivery.count({ where: { id: record.attempt.deliveryId, status: 'delivered', attempts: 1 } })).toBe(1);

    // The same statement kept by a connection of a plain pool scans the whole table: what the attempt pool prevents.
    const plain = createSqlPool({ databaseUrl: database.url, max: 1 });
    try {
      const other = await attempt(Date.UTC(2026, 0, 2, 0, 0, 1), true);
      expect(deliveryAccess(await keptAttemptPlan(plain, [other]))).toContainEqual(['Seq Scan', undefined]);
    } finally {
      await plain.end();
    }
  });

  it('gives every connection of a pool its settings before its first statement, and runs nothing on one whose settings fail', async () => {
    const pool = createSqlPool({ databaseUrl: database.url, max: 3, settings: { enable_seqscan: 'off', work_mem: '8MB' } });
    try {
      // Three connections at once, each asked first thing.
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      const seen = await Promise.all(clients.map(async (c) => (await c.query(`SELECT current_setting('enable_seqscan') AS s, current_setting('work_mem') AS w, pg_backend_pid() AS pid`)).rows[0]));
      for (const c of clients) c.release();
      expect(new Set(seen.map((r) => r.pid)).size).toBe(3);
      expect(seen.map((r) => [r.s, r.w])).toEqual([['off', '8MB'], ['off', '8MB'], ['off', '8MB']]);
    } finally {
      await pool.end();
    }
    const broken = createSqlPool({ databaseUrl: database.url, max: 1, settings: { enable_seqscan: 'sometimes' } });
    try {
      await expect(broken.query('SELECT 1 AS one')).rejects.toThrow();
    } finally {
      await broken.end();
    }
  });

  it("checks an older job's delivery through the primary key, planned at each call, while the table is young", async () => {
    const { tenantId: tenant, attempt: a } = await attempt(Date.UTC(2026, 0, 2), true);
    expect(await deliveryScans((s) => loadDeliveryStates(s, [{ tenantId: tenant, deliveryId: a.deliveryId }]))).toEqual([['Index Scan', 'deliveries_pkey']]);
    const states = await loadDeliveryStates(sql, [{ tenantId: tenant, deliveryId: a.deliveryId }, { tenantId: 'tnt_other', deliveryId: a.deliveryId }]);
    // Another tenant's key finds nothing.
    expect([...states]).toEqual([[a.deliveryId, { status: 'pending', attempts: 0 }]]);
  });

  // Planned expecting one delivery where there were a hundred (the "still pending" or kind test as a filter of the
  // scan), these joins read every row or key again for each delivery: n² comparisons, over a third of a full statement's CPU.
  it('reads each row once where a full batch meets its deliveries: the attempt statement and the jobs\' context lookups', async () => {
    // A table past its first pages, as in service: delivered history beside the pending deliveries.
    await sql.query(`INSERT INTO events (id, tenant_id, event_type, payload) SELECT 'evt_old' || i, $1, 'a.b', '{}' FROM generate_series(1, 20000) i`, [tenantId]);
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts)
       SELECT 'dlv_old' || i, $1, 'evt_old' || i, $2, 'a.b', 'delivered', 3 FROM generate_series(1, 20000) i`,
      [tenantId, endpointId],
    );
    await sql.query('ANALYZE deliveries');
    const records: AttemptRecord[] = [];
    for (let i = 0; i < 100; i++) records.push(await attempt(Date.UTC(2026, 0, 3, 0, 0, i), true));
    const ids = records.map((r) => r.attempt.deliveryId);
    const keys = records.map((r) => ({ tenantId: r.tenantId, deliveryId: r.attempt.deliveryId }));

    /** How many times the statement `run` sends read the node `alias` names (a CTE or a function's rows); it runs the statement. */
    const readsOf = async (alias: string, run: (sql: Sql) => Promise<unknown>) => loopsOf(await planNodes(run, { analyze: true }), alias);

    expect(await readsOf('k', (s) => loadDeliveryContexts(s, keys))).toEqual([1]);
    expect((await loadDeliveryContexts(sql, keys)).size).toBe(100);
    // The same events' emails, looked up as the email queue's jobs are.
    const emails = records.map((r) => ({ tenantId: r.tenantId, deliveryId: `${r.attempt.deliveryId}_mail`, eventId: r.attempt.eventId }));
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, kind, recipient, event_type, status, max_attempts)
       SELECT id, $1, event_id, 'email', 'ops@example.com', 'a.b', 'pending', 3 FROM unnest($2::text[], $3::text[]) AS e(id, event_id)`,
      [tenantId, emails.map((e) => e.deliveryId), emails.map((e) => e.eventId)],
    );
    expect(await readsOf('k', (s) => loadEmailDeliveryContexts(s, emails))).toEqual([1]);
    expect((await loadEmailDeliveryContexts(sql, emails)).size).toBe(100);
    // The attempt statement's kept plan (EXPLAIN ANALYZE runs it): the rows' CTE is read once by the insert and once by the update.
    expect(loopsOf(await keptAttemptPlan(attemptSql, records), 'rows')).toEqual([1, 1]);
    expect(await db.delivery.count({ where: { id: { in: ids }, status: 'delivered', attempts: 1 } })).toBe(100);
    expect(await db.attempt.count({ where: { deliveryId: { in: ids } } })).toBe(100);
  });
});

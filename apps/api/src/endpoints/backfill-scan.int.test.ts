import { scanBackfillCandidates, type Sql } from '@herald/db';
import { explainStatements, rowsRead, scanTestDatabase, type ScanTestDatabase } from '@herald/testing';

/**
 * A backfill pages through the tenant's events by id: a later page starts where the last one
 * ended instead of walking the tenant's events from the first again (quadratic in the events
 * the backfill covers).
 */
describe("a backfill's scan of past events", () => {
  let database: ScanTestDatabase;
  let sql: Sql;
  const tenantId = 'tnt_backfill';
  const endpointId = 'ep_backfill';
  const EVENTS = 20_000;
  const idOf = (n: number) => `evt_${String(n).padStart(6, '0')}`;
  // Wide of the seeded events on both sides: they are stamped with PostgreSQL's now() after this
  // module loaded (a fresh test database can take seconds), so an `until` of the load time would
  // leave the newest ones out.
  const since = new Date(Date.now() - 2 * 86_400_000);
  const until = new Date(Date.now() + 86_400_000);

  beforeAll(async () => {
    database = await scanTestDatabase(tenantId, [endpointId]);
    ({ sql } = database);
    // One event a second up to now (every 10th already delivered to the endpoint).
    await sql.query(
      `INSERT INTO events (id, tenant_id, event_type, payload, created_at)
       SELECT 'evt_' || lpad(n::text, 6, '0'), $1, 'a.b', '{}', now() - make_interval(secs => $2::int - n) FROM generate_series(1, $2::int) n`,
      [tenantId, EVENTS],
    );
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts)
       SELECT 'dlv_' || n, $1, 'evt_' || lpad(n::text, 6, '0'), $2, 'a.b', 'delivered', 3 FROM generate_series(10, $3::int, 10) n`,
      [tenantId, endpointId, EVENTS],
    );
    await sql.query('ANALYZE events; ANALYZE deliveries');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('pages through the events without a delivery to the endpoint, in id order', async () => {
    const ids: string[] = [];
    let afterId: string | null = null;
    for (;;) {
      const page = await scanBackfillCandidates(sql, tenantId, endpointId, { since, until, afterId, limit: 1000 });
      if (page.length === 0) break;
      ids.push(...page.map((e) => e.id));
      afterId = page[page.length - 1]!.id;
    }
    const expected = Array.from({ length: EVENTS }, (_, i) => i + 1).filter((n) => n % 10 !== 0).map(idOf);
    expect(ids).toEqual(expected);
  });

  it.each(['force_generic_plan', 'force_custom_plan'] as const)('reads the events of its page, wherever the page starts (%s)', async (mode) => {
    for (const afterId of [idOf(EVENTS / 2), idOf(EVENTS - 2000)]) {
      const [plan] = await explainStatements(sql, mode, (s) => scanBackfillCandidates(s, tenantId, endpointId, { since, until, afterId, limit: 100 }));
      // 100 events, and the 11 or so already delivered between them.
      expect(rowsRead(plan!, 'events')).toBeLessThanOrEqual(150);
    }
  });
});

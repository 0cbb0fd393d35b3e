import { deliveryPageQuery, listDeliveries, Prisma, type PrismaClient, type Sql } from '@herald/db';
import { rowsRead, type PlanNode, scanTestDatabase, type ScanTestDatabase } from '@herald/testing';

/**
 * The outbox list (GET /api/v1/outbox) filtered by a rare status or by kind
 * reads the rows it returns, not the delivered webhooks around them: the
 * indexes that serve those filters hold only undelivered rows and emails
 * (migration 20261204220000_undelivered_status_indexes), and serve a query
 * only when PostgreSQL plans it with the filter's value.
 */
describe('the outbox list by status and kind', () => {
  let database: ScanTestDatabase;
  let db: PrismaClient;
  let sql: Sql;
  const tenantId = 'tnt_list';
  const DELIVERIES = 20_000;
  // Of each 1,000 deliveries: 5 emails (delivered), 10 pending webhooks, 3 dead, 1 cancelled; the rest delivered webhooks.
  const kindOf = (n: number) => (n % 200 === 0 ? 'email' : 'webhook');
  const statusOf = (n: number) =>
    n % 200 === 0 ? 'delivered' : n % 100 === 1 ? 'pending' : n % 1000 === 2 || n % 1000 === 502 || n % 1000 === 702 ? 'dead' : n % 1000 === 3 ? 'cancelled' : 'delivered';
  const idOf = (n: number) => `dlv_${String(n).padStart(6, '0')}`;
  const numbers = Array.from({ length: DELIVERIES }, (_, i) => i + 1);

  beforeAll(async () => {
    database = await scanTestDatabase(tenantId, ['ep_list']);
    ({ sql, db } = database);
    await sql.query(`INSERT INTO events (id, tenant_id, event_type, payload) SELECT 'evt_' || n, $1, 'a.b', '{}' FROM generate_series(1, $2::int) n`, [tenantId, DELIVERIES]);
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, kind, recipient, event_type, status, max_attempts)
       SELECT 'dlv_' || lpad(n::text, 6, '0'), $1, 'evt_' || n, CASE WHEN k = 'email' THEN NULL ELSE 'ep_list' END, k::"DeliveryKind",
         CASE WHEN k = 'email' THEN 'ops@example.com' END, 'a.b', s::"DeliveryStatus", 3
       FROM unnest($2::int[], $3::text[], $4::text[]) AS t(n, k, s)`,
      [tenantId, numbers, numbers.map(kindOf), numbers.map(statusOf)],
    );
    await sql.query('ANALYZE deliveries');
  });
  afterAll(async () => {
    await database?.close();
  });

  const cases = [
    { name: 'pending', filter: { status: 'pending' as const }, matches: (n: number) => statusOf(n) === 'pending' },
    { name: 'dead', filter: { status: 'dead' as const }, matches: (n: number) => statusOf(n) === 'dead' },
    { name: 'cancelled', filter: { status: 'cancelled' as const }, matches: (n: number) => statusOf(n) === 'cancelled' },
    { name: 'emails', filter: { kind: 'email' as const }, matches: (n: number) => kindOf(n) === 'email' },
    { name: 'delivered', filter: { status: 'delivered' as const }, matches: (n: number) => statusOf(n) === 'delivered' },
    { name: 'webhooks', filter: { kind: 'webhook' as const }, matches: (n: number) => kindOf(n) === 'webhook' },
  ];

  it.each(cases)('lists the $name deliveries, newest first, page by page', async ({ filter, matches }) => {
    const expected = numbers.filter(matches).reverse().map(idOf).slice(0, 120);
    const ids: string[] = [];
    let afterId: string | null = null;
    while (ids.length < expected.length) {
      const page = await listDeliveries(db, tenantId, filter, 50, afterId);
      ids.push(...page.slice(0, 50).map((d) => d.id));
      if (page.length <= 50) break;
      afterId = page[49]!.id;
    }
    expect(ids.slice(0, expected.length)).toEqual(expected);
  });

  it.each(cases)('reads about the rows of its page for the $name deliveries', async ({ filter }) => {
    const [row] = await db.$queryRaw<{ 'QUERY PLAN': unknown }[]>(
      Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${deliveryPageQuery(tenantId, filter, 51, null)}`,
    );
    const explained = row!['QUERY PLAN'];
    const plan = (typeof explained === 'string' ? JSON.parse(explained) : explained)[0].Plan as PlanNode;
    // 51 rows; a walk of the table's delivered webhooks would read thousands (every 1,000th row is cancelled).
    expect(rowsRead(plan, 'deliveries')).toBeLessThanOrEqual(60);
  });
});

import { scanPendingDeliveries, type Sql } from '@herald/db';
import { explainStatements, rowsRead, scanTestDatabase, type ScanTestDatabase } from '@herald/testing';

/**
 * The reconciler's walk over pending deliveries (every HERALD_RECONCILE_INTERVAL_MS) reads the
 * pending rows of each page, not the delivered ones around them, and a later page does not
 * read the table again from its start: with millions of delivered rows either made every pass
 * a full scan, or many.
 */
describe("the reconciler's scan of pending deliveries", () => {
  let database: ScanTestDatabase;
  let sql: Sql;
  const tenantId = 'tnt_scan';
  const DELIVERIES = 20_000;
  // Every 50th delivery is pending; of those, two in three are overdue (due an hour ago), the rest due in an hour.
  const isPending = (n: number) => n % 50 === 0;
  const isOverdue = (n: number) => isPending(n) && (n / 50) % 3 !== 0;
  const idOf = (n: number) => `dlv_${String(n).padStart(6, '0')}`;
  const numbers = Array.from({ length: DELIVERIES }, (_, i) => i + 1);

  beforeAll(async () => {
    database = await scanTestDatabase(tenantId, ['ep_scan']);
    ({ sql } = database);
    await sql.query(`INSERT INTO events (id, tenant_id, event_type, payload) SELECT 'evt_' || n, $1, 'a.b', '{}' FROM generate_series(1, $2::int) n`, [tenantId, DELIVERIES]);
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts, next_attempt_at, created_at)
       SELECT 'dlv_' || lpad(n::text, 6, '0'), $1, 'evt_' || n, 'ep_scan', 'a.b',
         (CASE WHEN n % 50 = 0 THEN 'pending' ELSE 'delivered' END)::"DeliveryStatus", 3,
         CASE WHEN n % 50 = 0 AND (n / 50) % 3 = 0 THEN now() + interval '1 hour' ELSE now() - interval '1 hour' END,
         now() - interval '2 hours'
       FROM generate_series(1, $2::int) n`,
      [tenantId, DELIVERIES],
    );
    await sql.query('ANALYZE deliveries');
  });
  afterAll(async () => {
    await database?.close();
  });

  async function walk(filter: { dueBefore?: Date; createdBefore?: Date }): Promise<string[]> {
    const ids: string[] = [];
    let afterId: string | null = null;
    for (;;) {
      const page = await scanPendingDeliveries(sql, { afterId, ...filter, limit: 50 });
      if (page.length === 0) return ids;
      ids.push(...page.map((d) => d.deliveryId));
      afterId = page[page.length - 1]!.deliveryId;
    }
  }

  it('pages through the overdue ones, or every pending one, in id order', async () => {
    expect(await walk({ dueBefore: new Date() })).toEqual(numbers.filter(isOverdue).map(idOf));
    expect(await walk({ createdBefore: new Date() })).toEqual(numbers.filter(isPending).map(idOf));
  });

  it.each(['force_generic_plan', 'force_custom_plan'] as const)('reads the rows of its page, wherever the page starts (%s)', async (mode) => {
    for (const afterId of [null, idOf(DELIVERIES / 2), idOf(DELIVERIES - 500)]) {
      const [plan] = await explainStatements(sql, mode, (s) => scanPendingDeliveries(s, { afterId, dueBefore: new Date(), limit: 50 }));
      // 50 overdue rows, and the pending ones not yet due between them (one in three).
      expect(rowsRead(plan!, 'deliveries')).toBeLessThanOrEqual(80);
    }
  });
});

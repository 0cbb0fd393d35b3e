import { mustWaitForTurn, passTurn, type Sql } from '@herald/db';
import { explainStatements, rowsRead, scanTestDatabase, type ScanTestDatabase } from '@herald/testing';

/**
 * The fifo check and the turn hand-over read only the pending deliveries of a key, however
 * long the key's history: each parked job asks again every HERALD_FIFO_RECHECK_MS, so a check
 * that walked the key's delivered rows (or the endpoint's whole backlog) was paid thousands of
 * times a minute. Seen in `npm run bench` (phase ordering): a second run of 3,000 events on one
 * key delivered 579 in 3 minutes, each check taking 0.3-1.5 s.
 */
describe('fifo turns in PostgreSQL', () => {
  let database: ScanTestDatabase;
  let sql: Sql;
  const tenantId = 'tnt_fifo';
  const endpointId = 'ep_fifo';
  const HISTORY = 5000;
  const PENDING = 500;
  const idOf = (n: number) => `dlv_${String(n).padStart(6, '0')}`;

  beforeAll(async () => {
    database = await scanTestDatabase(tenantId, [endpointId, 'ep_other'], { ordering: 'fifo' });
    ({ sql } = database);
    await sql.query(`INSERT INTO events (id, tenant_id, event_type, payload) SELECT 'evt_' || n, $1, 'a.b', '{}' FROM generate_series(1, $2::int) n`, [
      tenantId,
      HISTORY + PENDING,
    ]);
    // One key: HISTORY delivered deliveries, then PENDING pending ones; another endpoint's key
    // with the same name, all pending, must not count.
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, ordering_key, order_seq, status, max_attempts)
       SELECT 'dlv_' || lpad(n::text, 6, '0'), $1, 'evt_' || n, $2, 'a.b', '', n,
         (CASE WHEN n <= $3::int THEN 'delivered' ELSE 'pending' END)::"DeliveryStatus", 3
       FROM generate_series(1, $3::int + $4::int) n`,
      [tenantId, endpointId, HISTORY, PENDING],
    );
    await sql.query(
      `INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, ordering_key, order_seq, status, max_attempts)
       SELECT 'dlv_other_' || n, $1, 'evt_' || n, 'ep_other', 'a.b', '', n, 'pending', 3 FROM generate_series(1, $2::int) n`,
      [tenantId, PENDING],
    );
    await sql.query('ANALYZE deliveries');
  });
  afterAll(async () => {
    await database?.close();
  });

  it('answers for the head of a key and for one behind it', async () => {
    expect(await mustWaitForTurn(sql, tenantId, idOf(HISTORY + 1))).toBe(false);
    expect(await mustWaitForTurn(sql, tenantId, idOf(HISTORY + 2))).toBe(true);
    expect(await mustWaitForTurn(sql, tenantId, idOf(HISTORY + PENDING))).toBe(true);
    expect(await passTurn(sql, tenantId, idOf(HISTORY), false)).toBe(idOf(HISTORY + 1));
  });

  it.each(['force_generic_plan', 'force_custom_plan'] as const)('reads a few rows, not the key history nor the backlog (%s)', async (mode) => {
    for (const run of [
      (s: Sql) => mustWaitForTurn(s, tenantId, idOf(HISTORY + 1)),
      (s: Sql) => mustWaitForTurn(s, tenantId, idOf(HISTORY + PENDING)),
      (s: Sql) => passTurn(s, tenantId, idOf(HISTORY), false),
    ]) {
      const [plan] = await explainStatements(sql, mode, run);
      expect(rowsRead(plan!, 'deliveries')).toBeLessThanOrEqual(5);
    }
  });
});

import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const LONG_BODY = 'x'.repeat(100);

/**
 * Retention through the real worker process: rows are aged with SQL (as if the
 * days had passed), the worker's own pruner (every 300 ms here) removes exactly
 * what HERALD_RETENTION_DAYS (30) and HERALD_DEAD_RETENTION_DAYS (45) say, the
 * outbox shows what is left, and /metrics counts it.
 */
describe('retention', () => {
  let stack: Stack;
  let receiver: Receiver;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    // Retries stay pending for the test's length: waits grow from 50 ms to a minute.
    stack = await startStack({ HERALD_RETRY_MAX_DELAY_MS: '60000', HERALD_RECONCILE_INTERVAL_MS: '500' }, { worker: false });
    receiver = await startReceiver((req) => (req.path.startsWith('/ok') ? { status: 200, body: LONG_BODY } : { status: 500, body: LONG_BODY }));
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  const workerEnv = () => ({
    ...stack.env,
    HERALD_RETENTION_DAYS: '30',
    HERALD_DEAD_RETENTION_DAYS: '45',
    HERALD_RETENTION_INTERVAL_MS: '300',
    HERALD_ATTEMPT_BODY_MAX_BYTES: '16',
    LOG_LEVEL: 'info',
  });

  /** Sets an event's and its deliveries' and attempts' times back: created `createdDays` ago, finished `finishedDays` ago. */
  async function age(eventId: string, createdDays: number, finishedDays = createdDays) {
    const created = new Date(Date.now() - createdDays * DAY_MS);
    const finished = new Date(Date.now() - finishedDays * DAY_MS);
    await stack.db.$transaction([
      stack.db.$executeRaw`UPDATE events SET created_at = ${created} WHERE id = ${eventId}`,
      stack.db.$executeRaw`UPDATE deliveries SET created_at = ${created}, updated_at = ${finished},
        delivered_at = CASE WHEN status = 'delivered' THEN ${finished}::timestamptz END WHERE event_id = ${eventId}`,
      stack.db.$executeRaw`UPDATE attempts SET created_at = ${finished} WHERE event_id = ${eventId}`,
    ]);
  }

  /** A sample of the worker's /metrics, by name and labels (the service label left out); 0 when absent. */
  async function metric(url: string, name: string, labels = ''): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  it('removes exactly the finished rows past their window, keeps dead ones for their own, never pending ones, and leaves no orphan', async () => {
    const tenant = await createTenant(stack);
    const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
    for (const name of ['to.ok', 'to.dead', 'to.pending', 'to.cancelled', 'to.both', 'nobody.listens']) {
      expect((await api('POST', '/api/v1/event-types', { name })).status).toBe(201);
    }
    const endpoint = async (kind: string, extra: Record<string, unknown>) => {
      const res = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/${kind}`, events: [`to.${kind}`], ...extra });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    // `to.both` goes to `ok` and to `pending`: a delivered delivery and a pending one share its event.
    await endpoint('ok', { events: ['to.ok', 'to.both'] });
    await endpoint('dead', { max_attempts: 1 });
    await endpoint('pending', { max_attempts: 50, events: ['to.pending', 'to.both'] });
    const cancelled = await endpoint('cancelled', { max_attempts: 50 });

    const send = async (event_type: string) => {
      const res = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type, payload: { event_type } } });
      expect(res.status).toBe(202);
      return res.body.event_id as string;
    };
    const ev = {
      deliveredOld: await send('to.ok'),
      deliveredRecent: await send('to.ok'),
      replayedRecently: await send('to.ok'),
      both: await send('to.both'),
      deadPastItsWindow: await send('to.dead'),
      deadInItsWindow: await send('to.dead'),
      cancelledOld: await send('to.cancelled'),
      unheldOld: await send('nobody.listens'),
      unheldRecent: await send('nobody.listens'),
    };

    worker = spawnWorker(workerEnv());
    const url = await worker.url();
    const deliveries = () => stack.db.delivery.findMany({ where: { tenantId: tenant.id } });
    // Every delivery to `ok` delivered, to `dead` dead, and some attempts made to `pending` and `cancelled`.
    await eventually(async () => {
      const all = await deliveries();
      const attempted = await stack.db.attempt.groupBy({ by: ['endpointId'], where: { tenantId: tenant.id } });
      return all.filter((d) => d.status === 'delivered').length === 4 && all.filter((d) => d.status === 'dead').length === 2 && attempted.length === 4;
    }, 30_000);
    expect((await api('DELETE', `/api/v1/endpoints/${cancelled}`)).status).toBe(200);

    // The response body kept with each attempt is HERALD_ATTEMPT_BODY_MAX_BYTES long.
    const okDelivery = (await deliveries()).find((d) => d.eventId === ev.deliveredOld)!;
    const detail = await call(stack.api.url, 'GET', `/api/v1/outbox/${okDelivery.id}`, { token: tenant.read });
    expect(detail.body.attempts[0].response_body).toBe(LONG_BODY.slice(0, 16));

    const before = {
      events: new Set((await stack.db.event.findMany({ where: { tenantId: tenant.id } })).map((e) => e.id)),
      deliveries: await deliveries(),
      attempts: await stack.db.attempt.findMany({ where: { tenantId: tenant.id } }),
    };
    expect(before.events.size).toBe(9);
    expect(before.deliveries.map((d) => d.status).sort()).toEqual(['cancelled', 'dead', 'dead', 'delivered', 'delivered', 'delivered', 'delivered', 'pending']);

    await age(ev.deliveredOld, 31);
    await age(ev.deliveredRecent, 29);
    await age(ev.replayedRecently, 40, 10);
    await age(ev.both, 31);
    await age(ev.deadPastItsWindow, 60, 46);
    await age(ev.deadInItsWindow, 60, 40);
    await age(ev.cancelledOld, 31);
    await age(ev.unheldOld, 31);
    await age(ev.unheldRecent, 29);

    const gone = {
      events: [ev.deliveredOld, ev.deadPastItsWindow, ev.cancelledOld, ev.unheldOld],
      deliveries: before.deliveries
        .filter((d) => [ev.deliveredOld, ev.deadPastItsWindow, ev.cancelledOld].includes(d.eventId) || (d.eventId === ev.both && d.status === 'delivered'))
        .map((d) => d.id),
    };
    expect(gone.deliveries).toHaveLength(4);
    const goneAttempts = before.attempts.filter((a) => gone.deliveries.includes(a.deliveryId)).map((a) => a.id);
    await eventually(async () => (await metric(url, 'herald_retention_pruned_rows_total', 'table="deliveries"')) === 4, 15_000);
    // A few more passes: nothing else goes.
    await new Promise((r) => setTimeout(r, 1_000));

    const after = {
      events: (await stack.db.event.findMany({ where: { tenantId: tenant.id } })).map((e) => e.id).sort(),
      deliveries: (await deliveries()).map((d) => d.id).sort(),
      attempts: new Set((await stack.db.attempt.findMany({ where: { tenantId: tenant.id } })).map((a) => a.id)),
    };
    expect(after.events).toEqual([...before.events].filter((id) => !gone.events.includes(id)).sort());
    expect(after.deliveries).toEqual(before.deliveries.map((d) => d.id).filter((id) => !gone.deliveries.includes(id)).sort());
    for (const a of before.attempts) expect(after.attempts.has(a.id)).toBe(!goneAttempts.includes(a.id));
    // The pending delivery kept retrying meanwhile: its new attempts are there too.
    const pending = (await deliveries()).find((d) => d.eventId === ev.both)!;
    expect(pending.status).toBe('pending');

    // No orphans: every attempt has its delivery, every delivery its event.
    const [orphans] = await stack.db.$queryRaw<{ attempts: number; deliveries: number }[]>`
      SELECT (SELECT count(*)::int FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = a.delivery_id)
                                                 OR NOT EXISTS (SELECT 1 FROM events e WHERE e.id = a.event_id)) AS attempts,
             (SELECT count(*)::int FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = d.event_id)) AS deliveries`;
    expect(orphans).toEqual({ attempts: 0, deliveries: 0 });

    // What on-call sees: a removed event is not found; the shared one shows only its pending delivery; dead letters in their window stay replayable.
    const read = (path: string) => call(stack.api.url, 'GET', path, { token: tenant.read });
    expect((await read(`/api/v1/events/${ev.deliveredOld}`)).status).toBe(404);
    const both = await read(`/api/v1/events/${ev.both}`);
    expect(both.status).toBe(200);
    expect(both.body.deliveries.map((d: { status: string }) => d.status)).toEqual(['pending']);
    const dlq = await read('/api/v1/outbox?status=dead');
    expect(dlq.body.data.map((d: { event_id: string }) => d.event_id)).toEqual([ev.deadInItsWindow]);

    // /metrics: rows removed per table, and the oldest stored row (the 60-day-old dead letter's event).
    expect(await metric(url, 'herald_retention_pruned_rows_total', 'table="events"')).toBe(4);
    expect(await metric(url, 'herald_retention_pruned_rows_total', 'table="attempts"')).toBe(goneAttempts.length);
    const oldest = await metric(url, 'herald_retention_oldest_row_age_seconds');
    expect(oldest).toBeGreaterThanOrEqual(60 * 86400);
    expect(oldest).toBeLessThan(61 * 86400);
    expect(worker.output()).toMatch(/"message":"retention pass"/);

    // Once the dead letter passes its own window, it goes too, with its event.
    await age(ev.deadInItsWindow, 60, 46);
    await eventually(async () => (await read(`/api/v1/events/${ev.deadInItsWindow}`)).status === 404, 15_000);
    expect(await metric(url, 'herald_retention_pruned_rows_total', 'table="deliveries"')).toBe(5);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    worker = undefined;
  }, 90_000);

  it.each([
    [{ HERALD_RETENTION_DAYS: '-1' }, /^worker: Invalid configuration: HERALD_RETENTION_DAYS must be at least 1 \(day\)$/],
    [{ HERALD_DEAD_RETENTION_DAYS: '7.5' }, /^worker: Invalid configuration: HERALD_DEAD_RETENTION_DAYS must be a whole number of days$/],
    [
      { HERALD_DEAD_RETENTION_DAYS: '2', HERALD_RETRY_MAX_DELAY_MS: String(DAY_MS) },
      /^worker: Invalid configuration: HERALD_DEAD_RETENTION_DAYS \(2\) is shorter than the retry window \(.+\); set it to at least 50$/,
    ],
  ])('stops the worker at start with one line naming the variable: %j', async (bad, message) => {
    const w = spawnWorker({ ...stack.env, ...bad });
    expect(await w.exited).toBe(1);
    const lines = w.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});

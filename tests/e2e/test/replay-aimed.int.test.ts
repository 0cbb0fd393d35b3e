import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Bulk replay aimed by filters and previewed with dry_run; backfill of past events to an endpoint. */
describe('aimed replay and backfill', () => {
  let stack: Stack;
  let receiver: Receiver;
  let failing = true;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let endpointId: string;
  const since = new Date(Date.now() - 60_000).toISOString();

  const api = (method: string, path: string, body?: unknown, token = tenant.admin) => call(stack.api.url, method, path, { token, body });
  const pathsOf = (name: string) => receiver.requests.filter((r) => r.path === `/${name}`);

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver(() => (failing ? { status: 500 } : { status: 200 }));
    tenant = await createTenant(stack);
    for (const name of ['order.paid', 'order.refunded']) expect((await api('POST', '/api/v1/event-types', { name })).status).toBe(201);
    const endpoint = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/first`, events: ['order.*'], max_attempts: 1 });
    endpointId = endpoint.body.id;
    const events = [
      ...Array.from({ length: 5 }, (_, i) => ({ event_type: 'order.paid', payload: { i }, channels: ['eu'] })),
      ...Array.from({ length: 3 }, (_, i) => ({ event_type: 'order.paid', payload: { i } })),
      ...Array.from({ length: 2 }, (_, i) => ({ event_type: 'order.refunded', payload: { i }, channels: ['eu', 'us'] })),
    ];
    expect((await call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token: tenant.ingest, body: { events } })).status).toBe(202);
    await eventually(async () => ((await api('GET', '/api/v1/outbox?status=dead', undefined, tenant.read)).body.data.length === 10 ? true : null));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('dry_run answers the count and the first matches, changing nothing; the real replay takes exactly that many', async () => {
    const filter = { event_type: 'order.paid', channel: 'eu', status: 'dead' };
    const dry = await api('POST', '/api/v1/outbox/replay', { ...filter, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.body.dry_run).toBe(true);
    expect(dry.body.count).toBe(5);
    expect(dry.body.deliveries).toHaveLength(5);
    expect(dry.body.deliveries.every((d: { status: string; channels: string[]; event_type: string }) => d.status === 'dead' && d.channels.includes('eu') && d.event_type === 'order.paid')).toBe(true);
    expect((await api('GET', '/api/v1/outbox?status=dead', undefined, tenant.read)).body.data).toHaveLength(10);
    expect((await api('POST', '/api/v1/outbox/replay', { ...filter, dry_run: true, limit: 2 })).body.count).toBe(2);

    failing = false;
    const before = pathsOf('first').length;
    const real = await api('POST', '/api/v1/outbox/replay', filter);
    expect(real.status).toBe(202);
    expect(real.body.replayed).toBe(dry.body.count);
    await eventually(async () => (pathsOf('first').length === before + 5 ? true : null));
    // The receiver has them before their attempts are recorded: wait until none is pending.
    await eventually(async () => ((await api('GET', '/api/v1/outbox?status=pending', undefined, tenant.read)).body.data.length === 0 ? true : null));

    // A receiver that lost data: delivered ones are replayable too, aimed the same way.
    const delivered = await api('POST', '/api/v1/outbox/replay', { status: 'delivered', channel: 'eu', dry_run: true });
    expect(delivered.body.count).toBe(5);
  });

  it('refuses a filter matching more than 10,000 without a limit (422, nothing replayed); with a limit takes that many', async () => {
    // 10,001 dead deliveries of one event type, written directly: making them through ingest would take minutes.
    expect((await api('POST', '/api/v1/event-types', { name: 'bulk.dead' })).status).toBe(201);
    const bulk = (await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/bulk`, events: ['bulk.dead'] })).body.id;
    await stack.db.$executeRaw`INSERT INTO events (id, tenant_id, event_type, payload)
      SELECT 'evt_bulk' || lpad(g::text, 6, '0'), ${tenant.id}, 'bulk.dead', '{}' FROM generate_series(1, 10001) g`;
    await stack.db.$executeRaw`INSERT INTO deliveries (id, tenant_id, event_id, endpoint_id, event_type, status, max_attempts)
      SELECT 'dlv_bulk' || lpad(g::text, 6, '0'), ${tenant.id}, 'evt_bulk' || lpad(g::text, 6, '0'), ${bulk}, 'bulk.dead', 'dead', 1 FROM generate_series(1, 10001) g`;
    const refused = await api('POST', '/api/v1/outbox/replay', { event_type: 'bulk.dead' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0]).toMatchObject({ path: 'limit', message: expect.stringContaining('10001') });
    expect((await api('POST', '/api/v1/outbox/replay', { event_type: 'bulk.dead', dry_run: true })).status).toBe(422);
    expect(await stack.db.delivery.count({ where: { eventType: 'bulk.dead', status: 'dead' } })).toBe(10_001);
    const dry = await api('POST', '/api/v1/outbox/replay', { event_type: 'bulk.dead', limit: 3, dry_run: true });
    expect(dry.body.count).toBe(3);
    // Taken oldest first: the dry run's sample is what the replay takes.
    const limited = await api('POST', '/api/v1/outbox/replay', { event_type: 'bulk.dead', limit: 3 });
    expect(limited.body.replayed).toBe(3);
    const pending = await stack.db.delivery.findMany({ where: { eventType: 'bulk.dead', status: { not: 'dead' } }, select: { id: true } });
    expect(pending.map((d) => d.id).sort()).toEqual(dry.body.deliveries.map((d: { id: string }) => d.id).sort());
    await eventually(async () => (pathsOf('bulk').length === 3 ? true : null));
  });

  it('backfills the past events a new endpoint selects now, each once however often it runs', async () => {
    const created = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/late`, events: ['order.*'], channels: ['eu'] });
    const id = created.body.id;
    const dry = await api('POST', `/api/v1/endpoints/${id}/backfill`, { since, dry_run: true });
    // bulk.dead is not order.*: only the ten order events are candidates.
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, count: 7 });
    expect(dry.body.events.map((e: { event_type: string }) => e.event_type).sort()).toEqual([...Array(5).fill('order.paid'), 'order.refunded', 'order.refunded']);
    expect(pathsOf('late')).toHaveLength(0);

    const first = await api('POST', `/api/v1/endpoints/${id}/backfill`, { since });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ dry_run: false, count: 7, events: [] });
    const again = await api('POST', `/api/v1/endpoints/${id}/backfill`, { since, until: new Date().toISOString() });
    expect(again.body.count).toBe(0);
    await receiver.waitFor(receiver.requests.length - pathsOf('late').length + 7);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const events = pathsOf('late').map((r) => JSON.parse(r.body).event_id);
    expect(events).toHaveLength(7);
    expect(new Set(events).size).toBe(7);

    // Nothing before `since`, a disabled endpoint is refused, an unknown one is 404.
    expect((await api('POST', `/api/v1/endpoints/${id}/backfill`, { since: new Date().toISOString(), dry_run: true })).body.count).toBe(0);
    await api('PATCH', `/api/v1/endpoints/${id}`, { enabled: false });
    expect((await api('POST', `/api/v1/endpoints/${id}/backfill`, { since })).status).toBe(409);
    expect((await api('POST', '/api/v1/endpoints/ep_nope/backfill', { since })).status).toBe(404);
    expect((await api('POST', `/api/v1/endpoints/${id}/backfill`, {})).status).toBe(400);
  });
});

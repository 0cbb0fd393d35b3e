import { eventually, startReceiver, tcpConnectionsOf, type ReceivedRequest, type Receiver } from '@herald/testing';
import { call, createTenantWithEndpoints, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const ENDPOINTS = 30;

/**
 * Three worker processes on one Redis share the work: an endpoint's
 * concurrency and rate limit hold for the fleet, and a killed process's
 * deliveries are served by the others.
 */
describe('a fleet of three worker processes', () => {
  let stack: Stack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({ HERALD_WORKER_CONCURRENCY: '1', HERALD_RECONCILE_INTERVAL_MS: '1000' }, { worker: false });
    receiver = await startReceiver();
    for (let i = 0; i < 3; i++) workers.push(spawnWorker({ ...stack.env, LOG_LEVEL: 'info' }));
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  const tenantWith = (endpoints: number, extra: Record<string, unknown> = {}) =>
    createTenantWithEndpoints(stack, { receiverUrl: receiver.url, eventType: 'fleet.test', endpoints, extra });

  async function send(token: string, n: number): Promise<void> {
    for (let sent = 0; sent < n; sent += 100) {
      const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
        token,
        body: { events: Array.from({ length: Math.min(100, n - sent) }, (_, i) => ({ event_type: 'fleet.test', payload: { i: sent + i } })) },
      });
      expect(res.status).toBe(202);
    }
  }

  const deliveredCount = (tenantId: string) => stack.db.delivery.count({ where: { tenantId, status: 'delivered' } });

  it('never overlaps two requests to one endpoint with concurrency 1', async () => {
    const open = new Map<string, number>();
    let overlaps = 0;
    receiver.reply((req) => {
      const now = (open.get(req.path) ?? 0) + 1;
      if (now > 1) overlaps++;
      open.set(req.path, now);
      setTimeout(() => open.set(req.path, open.get(req.path)! - 1), 15);
      return { status: 200, delayMs: 15 };
    });
    const { tenant, paths } = await tenantWith(ENDPOINTS);
    await send(tenant.ingest, 10); // x 30 endpoints = 300 deliveries
    await eventually(async () => (await deliveredCount(tenant.id)) === 10 * ENDPOINTS, 60_000, 200);
    expect(overlaps).toBe(0);
    const ofTenant = receiver.requests.filter((r) => paths.includes(r.path));
    expect(new Set(ofTenant.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`)).size).toBe(10 * ENDPOINTS);
  }, 90_000);

  it('holds a rate limit of 20/s across the fleet (within 10%)', async () => {
    receiver.reply(() => ({ status: 200 }));
    const { tenant, paths } = await tenantWith(1, { rate_limit_per_second: 20 });
    await send(tenant.ingest, 80);
    await eventually(async () => (await deliveredCount(tenant.id)) === 80, 30_000, 100);
    const times = receiver.requests.filter((r) => r.path === paths[0]).map((r) => r.receivedAt).sort((a, b) => a - b);
    const rate = (times.length - 4) / ((times.at(-1)! - times[0]!) / 1000); // the first window's 4 come at once
    expect(rate).toBeGreaterThan(18);
    expect(rate).toBeLessThan(22);
  }, 60_000);

  it("serves a SIGKILLed process's in-flight deliveries again within 10 s; loses nothing, sends nothing delivered again", async () => {
    // First tries hang (the receiver holds them), later ones succeed at once.
    const seen = new Set<string>();
    receiver.reply((req) => {
      const key = `${req.path} ${String(req.headers['webhook-id'])}`;
      if (seen.has(key)) return { status: 200 };
      seen.add(key);
      return { status: 200, delayMs: 60_000 };
    });
    const { tenant, paths } = await tenantWith(ENDPOINTS);
    await send(tenant.ingest, 2); // 60 deliveries; one in flight per endpoint
    const ofTenant = () => receiver.requests.filter((r) => paths.includes(r.path));
    await eventually(async () => ofTenant().length === ENDPOINTS, 30_000, 20);

    // The victim is a process with deliveries in flight.
    const inFlight = async (w: WorkerProcess) =>
      Number(/herald_deliveries_in_flight\{[^}]*\} (\d+)/.exec(await (await fetch(`${await w.url()}/metrics`)).text())?.[1] ?? 0);
    const counts = await Promise.all(workers.map(inFlight));
    const victim = workers[counts.findIndex((n) => n > 0)]!;
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await victim.exited).toBe('SIGKILL');
    // The killed process's requests are those its death cut off.
    await eventually(async () => ofTenant().some((r) => r.abortedAt), 5_000, 20);
    const cut = ofTenant().filter((r) => r.abortedAt && r.abortedAt >= killedAt - 50);
    expect(cut.length).toBeGreaterThan(0);
    const key = (r: ReceivedRequest) => `${r.path} ${String(r.headers['webhook-id'])}`;
    for (const request of cut) {
      await eventually(async () => ofTenant().some((r) => key(r) === key(request) && r.receivedAt > request.receivedAt), 10_000, 20);
      const again = ofTenant().find((r) => key(r) === key(request) && r.receivedAt > request.receivedAt)!;
      expect(again.receivedAt - killedAt).toBeLessThan(10_000);
    }

    // The others' held requests are released by answering everything at once from now on.
    receiver.reply(() => ({ status: 200 }));
    const survivors = workers.filter((w) => w !== victim);
    for (const w of survivors) w.child.kill('SIGTERM');
    await Promise.all(survivors.map((w) => w.exited));
    // Processes that join take the work within 10 s.
    const joinedAt = Date.now();
    const before = ofTenant().length;
    workers.push(spawnWorker(stack.env), spawnWorker(stack.env));
    await eventually(async () => ofTenant().length > before, 10_000, 20);
    expect(Date.now() - joinedAt).toBeLessThan(10_000);
    await eventually(async () => (await deliveredCount(tenant.id)) === 2 * ENDPOINTS, 60_000, 200);

    // Nothing recorded delivered was sent again: no request came after its delivery's successful attempt.
    const succeeded = await stack.db.attempt.findMany({ where: { tenantId: tenant.id, status: 'succeeded' }, include: { endpoint: true } });
    for (const attempt of succeeded) {
      const path = new URL(attempt.endpoint!.url).pathname;
      const later = ofTenant().filter((r) => r.path === path && r.headers['webhook-id'] === attempt.eventId && r.receivedAt > attempt.createdAt.getTime() + 5);
      expect(later).toEqual([]);
    }
  }, 120_000);

  it('keeps each process to three Redis connections', async () => {
    const port = Number(new URL(stack.env.REDIS_URL!).port || 6379);
    for (const w of workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null)) {
      await w.url(); // started
      await eventually(async () => tcpConnectionsOf(w.child.pid!, port) === 3, 5_000, 50);
    }
  });
});

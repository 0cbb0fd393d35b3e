import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenantWithEndpoints, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const SLOTS = 256;
const ENDPOINTS = 100;

/** The worker's slot limit and deliveries in flight, as its /metrics says. */
async function slots(worker: WorkerProcess): Promise<{ limit: number; inFlight: number }> {
  const text = await (await fetch(`${await worker.url()}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { limit: gauge('herald_worker_slot_limit'), inFlight: gauge('herald_deliveries_in_flight') };
}

/** Samples a worker's slots every 50 ms until stopped, each with the ms since watching began. */
function watch(worker: WorkerProcess) {
  const samples: { atMs: number; limit: number; inFlight: number }[] = [];
  const began = Date.now();
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      samples.push({ atMs: Date.now() - began, ...(await slots(worker)) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/**
 * A worker process fills fewer of its HERALD_WORKER_SLOTS while its event
 * loop is saturated (more deliveries at once would only wait for it), all of
 * them again when it has time to spare, and all of them for receivers that
 * take their time: they leave the loop idle.
 */
describe('the worker slot limit', () => {
  let stack: Stack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  async function backlog(eventType: string, events: number): Promise<{ tenantId: string; paths: string[] }> {
    const { tenant, paths } = await createTenantWithEndpoints(stack, { receiverUrl: receiver.url, eventType, endpoints: ENDPOINTS });
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: events }, (_, i) => ({ event_type: eventType, payload: { i } })) },
    });
    expect(res.status).toBe(202);
    return { tenantId: tenant.id, paths };
  }

  function start(): WorkerProcess {
    const worker = spawnWorker({ ...stack.env, HERALD_WORKER_SLOTS: String(SLOTS), HERALD_WORKER_CONCURRENCY: '4', LOG_LEVEL: 'info' });
    workers.push(worker);
    return worker;
  }

  async function drained(tenantId: string, total: number, paths: string[]): Promise<void> {
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId, status: 'delivered' } })) === total, 90_000, 200);
    const requests = receiver.requests.filter((r) => paths.includes(r.path));
    expect(requests).toHaveLength(total);
    expect(new Set(requests.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`)).size).toBe(total);
  }

  it('is lowered while a backlog to fast receivers saturates the process, and back to every slot once it is idle', async () => {
    receiver.reply(() => ({ status: 200 }));
    const events = 100;
    const { tenantId, paths } = await backlog('slots.fast', events);
    const worker = start();
    expect(await slots(worker)).toEqual({ limit: SLOTS, inFlight: expect.any(Number) });
    const watcher = watch(worker);
    await drained(tenantId, events * ENDPOINTS, paths);
    await watcher.stop();
    // Lowered, but not below a quarter of the slots.
    const lowest = Math.min(...watcher.samples.map((s) => s.limit));
    expect(lowest).toBeLessThan(SLOTS);
    expect(lowest).toBeGreaterThanOrEqual(SLOTS / 4);
    // Idle again: every slot within seconds (a sixteenth of them per quarter second).
    await eventually(async () => (await slots(worker)).limit === SLOTS, 10_000, 100);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }, 180_000);

  it('keeps every slot filled for receivers that take their time', async () => {
    receiver.reply(() => ({ status: 200, delayMs: 300 }));
    // About 14 s of work. A limit lowered each quarter second would reach its floor within 2 s, and bind once
    // the slots taken at the start are given back: a slot runs up to 16 jobs of its endpoint (4.8 s here).
    const events = 120;
    const { tenantId, paths } = await backlog('slots.slow', events);
    const worker = start();
    const watcher = watch(worker);
    await drained(tenantId, events * ENDPOINTS, paths);
    await watcher.stop();
    // 100 endpoints at 4 each want 400 at once: 7 s after the first delivery, still far more than a quarter of the slots in flight.
    const first = watcher.samples.find((s) => s.inFlight > 0)!.atMs;
    const late = watcher.samples.filter((s) => s.atMs >= first + 7_000);
    expect(late.length).toBeGreaterThan(0);
    expect(Math.max(...late.map((s) => s.inFlight))).toBeGreaterThan(SLOTS / 2);
    worker.child.kill('SIGTERM');
    await worker.exited;
  }, 180_000);
});

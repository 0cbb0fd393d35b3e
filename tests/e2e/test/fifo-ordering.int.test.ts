import { Redis } from 'ioredis';
import { eventually, startPrivateRedis, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

const EVENTS = 500;
const KEYS = 5;

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

/**
 * Ordered delivery (docs/architecture.md, "Ordered delivery"): a fifo
 * endpoint gets its deliveries in ingest order per ordering key, through
 * retries, workers killed, Redis emptied and the reconciler.
 */
describe('fifo ordering', () => {
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let stack: Stack;
  let receiver: Receiver;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const workers: WorkerProcess[] = [];
  /** Every answer the receiver gave: which event (by its payload) and whether it was a 2xx. */
  const answers: { path: string; i: number; key: string; ok: boolean }[] = [];
  let failFor: (path: string, i: number) => boolean = () => false;

  const api = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
  const worker = () => {
    const w = spawnWorker(stack.env);
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await startStack(
      {
        REDIS_URL: redis.url,
        HERALD_JOB_LOCK_MS: '1000',
        HERALD_WORKER_LEASE_MS: '1000',
        HERALD_RECONCILE_INTERVAL_MS: '500',
        HERALD_WORKER_CONCURRENCY: '5',
        HERALD_FIFO_RECHECK_MS: '3000',
      },
      { worker: false },
    );
    receiver = await startReceiver((req) => {
      const { i, key } = JSON.parse(req.body).payload as { i: number; key: string };
      const ok = !failFor(req.path, i);
      answers.push({ path: req.path, i, key, ok });
      return { status: ok ? 200 : 500, delayMs: 2 };
    });
    tenant = await createTenant(stack);
    expect((await api('POST', '/api/v1/event-types', { name: 'stock.changed' })).status).toBe(201);
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
    await redis?.stop();
  });

  it('sends 500 events over 5 keys in ingest order per key, with 20 % failures, two SIGKILLs and Redis emptied', async () => {
    const endpoint = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/fifo`, events: ['stock.changed'], ordering: 'fifo', max_attempts: 50 });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.ordering).toBe('fifo');
    const coin = random(16);
    failFor = (path) => path === '/fifo' && coin() < 0.2;

    // Ingest order: batch by batch, each in array order.
    for (let start = 0; start < EVENTS; start += 100) {
      const events = Array.from({ length: 100 }, (_, k) => ({
        event_type: 'stock.changed',
        payload: { i: start + k, key: `sku-${(start + k) % KEYS}` },
        ordering_key: `sku-${(start + k) % KEYS}`,
      }));
      expect((await call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token: tenant.ingest, body: { events } })).status).toBe(202);
    }

    const delivered = () => stack.db.delivery.count({ where: { endpointId: endpoint.body.id, status: 'delivered' } });
    const okCount = () => answers.filter((a) => a.ok).length;
    const first = worker();
    await eventually(async () => (okCount() >= 100 ? true : null), 30_000);
    first.child.kill('SIGKILL');
    const second = worker();
    await eventually(async () => (okCount() >= 250 ? true : null), 30_000);
    second.child.kill('SIGKILL');
    // Redis loses everything: the reconciler re-queues every pending delivery, in no particular order.
    const client = new Redis(redis.url);
    await client.flushall();
    await client.quit();
    worker();
    await eventually(async () => ((await delivered()) === EVENTS ? true : null), 50_000);

    // Within each key, the order of first 2xx is the ingest order.
    const seen = new Set<number>();
    const firstOk = answers.filter((a) => a.path === '/fifo' && a.ok && !seen.has(a.i) && seen.add(a.i));
    expect(firstOk).toHaveLength(EVENTS);
    for (let k = 0; k < KEYS; k++) {
      const order = firstOk.filter((a) => a.key === `sku-${k}`).map((a) => a.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order).toHaveLength(EVENTS / KEYS);
    }
    // Across keys the sends interleave: keys take turns rather than running one after another.
    const switches = firstOk.filter((a, n) => n > 0 && a.key !== firstOk[n - 1]!.key).length;
    expect(switches).toBeGreaterThan(EVENTS / 4);
    // Failures happened and were retried (a 500 is never the last word for a delivered event).
    expect(answers.filter((a) => a.path === '/fifo' && !a.ok).length).toBeGreaterThan(50);
  }, 120_000);

  it('a dead delivery releases the next on its key, which records order_broken_by; replay goes to the back of the key', async () => {
    const endpoint = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/broken`, events: ['stock.changed'], ordering: 'fifo', max_attempts: 2 });
    failFor = (path, i) => path === '/broken' && i === 1000;
    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: [1000, 1001, 1002].map((i) => ({ event_type: 'stock.changed', payload: { i, key: 'k' } })) },
    });
    expect(sent.status).toBe(202);
    const outbox = () => call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${endpoint.body.id}`, { token: tenant.read });
    const settled = await eventually(async () => {
      const rows = (await outbox()).body.data as { id: string; event_id: string; status: string; ordering_key: string; order_broken_by: string | null }[];
      return rows.length === 3 && rows.every((d) => d.status !== 'pending') ? rows : null;
    }, 20_000);
    const byEvent = new Map<string, number>(sent.body.results.map((r: { event_id: string }, n: number) => [r.event_id, 1000 + n]));
    const [dead, second, third] = [...settled].sort((a, b) => byEvent.get(a.event_id)! - byEvent.get(b.event_id)!);
    expect(dead!.status).toBe('dead');
    expect(second).toMatchObject({ status: 'delivered', ordering_key: '', order_broken_by: dead!.id });
    expect(third).toMatchObject({ status: 'delivered', order_broken_by: null });
    expect(answers.filter((a) => a.path === '/broken' && a.ok).map((a) => a.i)).toEqual([1001, 1002]);

    // Replayed, it goes after what waits on its key: here nothing, so it is sent at once.
    failFor = () => false;
    expect((await api('POST', `/api/v1/outbox/${dead!.id}/replay`)).status).toBe(202);
    await eventually(async () => (answers.filter((a) => a.path === '/broken' && a.ok).length === 3 ? true : null), 20_000);

    // Changing ordering with deliveries in flight is refused; an ordering key with a space too.
    failFor = (path) => path === '/broken';
    await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'stock.changed', payload: { i: 2000, key: 'k' } } });
    const refused = await api('PATCH', `/api/v1/endpoints/${endpoint.body.id}`, { ordering: 'none' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0].path).toBe('ordering');
    expect((await api('GET', `/api/v1/endpoints/${endpoint.body.id}`)).body.ordering).toBe('fifo');
    expect((await api('POST', '/api/v1/endpoints', { url: receiver.url, events: ['*'], ordering: 'lifo' })).status).toBe(422);
    const badKey = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'stock.changed', payload: {}, ordering_key: 'two words' },
    });
    expect(badKey.status).toBe(422);
    expect(badKey.body.error.details[0].path).toBe('ordering_key');
  }, 60_000);
});

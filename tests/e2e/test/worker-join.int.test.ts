import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenantWithEndpoints, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

/** Deliveries a worker process has made, from its /metrics. */
async function delivered(worker: WorkerProcess): Promise<number> {
  const text = await (await fetch(`${await worker.url()}/metrics`)).text();
  return [...text.matchAll(/^herald_deliveries_total\{[^}]*outcome="delivered"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

/**
 * A worker process that joins a busy fleet takes a share of the work within
 * 10 s, whether endpoints wait in the ready set for a free slot (the first
 * process has fewer slots than endpoints with work) or not (it holds every
 * endpoint at its concurrency, and hands some over). The first process alone
 * would need 15 s or 10 s for these backlogs.
 */
describe('a worker process joining a busy fleet', () => {
  let stack: Stack;
  let receiver: Receiver;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({ HERALD_WORKER_CONCURRENCY: '1' }, { worker: false });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await receiver?.close();
    await stack?.stop();
  });

  it.each([
    { when: 'endpoints wait for a free slot', slots: 4, endpoints: 20, events: 30, answerMs: 100 },
    { when: 'the first process holds every endpoint', slots: 256, endpoints: 4, events: 200, answerMs: 50 },
  ])('takes a share of the backlog within 10 s when $when; every delivery made once', async ({ slots, endpoints, events, answerMs }) => {
    receiver.reply(() => ({ status: 200, delayMs: answerMs }));
    const env = { ...stack.env, HERALD_WORKER_SLOTS: String(slots), LOG_LEVEL: 'info' };
    const { tenant, paths } = await createTenantWithEndpoints(stack, { receiverUrl: receiver.url, eventType: 'join.test', endpoints });
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token: tenant.ingest,
      body: { events: Array.from({ length: events }, (_, i) => ({ event_type: 'join.test', payload: { i } })) },
    });
    expect(res.status).toBe(202);
    const total = endpoints * events;

    const first = spawnWorker(env);
    workers.push(first);
    await eventually(async () => (await delivered(first)) >= endpoints, 30_000, 50);

    const joiner = spawnWorker(env);
    workers.push(joiner);
    const joinedAt = Date.now();
    await eventually(async () => (await delivered(joiner)) > 0, 10_000, 50);
    expect(Date.now() - joinedAt).toBeLessThan(10_000);
    // Still work left when it took its first: it joined a busy fleet, not an idle one.
    expect(await delivered(first)).toBeLessThan(total);

    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === total, 60_000, 200);
    const [byFirst, byJoiner] = await Promise.all([delivered(first), delivered(joiner)]);
    expect(byFirst + byJoiner).toBe(total);
    // A share, not a token: with as many slots as the first, it took a real part of what was left.
    expect(byJoiner).toBeGreaterThanOrEqual(total / 10);
    const requests = receiver.requests.filter((r) => paths.includes(r.path));
    expect(new Set(requests.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`)).size).toBe(total);
    expect(requests).toHaveLength(total);
    for (const w of [first, joiner]) w.child.kill('SIGTERM');
    await Promise.all([first.exited, joiner.exited]);
  }, 120_000);
});

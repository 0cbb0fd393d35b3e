import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '@herald/core';
import { parseIngestConfig, startIngest, type RunningIngest } from '@herald/ingest';
import { endpointQueueName } from '@herald/queue';
import { eventually, startReceiver, startTcpProxy, viaProxy, type Receiver, type TcpProxy } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** A tenant with one event type and one endpoint on the receiver. */
async function tenantWithEndpoint(stack: Stack, receiver: Receiver, path = '/') {
  const tenant = await createTenant(stack);
  await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.created' } });
  const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
    token: tenant.admin,
    body: { url: `${receiver.url}${path}`, events: ['order.created'] },
  });
  expect(endpoint.status).toBe(201);
  return { tenant, endpointId: endpoint.body.id as string };
}

/** An ingest of its own whose PostgreSQL or Redis is reached through `proxy`; its log lines (warnings and errors) go to `log`. */
async function ingestThrough(stack: Stack, variable: 'DATABASE_URL' | 'REDIS_URL', proxy: TcpProxy, log: string[] = []): Promise<RunningIngest> {
  const stream = new PassThrough();
  stream.on('data', (line: Buffer) => log.push(line.toString()));
  return startIngest(parseIngestConfig({ ...stack.env, [variable]: viaProxy(stack.env[variable]!, proxy) }), {
    port: 0,
    logger: createLogger({ service: 'ingest', level: 'warn', stream }),
  });
}

describe('ingest with PostgreSQL unreachable', () => {
  let stack: Stack;
  let receiver: Receiver;
  let ingest: RunningIngest;
  let proxy: TcpProxy;

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await ingest?.stop();
    await proxy?.close();
    await receiver?.close();
    await stack?.stop();
  });

  it('answers 503 in the error shape and enqueues nothing', async () => {
    const { tenant, endpointId } = await tenantWithEndpoint(stack, receiver);
    const dbUrl = new URL(stack.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    ingest = await ingestThrough(stack, 'DATABASE_URL', proxy);

    // Through the proxy everything works...
    const ok = await call(ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'order.created', payload: { n: 1 } },
    });
    expect(ok.status).toBe(202);
    await receiver.waitFor(1);
    await eventually(async () => (await stack.db.delivery.count({ where: { status: 'delivered' } })) === 1);

    // ...until PostgreSQL becomes unreachable for this ingest.
    proxy.cut();
    const redis = new Redis(stack.env.REDIS_URL!);
    const queue = new Queue(endpointQueueName(endpointId), { connection: redis, prefix: stack.redis.prefix });
    const jobsBefore = await queue.getJobCounts();
    const eventsBefore = await stack.db.event.count();

    const refused = await call(ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'order.created', payload: { n: 2 } },
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toEqual({
      error: { code: 'unavailable', message: expect.stringMatching(/unreachable/), details: [] },
    });
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    expect((await call(ingest.url, 'GET', '/readyz')).status).toBe(503);

    expect(await queue.getJobCounts()).toEqual(jobsBefore);
    expect(await stack.db.event.count()).toBe(eventsBefore);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.requests).toHaveLength(1);
    await queue.close();
    redis.disconnect();
  });
});

/**
 * Ingest's answer depends on PostgreSQL alone (ARCHITECTURE invariant 7): with
 * its path to Redis cut or stalled, it still answers 202 at once, and the
 * worker's reconciler (which reaches Redis) queues what ingest could not.
 */
describe('ingest with Redis unreachable', () => {
  let stack: Stack;
  let receiver: Receiver;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    stack = await startStack({ HERALD_RECONCILE_INTERVAL_MS: '300' });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await receiver?.close();
    await stack?.stop();
  });

  async function proxiedIngest() {
    const redisUrl = new URL(stack.env.REDIS_URL!);
    const proxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    const log: string[] = [];
    const ingest = await ingestThrough(stack, 'REDIS_URL', proxy, log);
    cleanups.push(() => proxy.close(), () => ingest.stop());
    return { proxy, ingest, log };
  }

  /** Sends `n` events one by one; each answer's status and time. */
  async function send(ingest: RunningIngest, token: string, n: number) {
    const answers: { status: number; ms: number; eventId: string }[] = [];
    for (let i = 0; i < n; i++) {
      const started = Date.now();
      const res = await call(ingest.url, 'POST', '/api/v1/events', { token, body: { event_type: 'order.created', payload: { i } } });
      answers.push({ status: res.status, ms: Date.now() - started, eventId: res.body.event_id });
    }
    return answers;
  }

  /** How many requests the receiver got on `path` for each event id. */
  function sendsPerEvent(path: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of receiver.requests.filter((r) => r.path === path)) {
      const id = String(r.headers['webhook-id']);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  it('answers 202 within 2 s while Redis is cut off, stays ready, and the reconciler delivers those events', async () => {
    const { tenant } = await tenantWithEndpoint(stack, receiver, '/cut');
    const { proxy, ingest } = await proxiedIngest();
    proxy.cut();

    const answers = await send(ingest, tenant.ingest, 5);
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.ms).toBeLessThan(2000);
    }
    const ready = await call(ingest.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { postgres: 'ok' } });

    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === 5, 30_000, 200);
    const sends = sendsPerEvent('/cut');
    expect([...sends.keys()].sort()).toEqual(answers.map((a) => a.eventId).sort());
    expect([...sends.values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it("answers once the event is committed, without waiting for Redis's answer to its jobs", async () => {
    const { tenant } = await tenantWithEndpoint(stack, receiver, '/held');
    const { proxy, ingest, log } = await proxiedIngest();
    // Warm the connection (BullMQ loads its scripts once).
    expect((await send(ingest, tenant.ingest, 1))[0]!.status).toBe(202);
    await eventually(async () => sendsPerEvent('/held').size === 1);

    // Redis runs the adds, but its answers wait in the proxy while the requests are answered.
    proxy.holdReplies();
    const answers = await Promise.all(
      [1, 2, 3].map((i) => call(ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.created', payload: { i } } })),
    );
    proxy.resume();
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await eventually(async () => sendsPerEvent('/held').size === 4, 15_000, 50);
    expect([...sendsPerEvent('/held').values()]).toEqual([1, 1, 1, 1]);
    // No answer waited for the adds: one that did would have waited ENQUEUE_TIMEOUT_MS for Redis,
    // given up and logged it before answering.
    expect(log.filter((line) => line.includes('enqueue after commit failed'))).toEqual([]);
  });

  it('never sends again a delivery the reconciler delivered when ingest’s stalled add lands late', async () => {
    const { tenant } = await tenantWithEndpoint(stack, receiver, '/late');
    const { proxy, ingest } = await proxiedIngest();
    // Warm the connection (BullMQ loads its scripts once), then stall the path: the adds are written but held.
    expect((await send(ingest, tenant.ingest, 1))[0]!.status).toBe(202);
    await eventually(async () => sendsPerEvent('/late').size === 1);
    proxy.pause();

    const answers = await send(ingest, tenant.ingest, 5);
    for (const a of answers) {
      expect(a.status).toBe(202);
      expect(a.ms).toBeLessThan(2000);
    }
    // Ingest's jobs are held in the proxy; the reconciler queues the overdue deliveries and they are delivered.
    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === 6, 30_000, 200);

    // The held adds now reach Redis, carrying their events as a first try would.
    const skippedBefore = await skippedJobs();
    proxy.resume();
    await eventually(async () => (await skippedJobs()) >= skippedBefore + 5, 15_000, 100);
    const sends = sendsPerEvent('/late');
    expect(sends.size).toBe(6);
    expect([...sends.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    const attempts = await stack.db.attempt.count({ where: { tenantId: tenant.id } });
    expect(attempts).toBe(6);
  });

  /** The worker's count of jobs skipped because their delivery was no longer pending. */
  async function skippedJobs(): Promise<number> {
    const text = (await call(stack.worker.url, 'GET', '/metrics')).body as string;
    const match = /herald_deliveries_total\{[^}]*outcome="skipped"[^}]*\} (\d+)/.exec(text);
    return match ? Number(match[1]) : 0;
  }
});

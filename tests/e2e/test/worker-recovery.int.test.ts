import { Redis } from 'ioredis';
import { eventually, startReceiver, startTcpProxy, viaProxy, type Receiver, type TcpProxy } from '@herald/testing';
import { call, createTenantWithEndpoints, startStack, type Stack } from '../src/stack.js';
import { spawnWorker, type WorkerProcess } from '../src/worker-process.js';

/**
 * The worker's faults that must not make a receiver see an event twice when
 * nothing forced it: a PostgreSQL blip while attempts are written, and how
 * soon a killed worker's in-flight deliveries are served again, including
 * those it had sent and let go of before their attempt was committed. The
 * worker runs as its own process with the default job lock.
 */
describe('worker recovery', () => {
  let stack: Stack;
  let receiver: Receiver;
  let proxy: TcpProxy;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    stack = await startStack({ HERALD_RECONCILE_INTERVAL_MS: '500' }, { worker: false });
    receiver = await startReceiver();
    const db = new URL(stack.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: db.hostname, port: Number(db.port || 5432) });
  });
  afterAll(async () => {
    for (const w of workers) w.child.kill('SIGKILL');
    await proxy?.close();
    await receiver?.close();
    await stack?.stop();
  });

  /** A tenant with `endpoints` endpoints (paths under the tenant id) on one event type. */
  const tenantWith = (endpoints: number) => createTenantWithEndpoints(stack, { receiverUrl: receiver.url, eventType: 'load.test', endpoints });

  async function ingest(token: string, n: number): Promise<string[]> {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', {
      token,
      body: { events: Array.from({ length: n }, (_, i) => ({ event_type: 'load.test', payload: { i } })) },
    });
    expect(res.status).toBe(202);
    return res.body.results.map((r: { event_id: string }) => r.event_id);
  }

  /** Requests per (path, webhook-id) for these paths. */
  function sends(paths: string[]): Map<string, number[]> {
    const at = new Map<string, number[]>();
    for (const r of receiver.requests.filter((r) => paths.includes(r.path))) {
      const key = `${r.path} ${String(r.headers['webhook-id'])}`;
      at.set(key, [...(at.get(key) ?? []), r.receivedAt]);
    }
    return at;
  }

  it('retries the attempt write through a PostgreSQL blip: no 2xx is sent twice and every request has its attempt', async () => {
    const { tenant, paths } = await tenantWith(5);
    receiver.reply(() => ({ status: 200, delayMs: 5 }));
    const worker = spawnWorker({ ...stack.env, DATABASE_URL: viaProxy(stack.env.DATABASE_URL!, proxy) });
    workers.push(worker);
    await ingest(tenant.ingest, 200); // 1,000 deliveries
    await eventually(async () => sends(paths).size >= 150, 30_000, 10);

    proxy.cut();
    await new Promise((r) => setTimeout(r, 2_500));
    proxy.restore();

    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === 1000, 60_000, 200);
    const got = sends(paths);
    expect(got.size).toBe(1000);
    const twice = [...got.entries()].filter(([, times]) => times.length > 1);
    expect(twice).toEqual([]);
    expect(await stack.db.attempt.count({ where: { tenantId: tenant.id } })).toBe(1000);
    expect(worker.output()).toMatch(/writing attempts failed; trying again/);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 120_000);

  it("sends a SIGKILLed worker's in-flight deliveries again within 10 s", async () => {
    const { tenant, paths } = await tenantWith(2);
    // First tries hang (the worker dies holding them); later ones succeed.
    const seen = new Set<string>();
    receiver.reply((req) => {
      const key = `${req.path} ${String(req.headers['webhook-id'])}`;
      if (seen.has(key)) return { status: 200 };
      seen.add(key);
      return { status: 200, delayMs: 60_000 };
    });
    const first = spawnWorker(stack.env);
    workers.push(first);
    await ingest(tenant.ingest, 3); // 6 deliveries, all in flight at once (concurrency 4 per endpoint)
    await eventually(async () => sends(paths).size === 6, 30_000, 10);

    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toBe('SIGKILL');
    const second = spawnWorker(stack.env);
    workers.push(second);

    await eventually(async () => (await stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } })) === 6, 30_000, 100);
    const resent = [...sends(paths).values()].map((times) => times[1]! - killedAt);
    expect(resent).toHaveLength(6);
    for (const ms of resent) expect(ms).toBeLessThan(10_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 60_000);

  it('queues again within 10 s what a SIGKILLed worker had sent but not yet recorded', async () => {
    const { tenant, paths } = await tenantWith(2);
    receiver.reply(() => ({ status: 200 }));
    proxy.restore();
    const victim = spawnWorker({ ...stack.env, DATABASE_URL: viaProxy(stack.env.DATABASE_URL!, proxy) });
    workers.push(victim);
    const delivered = () => stack.db.delivery.count({ where: { tenantId: tenant.id, status: 'delivered' } });
    // One event first: the victim caches both endpoints, so the next jobs need nothing from PostgreSQL to be sent.
    await ingest(tenant.ingest, 1);
    await eventually(async () => (await delivered()) === 2, 30_000, 50);

    // The victim's PostgreSQL stalls: its attempts cannot commit, so each 2xx job is let go unrecorded.
    proxy.pause();
    await ingest(tenant.ingest, 10); // 20 deliveries
    await eventually(async () => sends(paths).size === 22, 30_000, 10);
    const redis = new Redis(stack.env.REDIS_URL!);
    try {
      const unrecordedKeys = () => redis.keys(`${stack.redis.prefix}:worker:*:unrecorded`);
      const [key] = await eventually(async () => {
        const keys = await unrecordedKeys();
        return keys.length === 1 && (await redis.hlen(keys[0]!)) === 20 && keys;
      }, 10_000, 20);
      const active = await redis.keys(`${stack.redis.prefix}:ep.*:active`);
      expect(await Promise.all(active.map((k) => redis.llen(k)))).toEqual(active.map(() => 0)); // no job holds them
      expect(await delivered()).toBe(2);

      victim.child.kill('SIGKILL');
      const killedAt = Date.now();
      expect(await victim.exited).toBe('SIGKILL');
      proxy.cut(); // drops what the stalled connections held: the dead worker's statements never reach PostgreSQL
      proxy.resume();
      proxy.restore();
      const reaper = spawnWorker(stack.env);
      workers.push(reaper);

      await eventually(async () => (await delivered()) === 22, 30_000, 100);
      const again = [...sends(paths).values()].filter((times) => times.length > 1);
      expect(again).toHaveLength(20);
      for (const times of again) expect(times[1]! - killedAt).toBeLessThan(10_000);
      // The 20 first requests were never recorded: one attempt each, from the second send.
      expect(await stack.db.attempt.count({ where: { tenantId: tenant.id } })).toBe(22);
      expect(await redis.exists(key!)).toBe(0);
      reaper.child.kill('SIGTERM');
      expect(await reaper.exited).toBe(0);
      expect(await unrecordedKeys()).toEqual([]);
    } finally {
      redis.disconnect();
    }
  }, 90_000);
});

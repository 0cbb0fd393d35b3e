import { eventually, startTcpProxy, testRedisPrefix, type TestRedisPrefix } from '@herald/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createLogger, newId } from '@herald/core';
import { DeliveryEnqueuer } from './delivery-enqueuer.js';
import { DELIVER_JOB, EVENTS_MAX_LEN } from './delivery-jobs.js';
import { endpointQueueName, queueKeys, queueMetaKey } from './names.js';
import { createRedis, whenReady, type RedisClient } from './redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('DeliveryEnqueuer against real Redis', () => {
  let keys: TestRedisPrefix;
  let prefix: string;
  let redis: RedisClient;
  let enqueuer: DeliveryEnqueuer;
  const queues: Queue[] = [];

  /** Inspects an endpoint's queue without rewriting its meta hash. */
  function queueOf(endpointId: string): Queue {
    const queue = new Queue(endpointQueueName(endpointId), { connection: redis, prefix, skipMetasUpdate: true });
    queues.push(queue);
    return queue;
  }

  /** The ready set: endpoint ids, oldest first. */
  const ready = () => redis.zrange(queueKeys(prefix).ready, 0, -1);

  beforeEach(async () => {
    keys = testRedisPrefix(REDIS_URL);
    prefix = keys.prefix;
    const logger = createLogger({ service: 'queue-test', level: 'error' });
    redis = createRedis(REDIS_URL, 'queue-test', { role: 'producer', logger });
    await whenReady(redis, 5_000);
    enqueuer = new DeliveryEnqueuer({ redis, prefix });
  });

  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.close()));
    await enqueuer.close();
    await keys.cleanup();
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    await redis.quit();
  });

  it('puts each delivery in its endpoint queue and marks the endpoints ready', async () => {
    const [epA, epB] = [newId('ep'), newId('ep')];
    const [d1, d2, d3] = [newId('dlv'), newId('dlv'), newId('dlv')];

    await enqueuer.enqueue([
      { deliveryId: d1, tenantId: 'tnt_1', endpointId: epA, maxAttempts: 15 },
      { deliveryId: d2, tenantId: 'tnt_1', endpointId: epB, maxAttempts: 3 },
      { deliveryId: d3, tenantId: 'tnt_2', endpointId: epA, maxAttempts: 15 },
    ]);

    // Checked before any Queue is opened on these names.
    for (const ep of [epA, epB]) {
      expect(await redis.hget(queueMetaKey(prefix, endpointQueueName(ep)), 'opts.maxLenEvents')).toBe(String(EVENTS_MAX_LEN));
    }

    const jobsOf = async (ep: string) =>
      (await queueOf(ep).getJobs(['waiting', 'prioritized', 'delayed', 'active']))
        .map((j) => ({ id: j.id, name: j.name, data: j.data, attempts: j.opts.attempts }))
        .sort((a, b) => a.id!.localeCompare(b.id!));
    expect(await jobsOf(epA)).toEqual([
      { id: d1, name: DELIVER_JOB, data: { deliveryId: d1, tenantId: 'tnt_1' }, attempts: 15 },
      { id: d3, name: DELIVER_JOB, data: { deliveryId: d3, tenantId: 'tnt_2' }, attempts: 15 },
    ]);
    expect(await jobsOf(epB)).toEqual([
      { id: d2, name: DELIVER_JOB, data: { deliveryId: d2, tenantId: 'tnt_1' }, attempts: 3 },
    ]);
    expect(await queueOf(epA).getJobCounts('waiting', 'delayed')).toEqual({ waiting: 2, delayed: 0 });

    expect((await ready()).sort()).toEqual([epA, epB].sort());
  });

  it('keeps an endpoint already ready in its place in the line', async () => {
    const [epA, epB] = [newId('ep'), newId('ep')];
    await enqueuer.enqueue([{ deliveryId: newId('dlv'), tenantId: 'tnt_1', endpointId: epA, maxAttempts: 1 }]);
    await new Promise((r) => setTimeout(r, 5));
    await enqueuer.enqueue([{ deliveryId: newId('dlv'), tenantId: 'tnt_1', endpointId: epB, maxAttempts: 1 }]);
    await new Promise((r) => setTimeout(r, 5));
    await enqueuer.enqueue([{ deliveryId: newId('dlv'), tenantId: 'tnt_1', endpointId: epA, maxAttempts: 1 }]);
    expect(await ready()).toEqual([epA, epB]);
  });

  it('keys every queue under the prefix, with the endpoint id as a hash tag', async () => {
    const ep = newId('ep');
    await enqueuer.enqueue([{ deliveryId: newId('dlv'), tenantId: 'tnt_1', endpointId: ep, maxAttempts: 1 }]);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys.filter((k) => k !== queueKeys(prefix).ready)) {
      expect(key.startsWith(`${prefix}:ep.{${ep}}:`)).toBe(true);
    }
    expect(await redis.keys(`bull:*${ep}*`)).toEqual([]);
  });

  it('never makes a second job for a delivery id already queued', async () => {
    const ep = newId('ep');
    const dlv = newId('dlv');
    await enqueuer.enqueue([{ deliveryId: dlv, tenantId: 'tnt_1', endpointId: ep, maxAttempts: 15 }]);
    await enqueuer.enqueue([{ deliveryId: dlv, tenantId: 'tnt_other', endpointId: ep, maxAttempts: 2 }]);
    await enqueuer.enqueue([
      { deliveryId: dlv, tenantId: 'tnt_1', endpointId: ep, maxAttempts: 15 },
      { deliveryId: dlv, tenantId: 'tnt_1', endpointId: ep, maxAttempts: 15 },
    ]);
    const queue = queueOf(ep);
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    expect(jobs.map((j) => [j.id, j.data, j.opts.attempts])).toEqual([[dlv, { deliveryId: dlv, tenantId: 'tnt_1' }, 15]]);
    expect(await queue.count()).toBe(1);
  });

  it('makes a delayed job when delayMs is given', async () => {
    const ep = newId('ep');
    const [later, now] = [newId('dlv'), newId('dlv')];
    const before = Date.now();
    await enqueuer.enqueue([
      { deliveryId: later, tenantId: 'tnt_1', endpointId: ep, maxAttempts: 15, delayMs: 60_000 },
      { deliveryId: now, tenantId: 'tnt_1', endpointId: ep, maxAttempts: 15, delayMs: 0 },
    ]);
    const queue = queueOf(ep);
    expect((await queue.getDelayed()).map((j) => j.id)).toEqual([later]);
    expect((await queue.getWaiting()).map((j) => j.id)).toEqual([now]);
    const job = (await queue.getJob(later))!;
    expect(job.opts.delay).toBe(60_000);
    expect(job.timestamp + job.opts.delay!).toBeGreaterThanOrEqual(before + 60_000);
  });

  it('does nothing for an empty list', async () => {
    await enqueuer.enqueue([]);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('signal() marks endpoints ready without adding jobs; one already ready keeps its place', async () => {
    const [epA, epB] = [newId('ep'), newId('ep')];
    await redis.zadd(queueKeys(prefix).ready, 1, epA);
    await enqueuer.signal([epA, epB]);
    expect((await ready()).sort()).toEqual([epA, epB].sort());
    expect(await redis.zscore(queueKeys(prefix).ready, epA)).toBe('1');
    expect(Number(await redis.zscore(queueKeys(prefix).ready, epB))).toBeGreaterThan(1);
    expect(await queueOf(epA).count()).toBe(0);
  });

  it('sends the adds and then the ready signal without waiting for an answer between them (one round trip, jobs first)', async () => {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const logger = createLogger({ service: 'queue-test', level: 'error' });
    const proxied = createRedis(`redis://127.0.0.1:${proxy.port}`, 'queue-test-proxied', { role: 'producer', logger });
    const viaProxy = new DeliveryEnqueuer({ redis: proxied, prefix });
    // What Redis runs, in order, seen on a direct connection: scripts on the test's keys (BullMQ's adds,
    // the first sent as EVAL) and ZADDs to the ready set.
    const monitor = await (redis as Redis).monitor();
    const ran: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      const cmd = String(args[0]).toLowerCase();
      // ZADD key NX score member [score member …]: the members it readies.
      if (cmd === 'zadd' && args[1] === queueKeys(prefix).ready) ran.push(`ready ${args.slice(4).filter((_, i) => i % 2 === 0).join(' ')}`);
      if ((cmd === 'eval' || cmd === 'evalsha') && args.some((a) => String(a).startsWith(`${prefix}:`))) ran.push('script');
    });
    try {
      await whenReady(proxied, 5_000);
      const [epA, epB] = [newId('ep'), newId('ep')];
      const [d1, d2] = [newId('dlv'), newId('dlv')];
      proxy.holdReplies(); // Redis gets every request but its answers wait in the proxy
      const enqueued = viaProxy.enqueue([
        { deliveryId: d1, tenantId: 'tnt_1', endpointId: epA, maxAttempts: 15 },
        { deliveryId: d2, tenantId: 'tnt_1', endpointId: epB, maxAttempts: 15 },
      ]);
      // Both endpoints became ready, in one command, although no answer to the adds reached the enqueuer, and the adds ran first.
      await eventually(async () => (await ready()).length === 2, 5_000, 20);
      await eventually(async () => ran.some((r) => r.startsWith('ready')), 5_000, 20);
      expect(ran).toEqual(['script', 'script', `ready ${epA} ${epB}`]);
      expect(await queueOf(epA).getJobState(d1)).toBe('waiting');
      expect(await queueOf(epB).getJobState(d2)).toBe('waiting');
      proxy.resume();
      await enqueued;
    } finally {
      proxy.resume();
      monitor.disconnect();
      await viaProxy.close();
      proxied.disconnect();
      await proxy.close();
    }
  });

  it('hands jobs off without waiting for Redis until too many are unanswered, and close() waits for them', async () => {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    const logger = createLogger({ service: 'queue-test', level: 'error' });
    const proxied = createRedis(`redis://127.0.0.1:${proxy.port}`, 'queue-test-proxied', { role: 'producer', logger });
    const viaProxy = new DeliveryEnqueuer({ redis: proxied, prefix, maxUnansweredJobs: 2 });
    const failures: unknown[] = [];
    const onError = (error: unknown) => failures.push(error);
    /** Whether `promise` settles within `ms`. */
    const settlesWithin = (promise: Promise<void>, ms: number) =>
      Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
    const spec = (endpointId: string) => ({ deliveryId: newId('dlv'), tenantId: 'tnt_1', endpointId, maxAttempts: 1 });
    let closed = false;
    try {
      await whenReady(proxied, 5_000);
      const [epA, epB] = [newId('ep'), newId('ep')];
      proxy.holdReplies(); // Redis runs every command, its answers wait in the proxy

      // Two jobs out, none answered: the caller goes on.
      expect(await settlesWithin(viaProxy.handOff([spec(epA), spec(epA)], onError), 150)).toBe(true);
      await eventually(async () => (await queueOf(epA).count()) === 2, 5_000, 20);
      // A third would be beyond the bound: this caller waits for its own answer.
      const third = viaProxy.handOff([spec(epA)], onError);
      expect(await settlesWithin(third, 150)).toBe(false);
      proxy.resume();
      await third;
      expect(failures).toEqual([]);
      expect(await queueOf(epA).count()).toBe(3);

      // Closing waits for a hand-off Redis has not answered yet.
      proxy.holdReplies();
      await viaProxy.handOff([spec(epB)], onError);
      const closing = viaProxy.close().then(() => {
        closed = true;
      });
      expect(await settlesWithin(closing, 150)).toBe(false);
      proxy.resume();
      await closing;
      expect(failures).toEqual([]);
      expect(await ready()).toEqual(expect.arrayContaining([epA, epB]));
    } finally {
      proxy.resume();
      if (!closed) await viaProxy.close();
      proxied.disconnect();
      await proxy.close();
    }
  });
});

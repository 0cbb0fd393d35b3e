import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseIngestConfig, startIngest, type RunningIngest } from '@herald/ingest';
import { createLogger } from '@herald/core';
import { endpointQueueName } from '@herald/queue';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { PassThrough } from 'node:stream';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** A TCP proxy to PostgreSQL that the test can cut, to make the database unreachable for one service only. */
async function startProxy(target: { host: string; port: number }): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe('ingest with PostgreSQL unreachable', () => {
  let stack: Stack;
  let receiver: Receiver;
  let ingest: RunningIngest;

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await ingest?.stop();
    await receiver?.close();
    await stack?.stop();
  });

  it('answers 503 in the error shape and enqueues nothing', async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.created' } });
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: receiver.url, events: ['order.created'] },
    });
    expect(endpoint.status).toBe(201);

    const dbUrl = new URL(stack.env.DATABASE_URL!);
    const proxy = await startProxy({ host: dbUrl.hostname, port: Number(dbUrl.port || 5432) });
    dbUrl.host = `127.0.0.1:${proxy.port}`;
    const logs = new PassThrough();
    ingest = await startIngest(parseIngestConfig({ ...stack.env, DATABASE_URL: dbUrl.toString() }), {
      port: 0,
      logger: createLogger({ service: 'ingest', level: 'error', stream: logs }),
    });

    // Through the proxy everything works...
    const ok = await call(ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'order.created', payload: { n: 1 } },
    });
    expect(ok.status).toBe(202);
    await receiver.waitFor(1);
    await eventually(async () => (await stack.db.delivery.count({ where: { status: 'delivered' } })) === 1);

    // ...until PostgreSQL becomes unreachable for this ingest.
    await proxy.cut();
    const redis = new Redis(stack.env.REDIS_URL!);
    const queue = new Queue(endpointQueueName(endpoint.body.id), { connection: redis, prefix: stack.redis.prefix });
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

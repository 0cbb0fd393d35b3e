import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '@herald/core';
import { eventually } from '@herald/testing';
import { createRedis, subscribeWhenReady, type RedisClient } from './redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A logger at debug level, and the messages it wrote. */
function recordingLogger() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk) => lines.push(...String(chunk).trim().split('\n').map((line) => (JSON.parse(line) as { message: string }).message)));
  return { lines, logger: createLogger({ service: 'queue-test', level: 'debug', stream }) };
}

describe('subscribing while the connection is being set up (real Redis)', () => {
  const channel = `herald-test-sub-${randomBytes(6).toString('hex')}`;
  let publisher: Redis;
  const connections: RedisClient[] = [];

  beforeAll(() => {
    publisher = new Redis(REDIS_URL);
  });
  afterAll(() => {
    publisher.disconnect();
    for (const c of connections) c.disconnect();
  });

  /** A subscriber connection whose subscribe is called at its socket's connect, before it is ready. */
  async function subscribeAtConnect(subscribe: (redis: RedisClient) => Promise<unknown>) {
    const { lines, logger } = recordingLogger();
    const redis = createRedis(REDIS_URL, 'subscribe-test', { role: 'consumer', logger });
    connections.push(redis);
    const errors: string[] = [];
    redis.on('error', (error: Error) => errors.push(error.message));
    const received: string[] = [];
    redis.on('message', (_channel: string, message: string) => received.push(message));
    await new Promise<void>((resolve, reject) =>
      redis.once('connect', () => {
        expect(redis.status).toBe('connect');
        subscribe(redis).then(() => resolve(), reject);
      }),
    );
    await eventually(async () => {
      await publisher.publish(channel, 'hello');
      return received.includes('hello');
    });
    return { redis, errors, lines, status: redis.status };
  }

  it('a plain subscribe there fails the ready check, and the connection is dropped (what subscribeWhenReady avoids)', async () => {
    const { redis, errors, lines } = await subscribeAtConnect((r) => r.subscribe(channel));
    // The ready check's INFO goes out only after the handshake's replies (and ioredis reading its own
    // package.json), so the subscription and its message can come before the check fails: wait for it.
    await eventually(async () => errors.length > 0 && lines.some((l) => l.startsWith('redis connection error')));
    // ioredis refuses the INFO itself, or Redis does ("only (P|S)SUBSCRIBE ... allowed in this context").
    expect(errors[0]).toMatch(/subscriber mode|SUBSCRIBE/);
    // It reconnects (ioredis subscribes again only once ready). Closed while it waits to, ioredis would
    // keep a 2 s timer for the socket already gone, and Jest would not exit when the tests end.
    await eventually(async () => redis.status === 'ready');
  });

  it('subscribeWhenReady rejects, rather than waits for ever, when the connection is closed before it was ready', async () => {
    const { logger } = recordingLogger();
    // Nothing listens on port 1: the connection keeps trying until it is closed.
    const redis = createRedis('redis://127.0.0.1:1', 'subscribe-test-closed', { role: 'consumer', logger });
    const subscribing = subscribeWhenReady(redis, channel);
    redis.disconnect();
    await expect(subscribing).rejects.toThrow();
  });

  it('subscribeWhenReady subscribes once ready: no error, no reconnect, messages arrive', async () => {
    const { errors, lines, status } = await subscribeAtConnect((redis) => subscribeWhenReady(redis, channel));
    // Ready when the message came: a subscription made before it would have its message come while the
    // connection was still 'connect', ahead of the failed check (see the first test).
    expect(status).toBe('ready');
    expect(errors).toEqual([]);
    expect(lines).toEqual([]);
  });
});

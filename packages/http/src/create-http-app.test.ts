import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import express, { type Router } from 'express';
import { z } from 'zod';
import { AppError, createLogger } from '@herald/core';
import { createHttpApp } from './create-http-app.js';
import { acceptBody, MAX_JSON_DEPTH } from './json-body.js';
import { boundPort, closeServer, listen } from './lifecycle.js';
import { createMetricsRegistry } from './metrics.js';
import type { ReadinessCheck } from './readiness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface TestApp {
  base: string;
  /** Parsed JSON log entries written so far. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

async function startApp(routers: Router[], readiness: ReadinessCheck[] = [], bodyLimitBytes = 1024): Promise<TestApp> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += String(chunk);
  });
  const logger = createLogger({ service: 'test', level: 'debug', stream });
  const app = createHttpApp({ logger, readiness, metrics: createMetricsRegistry('test'), bodyLimitBytes, routers });
  const server: Server = await listen(app, 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${boundPort(server)}`,
    logs: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: () => closeServer(server),
  };
}

/** Waits for winston to flush what it was given. */
const flushed = () => new Promise((r) => setTimeout(r, 20));

function routes(): Router {
  const router = express.Router();
  router.post('/echo', acceptBody, (req, res) => {
    res.status(201).json({ got: req.body });
  });
  router.get('/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  router.get('/zod', () => {
    z.object({ events: z.array(z.object({ name: z.string() })) }).parse({ events: [{ name: 'ok' }, { name: 42 }] });
  });
  router.get('/unprocessable', () => {
    throw AppError.unprocessable("Unknown event type 'lead.craeted'.", [{ path: 'events.0', message: "unknown event type 'lead.craeted'" }]);
  });
  router.get('/conflict', () => {
    throw new AppError('conflict', 'Already exists.');
  });
  router.get('/boom', () => {
    throw new Error('kaboom: internal detail');
  });
  router.get('/async-boom', async () => {
    await Promise.resolve();
    throw new TypeError('async kaboom');
  });
  router.get('/down', async () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  });
  router.get('/down-wrapped', async () => {
    const driver = Object.assign(new Error('socket gone'), { code: 'ECONNREFUSED' });
    throw new Error('query failed', { cause: new Error('pool error', { cause: driver }) });
  });
  return router;
}

describe('createHttpApp', () => {
  let app: TestApp;

  beforeEach(async () => {
    app = await startApp([routes()]);
  });

  afterEach(async () => {
    await app.close();
  });

  describe('X-Request-Id', () => {
    it('is generated as a UUID when the caller sends none, on every kind of response', async () => {
      for (const path of ['/healthz', '/nope', '/boom']) {
        const res = await fetch(`${app.base}${path}`);
        expect(res.headers.get('x-request-id')).toMatch(UUID);
      }
    });

    it('is different for each request', async () => {
      const a = await fetch(`${app.base}/healthz`);
      const b = await fetch(`${app.base}/healthz`);
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });

    it.each(['abc-123', 'req_01JH:trace.7', 'a'.repeat(128)])('echoes the sane id %s', async (id) => {
      const res = await fetch(`${app.base}/nope`, { headers: { 'X-Request-Id': id } });
      expect(res.headers.get('x-request-id')).toBe(id);
    });

    it.each([
      ['300 characters', 'a'.repeat(300)],
      ['129 characters', 'a'.repeat(129)],
      ['spaces', 'has spaces in it'],
      ['quotes and angle brackets', '<script>"x"</script>'],
    ])('replaces an id with %s by a UUID', async (_what, id) => {
      const res = await fetch(`${app.base}/healthz`, { headers: { 'X-Request-Id': id } });
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });

    it('logs one line per request carrying the request id', async () => {
      await fetch(`${app.base}/healthz`, { headers: { 'X-Request-Id': 'trace-me-1' } });
      await flushed();
      const lines = app.logs().filter((l) => l.request_id === 'trace-me-1');
      expect(lines).toEqual([expect.objectContaining({ message: 'request', method: 'GET', path: '/healthz', status: 200 })]);
    });
  });

  describe('bodies', () => {
    it('parses JSON for the routes', async () => {
      const res = await fetch(`${app.base}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ a: [1, 'ü'] }),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ got: { a: [1, 'ü'] } });
    });

    it('answers malformed JSON with 400 validation_failed', async () => {
      const res = await fetch(`${app.base}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a": ' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual({ error: { code: 'validation_failed', message: expect.any(String), details: [] } });
    });

    it('answers a body over the limit with 413 payload_too_large', async () => {
      const res = await fetch(`${app.base}/echo`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ pad: 'x'.repeat(2000) }),
      });
      expect(res.status).toBe(413);
      const body = await res.json();
      expect(body).toEqual({ error: { code: 'payload_too_large', message: expect.stringContaining('1024'), details: [] } });
    });

    it(`answers a body nested more than ${MAX_JSON_DEPTH} levels with 422, naming the top-level field`, async () => {
      const nested = (levels: number) => `{"deep":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
      const post = (body: string) => fetch(`${app.base}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect((await post(nested(MAX_JSON_DEPTH))).status).toBe(201);
      const res = await post(nested(MAX_JSON_DEPTH + 1));
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        error: { code: 'validation_failed', message: expect.any(String), details: [{ path: 'deep', message: expect.stringContaining(`${MAX_JSON_DEPTH} levels`) }] },
      });
    });

    it('accepts a body just under the limit', async () => {
      const body = JSON.stringify({ pad: 'x'.repeat(1000) });
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
      const res = await fetch(`${app.base}/echo`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status).toBe(201);
    });
  });

  describe('errors', () => {
    it('answers a ZodError with 400 and dotted detail paths', async () => {
      const res = await fetch(`${app.base}/zod`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: 'validation_failed',
          message: expect.any(String),
          details: [{ path: 'events.1.name', message: expect.stringContaining('expected string') }],
        },
      });
    });

    it('answers AppError.unprocessable with 422 and its details', async () => {
      const res = await fetch(`${app.base}/unprocessable`);
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        error: {
          code: 'validation_failed',
          message: "Unknown event type 'lead.craeted'.",
          details: [{ path: 'events.0', message: "unknown event type 'lead.craeted'" }],
        },
      });
    });

    it('answers other AppErrors with their status', async () => {
      const res = await fetch(`${app.base}/conflict`);
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: { code: 'conflict', message: 'Already exists.', details: [] } });
    });

    it('answers an unknown route with 404 not_found', async () => {
      const res = await fetch(`${app.base}/api/v1/nothing-here`, { method: 'DELETE' });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { code: 'not_found', message: 'No route for DELETE /api/v1/nothing-here.', details: [] },
      });
    });

    it.each([
      ['/boom', 'kaboom: internal detail'],
      ['/async-boom', 'async kaboom'],
    ])('answers %s (a plain Error) with 500 internal, no stack or detail in the body, and logs it with its stack', async (path, detail) => {
      const res = await fetch(`${app.base}${path}`, { headers: { 'X-Request-Id': `req-${path.slice(1)}` } });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'Internal error.', details: [] } });
      expect(text).not.toContain(detail);
      expect(text).not.toMatch(/\bat \S+ \(|stack/);
      await flushed();
      const entry = app.logs().find((l) => l.message === 'request failed');
      expect(entry).toMatchObject({ level: 'error', code: 'internal', request_id: `req-${path.slice(1)}` });
      const error = entry!.error as { message: string; stack: string };
      expect(error.message).toBe(detail);
      expect(error.stack).toContain('create-http-app.test.ts');
    });

    it.each(['/down', '/down-wrapped'])('answers %s (a dependency refusing connections) with 503 unavailable and Retry-After', async (path) => {
      const res = await fetch(`${app.base}${path}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String), details: [] } });
    });
  });

  describe('operational routes', () => {
    it('/healthz answers 200', async () => {
      const res = await fetch(`${app.base}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('/metrics serves Prometheus text with the service label', async () => {
      const res = await fetch(`${app.base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toMatch(/^# HELP herald_process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^# TYPE herald_process_cpu_user_seconds_total counter$/m);
      expect(text).toMatch(/^herald_process_cpu_user_seconds_total\{service="test"\} [0-9.e-]+$/m);
    });

    it('/metrics counts answer times by route pattern and status, never by the path itself', async () => {
      for (const path of ['/things/a', '/things/b', '/nope', '/boom']) await fetch(`${app.base}${path}`);
      const text = await (await fetch(`${app.base}/metrics`)).text();
      const count = (...labels: string[]) => {
        const line = text.split('\n').find((l) => l.startsWith('herald_http_request_duration_seconds_count{') && labels.every((x) => l.includes(x)));
        return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
      };
      expect(count('method="GET"', 'route="/things/:id"', 'status="200"')).toBe(2);
      expect(count('route="other"', 'status="404"')).toBe(1);
      expect(count('route="/boom"', 'status="500"')).toBe(1);
      expect(text).not.toContain('/things/a');
      expect(text).toMatch(/^herald_http_request_duration_seconds_bucket\{le="0.015",service="test",method="GET",route="\/things\/:id",status="200"\} [0-2]$/m);
    });
  });
});

describe('/readyz', () => {
  let app: TestApp | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('answers 200 naming each check when all pass', async () => {
    app = await startApp([], [
      { name: 'postgres', check: async () => 1 },
      { name: 'redis', check: async () => 'PONG' },
    ]);
    const res = await fetch(`${app.base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('answers 503 naming the check that rejected', async () => {
    app = await startApp([], [
      { name: 'postgres', check: async () => 1 },
      { name: 'redis', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) },
    ]);
    const res = await fetch(`${app.base}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      error: {
        code: 'unavailable',
        message: 'Not ready: redis unreachable.',
        details: [{ path: 'redis', message: 'connect ECONNREFUSED 127.0.0.1:6379' }],
      },
    });
  });

  it('answers 503 after about 2 s when a check hangs', async () => {
    app = await startApp([], [
      { name: 'postgres', check: () => new Promise(() => {}) },
      { name: 'redis', check: async () => 'PONG' },
    ]);
    const started = Date.now();
    const res = await fetch(`${app.base}/readyz`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4000);
    expect(await res.json()).toEqual({
      error: {
        code: 'unavailable',
        message: 'Not ready: postgres unreachable.',
        details: [{ path: 'postgres', message: 'postgres: no answer within 2000 ms' }],
      },
    });
  });

  it('stays ready, degraded, when only a check that is not required fails', async () => {
    app = await startApp([], [
      { name: 'postgres', check: async () => 1 },
      { name: 'redis', check: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')), required: false },
    ]);
    const res = await fetch(`${app.base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'degraded', checks: { postgres: 'ok', redis: 'connect ECONNREFUSED 127.0.0.1:6379' } });
  });

  it('names every failing check', async () => {
    app = await startApp([], [
      { name: 'postgres', check: async () => Promise.reject(new Error('pg down')) },
      { name: 'redis', check: async () => Promise.reject('redis down') },
    ]);
    const res = await fetch(`${app.base}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { message: string; details: unknown[] } };
    expect(body.error.message).toBe('Not ready: postgres, redis unreachable.');
    expect(body.error.details).toEqual([
      { path: 'postgres', message: 'pg down' },
      { path: 'redis', message: 'redis down' },
    ]);
  });
});

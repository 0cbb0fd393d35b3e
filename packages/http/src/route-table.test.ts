import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import { createLogger, type KeyScope } from '@herald/core';
import { authenticate } from './auth.js';
import { createHttpApp } from './create-http-app.js';
import { boundPort, closeServer, listen } from './lifecycle.js';
import { createMetricsRegistry } from './metrics.js';
import { RouteTable } from './route-table.js';

const ROOT_TOKEN = 'root-token-0123456789abcdef';
const KEYS: Record<string, { id: string; tenantId: string; scope: KeyScope }> = {
  herald_admin_AAA: { id: 'key_admin', tenantId: 'tnt_1', scope: 'admin' },
  herald_ingest_CCC: { id: 'key_ingest', tenantId: 'tnt_1', scope: 'ingest' },
};

/**
 * What a caller learns, in order: who it is (401), what it may do (403), and
 * only then what is wrong with its request (400, 413, 422).
 */
describe('RouteTable: authentication before the request is judged', () => {
  let server: Server;
  let base: string;
  /** Keys revoked since the (cached) lookup found them. */
  const revoked = new Set<string>();

  beforeAll(async () => {
    const routes = new RouteTable({
      rootToken: ROOT_TOKEN,
      authenticate: authenticate({
        digest: (key) => key,
        findByDigest: async (digest) => KEYS[digest] ?? null,
        confirm: async (keyId) => !revoked.has(keyId),
      }),
    });
    const body = z.strictObject({ name: z.string() });
    routes.add({ method: 'post', path: '/things', summary: 's', tag: 't', auth: 'admin', body, responses: { 201: { description: 'd' } } }, (input, _req, res) => {
      res.status(201).json(input.body);
    });
    routes.add({ method: 'post', path: '/tenants', summary: 's', tag: 't', auth: 'root', body, responses: { 201: { description: 'd' } } }, (input, _req, res) => {
      res.status(201).json(input.body);
    });
    const app = createHttpApp({
      logger: createLogger({ service: 'test', stream: new PassThrough() }),
      readiness: [],
      metrics: createMetricsRegistry('test'),
      bodyLimitBytes: 1024,
      routers: [routes.router],
    });
    server = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${boundPort(server)}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });
  beforeEach(() => revoked.clear());

  const post = async (path: string, token: string | undefined, body: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body,
    });
    return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code };
  };
  const MALFORMED = '{"name": ';
  const OVERSIZED = JSON.stringify({ name: 'x'.repeat(2000) });
  const TOO_DEEP = `{"name":${'['.repeat(100)}${']'.repeat(100)}}`;

  it.each([
    ['malformed JSON', MALFORMED],
    ['an oversized body', OVERSIZED],
    ['a body nested too deep', TOO_DEEP],
    ['a body of the wrong shape', '{"nom": 1}'],
  ])('answers %s with 401 without a valid key, 403 with the wrong scope, and judges it only for the right key', async (_what, body) => {
    for (const token of [undefined, 'herald_admin_nope']) expect(await post('/things', token, body)).toEqual({ status: 401, code: 'unauthorized' });
    expect(await post('/tenants', 'not-the-root-token', body)).toEqual({ status: 401, code: 'unauthorized' });
    expect(await post('/things', 'herald_ingest_CCC', body)).toEqual({ status: 403, code: 'forbidden' });
    const judged = await post('/things', 'herald_admin_AAA', body);
    expect(judged.status).not.toBe(401);
    expect(judged.status).toBeGreaterThanOrEqual(400);
    expect(await post('/tenants', ROOT_TOKEN, body)).toEqual(judged);
  });

  it('answers 401 to a key found in a cache but revoked since, when its body is refused', async () => {
    revoked.add('key_admin');
    expect(await post('/things', 'herald_admin_AAA', MALFORMED)).toEqual({ status: 401, code: 'unauthorized' });
    expect(await post('/things', 'herald_admin_AAA', '{"nom": 1}')).toEqual({ status: 401, code: 'unauthorized' });
  });

  it('still answers each refusal with its own status for a valid key', async () => {
    expect(await post('/things', 'herald_admin_AAA', MALFORMED)).toEqual({ status: 400, code: 'validation_failed' });
    expect(await post('/things', 'herald_admin_AAA', OVERSIZED)).toEqual({ status: 413, code: 'payload_too_large' });
    expect(await post('/things', 'herald_admin_AAA', TOO_DEEP)).toEqual({ status: 422, code: 'validation_failed' });
    expect(await post('/things', 'herald_admin_AAA', '{"name":"ok"}')).toEqual({ status: 201, code: undefined });
  });
});

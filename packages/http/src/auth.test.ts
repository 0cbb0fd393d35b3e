import type { Server } from 'node:http';
import { PassThrough } from 'node:stream';
import express from 'express';
import { createLogger, type KeyScope } from '@herald/core';
import { authenticate, principalOf, requireRootToken, requireScope, type ApiKeyLookup } from './auth.js';
import { createHttpApp } from './create-http-app.js';
import { boundPort, closeServer, listen } from './lifecycle.js';
import { createMetricsRegistry } from './metrics.js';

const ROOT_TOKEN = 'root-token-0123456789abcdef';

const KEYS: Record<string, { id: string; tenantId: string; scope: KeyScope }> = {
  'herald_admin_AAA': { id: 'key_admin', tenantId: 'tnt_1', scope: 'admin' },
  'herald_read_BBB': { id: 'key_read', tenantId: 'tnt_1', scope: 'read' },
  'herald_ingest_CCC': { id: 'key_ingest', tenantId: 'tnt_2', scope: 'ingest' },
};

describe('auth middleware', () => {
  let server: Server;
  let base: string;
  let lookups: string[];
  let lookupDown: boolean;

  beforeAll(async () => {
    const lookup: ApiKeyLookup = {
      digest: (key) => `sha:${key}`,
      async findByDigest(digest) {
        lookups.push(digest);
        if (lookupDown) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        const key = digest.startsWith('sha:') ? KEYS[digest.slice(4)] : undefined;
        return key ?? null;
      },
    };
    const router = express.Router();
    router.get('/api/v1/things', authenticate(lookup), requireScope('read'), (_req, res) => {
      res.json({ principal: principalOf(res) });
    });
    router.post('/api/v1/events', authenticate(lookup), requireScope('ingest'), (_req, res) => {
      res.status(202).json({ principal: principalOf(res) });
    });
    router.post('/api/v1/endpoints', authenticate(lookup), requireScope(), (_req, res) => {
      res.status(201).json({ principal: principalOf(res) });
    });
    router.get('/api/v1/tenants', requireRootToken(ROOT_TOKEN), (_req, res) => {
      res.json({ data: [] });
    });
    const app = createHttpApp({
      logger: createLogger({ service: 'test', stream: new PassThrough() }),
      readiness: [],
      metrics: createMetricsRegistry('test'),
      bodyLimitBytes: 1024,
      routers: [router],
    });
    server = await listen(app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${boundPort(server)}`;
  });

  beforeEach(() => {
    lookups = [];
    lookupDown = false;
  });

  afterAll(async () => {
    await closeServer(server);
  });

  const call = (path: string, authorization?: string, method = 'GET') =>
    fetch(`${base}${path}`, { method, headers: authorization ? { Authorization: authorization } : {} });

  describe('authenticate', () => {
    it.each([
      ['no Authorization header', undefined],
      ['an empty bearer', 'Bearer '],
      ['a Basic credential', `Basic ${Buffer.from('user:pass').toString('base64')}`],
      ['the key without Bearer', 'herald_admin_AAA'],
    ])('answers 401 for %s without looking anything up', async (_what, authorization) => {
      const res = await call('/api/v1/things', authorization);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/Bearer/), details: [] } });
      expect(lookups).toEqual([]);
    });

    it('answers 401 for an unknown or revoked key, looking it up by digest', async () => {
      const res = await call('/api/v1/things', 'Bearer herald_admin_nope');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'Invalid or revoked API key.', details: [] } });
      expect(lookups).toEqual(['sha:herald_admin_nope']);
    });

    it('sets the principal of a valid key (scheme case-insensitive)', async () => {
      const res = await call('/api/v1/things', 'bearer herald_read_BBB');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ principal: { tenantId: 'tnt_1', keyId: 'key_read', scope: 'read' } });
    });

    it('answers 503 when the key store is unreachable', async () => {
      lookupDown = true;
      const res = await call('/api/v1/things', 'Bearer herald_read_BBB');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    });
  });

  describe('requireScope', () => {
    it.each([
      ['admin', 'herald_admin_AAA', 200],
      ['read', 'herald_read_BBB', 200],
      ['ingest', 'herald_ingest_CCC', 403],
    ])("requireScope('read') with a %s key answers %i", async (_scope, key, status) => {
      const res = await call('/api/v1/things', `Bearer ${key}`);
      expect(res.status).toBe(status);
      if (status === 403) {
        expect(await res.json()).toEqual({
          error: { code: 'forbidden', message: "This API key's scope 'ingest' does not allow this request.", details: [] },
        });
      }
    });

    it.each([
      ['admin', 'herald_admin_AAA', 202],
      ['read', 'herald_read_BBB', 403],
      ['ingest', 'herald_ingest_CCC', 202],
    ])("requireScope('ingest') with a %s key answers %i", async (_scope, key, status) => {
      const res = await call('/api/v1/events', `Bearer ${key}`, 'POST');
      expect(res.status).toBe(status);
    });

    it.each([
      ['admin', 'herald_admin_AAA', 201],
      ['read', 'herald_read_BBB', 403],
      ['ingest', 'herald_ingest_CCC', 403],
    ])('requireScope() (admin only) with a %s key answers %i', async (_scope, key, status) => {
      const res = await call('/api/v1/endpoints', `Bearer ${key}`, 'POST');
      expect(res.status).toBe(status);
    });

    it('checks the key before the scope: a bad key is 401, not 403', async () => {
      const res = await call('/api/v1/events', 'Bearer wrong', 'POST');
      expect(res.status).toBe(401);
    });
  });

  describe('requireRootToken', () => {
    it.each([
      ['no token', undefined],
      ['a wrong token', 'Bearer root-token-0123456789abcdeX'],
      ['a prefix of the token', 'Bearer root-token'],
      ['an admin API key', 'Bearer herald_admin_AAA'],
      ['the token without Bearer', ROOT_TOKEN],
    ])('answers 401 for %s', async (_what, authorization) => {
      const res = await call('/api/v1/tenants', authorization);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        error: { code: 'unauthorized', message: 'This route needs the root token (HERALD_ROOT_TOKEN).', details: [] },
      });
    });

    it('lets the root token through', async () => {
      const res = await call('/api/v1/tenants', `Bearer ${ROOT_TOKEN}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: [] });
    });
  });
});

import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

const MAX_PAYLOAD_BYTES = 2048;

/** One documented route, with the service that serves it and the credential it needs. */
interface Route {
  method: string;
  path: string;
  service: 'api' | 'ingest';
  /** 'root', or the API key scope. */
  needs: string;
}

/** Sends any method with any body (fetch refuses a body on GET), answering the status and error code. */
function send(base: string, method: string, path: string, token: string | undefined, body: string): Promise<{ status: number; code: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode!, code });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Every authenticated route of both services, read from the OpenAPI document:
 * a caller without valid credentials gets 401, one with the wrong scope 403,
 * whatever its body; only then is the body judged.
 */
describe('authentication comes before the body is judged, on every route of api and ingest', () => {
  let stack: Stack;
  let routes: Route[];
  let keys: { admin: string; read: string; ingest: string; revokedAdmin: string; revokedIngest: string };

  beforeAll(async () => {
    stack = await startStack({ HERALD_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) }, { worker: false });
    const tenant = await createTenant(stack, 'Guarded');
    const newKey = async (scope: string) => {
      const res = await call(stack.api.url, 'POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope, name: `doomed ${scope}` } });
      expect(res.status).toBe(201);
      return res.body as { id: string; key: string };
    };
    const doomedAdmin = await newKey('admin');
    const doomedIngest = await newKey('ingest');
    // Used once before it is revoked, so ingest holds it in memory.
    const used = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: doomedIngest.key, body: { event_type: 'webhook.test', payload: {} } });
    expect(used.status).toBe(202);
    for (const { id } of [doomedAdmin, doomedIngest]) {
      expect((await call(stack.api.url, 'DELETE', `/api/v1/api-keys/${id}`, { token: tenant.admin })).status).toBe(200);
    }
    keys = { admin: tenant.admin, read: tenant.read, ingest: tenant.ingest, revokedAdmin: doomedAdmin.key, revokedIngest: doomedIngest.key };

    const doc = (await call(stack.api.url, 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, { security: Record<string, unknown>[]; description?: string; servers?: unknown[] }>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => op.security.length > 0)
        .map(([method, op]) => ({
          method: method.toUpperCase(),
          // Any value will do for a path parameter: authentication comes first.
          path: path.replace(/\{\w+\}/g, 'x_1'),
          service: op.servers ? ('ingest' as const) : ('api' as const),
          needs: 'rootToken' in op.security[0]! ? 'root' : /scope `(\w+)`/.exec(op.description ?? '')![1]!,
        })),
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const base = (route: Route) => (route.service === 'api' ? stack.api.url : stack.ingest.url);
  const MALFORMED = '{"name": ';
  const OVERSIZED = JSON.stringify({ pad: 'x'.repeat(MAX_PAYLOAD_BYTES * 2) });
  const WRONG_SHAPE = JSON.stringify({ event_type: 42, events: 'none', name: [] });

  it('covers every authenticated route of both services', () => {
    expect(routes.filter((r) => r.service === 'ingest').map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'POST /api/v1/events',
      'POST /api/v1/events/batch',
    ]);
    expect(routes.filter((r) => r.service === 'api').length).toBeGreaterThan(20);
    expect(new Set(routes.map((r) => r.needs))).toEqual(new Set(['root', 'admin', 'read', 'ingest']));
  });

  it('answers 401 to no key, a forged key and a revoked key, with malformed JSON, an oversized body or a body of the wrong shape', async () => {
    const forged = `herald_admin_${randomBytes(32).toString('base64url')}`;
    const failures: string[] = [];
    for (const route of routes) {
      const revoked = route.service === 'ingest' ? keys.revokedIngest : keys.revokedAdmin;
      // The root token is no key, and no key is the root token.
      const wrongKind = route.needs === 'root' ? keys.admin : stack.rootToken;
      for (const [who, token] of [['no key', undefined], ['a forged key', forged], ['a revoked key', revoked], ['the wrong kind of credential', wrongKind]] as const) {
        for (const [what, body] of [['malformed JSON', MALFORMED], ['an oversized body', OVERSIZED], ['a body of the wrong shape', WRONG_SHAPE]] as const) {
          const res = await send(base(route), route.method, route.path, token, body);
          if (res.status !== 401 || res.code !== 'unauthorized') failures.push(`${route.method} ${route.path} with ${who} and ${what}: ${res.status} ${res.code}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers 403 to a valid key of the wrong scope with malformed JSON', async () => {
    const wrongScope: Record<string, string> = { admin: keys.read, read: keys.ingest, ingest: keys.read };
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.needs !== 'root')) {
      const res = await send(base(route), route.method, route.path, wrongScope[route.needs], MALFORMED);
      if (res.status !== 403 || res.code !== 'forbidden') failures.push(`${route.method} ${route.path}: ${res.status} ${res.code}`);
    }
    expect(failures).toEqual([]);
  });

  it('judges the body only for the right credential: 400 for malformed JSON, 413 for an oversized body', async () => {
    const rightKey: Record<string, string> = { root: stack.rootToken, admin: keys.admin, read: keys.read, ingest: keys.ingest };
    const failures: string[] = [];
    for (const route of routes) {
      for (const [body, status, code] of [[MALFORMED, 400, 'validation_failed'], [OVERSIZED, 413, 'payload_too_large']] as const) {
        const res = await send(base(route), route.method, route.path, rightKey[route.needs], body);
        if (res.status !== status || res.code !== code) failures.push(`${route.method} ${route.path}: ${res.status} ${res.code}, expected ${status}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

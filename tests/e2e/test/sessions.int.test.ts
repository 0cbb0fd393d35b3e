import { request } from 'node:http';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';
import { expectError } from '../src/assertions.js';

/** Sends a request with a cookie (fetch in Node keeps no cookie jar), answering status, body and Set-Cookie. */
function send(
  base: string,
  method: string,
  path: string,
  { cookie, headers = {}, body }: { cookie?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: any; headers: Headers; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...(cookie ? { cookie } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // keep text
          }
          const headers = new Headers();
          for (const [key, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(key, value);
          resolve({ status: res.statusCode!, body: parsed, headers, setCookie: res.headers['set-cookie'] ?? [] });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `herald_session=<token>` from a Set-Cookie answer. */
const cookieOf = (setCookie: string[]) => setCookie.find((c) => c.startsWith('herald_session='))!.split(';')[0]!;

describe('console sessions', () => {
  let stack: Stack;
  let tenant: { id: string; admin: string; read: string; ingest: string };

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    tenant = await createTenant(stack, 'Sessions');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function signIn(key: string, headers: Record<string, string> = {}) {
    const res = await send(stack.api.url, 'POST', '/api/v1/sessions', { body: JSON.stringify({ api_key: key }), headers });
    expect(res.status).toBe(201);
    return { cookie: cookieOf(res.setCookie), csrf: res.body.csrf_token as string, res };
  }

  it('exchanges an admin or read key for an HttpOnly, SameSite=Strict cookie, Secure when the request came over https', async () => {
    const { res, cookie } = await signIn(tenant.admin);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^ses_/),
      tenant_id: tenant.id,
      scope: 'admin',
      key_prefix: tenant.admin.slice(0, 20),
      key_name: 'default admin key',
      expires_at: expect.any(String),
      csrf_token: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The default lifetime: 12 hours.
    expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(11.9 * 3_600_000);
    const set = res.setCookie.find((c) => c.startsWith('herald_session='))!;
    expect(set).toMatch(/; Path=\/api\/v1; HttpOnly; SameSite=Strict; Max-Age=\d+; Expires=/);
    expect(set).not.toMatch(/Secure/);
    expect(cookie).toMatch(/^herald_session=herald_session_[A-Za-z0-9_-]{43}$/);
    // The token is not in the answer's body, only in the cookie.
    expect(JSON.stringify(res.body)).not.toContain(cookie.split('=')[1]);

    const behindTls = await signIn(tenant.read, { 'x-forwarded-proto': 'https' });
    expect(behindTls.res.body.scope).toBe('read');
    expect(behindTls.res.setCookie.find((c) => c.startsWith('herald_session='))).toMatch(/; Secure; Max-Age=/);
  });

  it('refuses an unknown or revoked key (401) and an ingest key (403), and a malformed body (400)', async () => {
    expectError(await send(stack.api.url, 'POST', '/api/v1/sessions', { body: JSON.stringify({ api_key: 'herald_admin_nope' }) }), 401, 'unauthorized');
    expectError(await send(stack.api.url, 'POST', '/api/v1/sessions', { body: JSON.stringify({ api_key: tenant.ingest }) }), 403, 'forbidden');
    const bad = await send(stack.api.url, 'POST', '/api/v1/sessions', { body: JSON.stringify({ key: tenant.admin }) });
    expect(expectError(bad, 400, 'validation_failed').map((d) => d.path)).toEqual(expect.arrayContaining(['api_key', 'key']));
  });

  it('authenticates reads with the cookie alone and writes only with the CSRF token too, refused before the body is judged', async () => {
    const { cookie, csrf } = await signIn(tenant.admin);
    const list = await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie });
    expect(list.status).toBe(200);
    expect((await send(stack.api.url, 'GET', '/api/v1/sessions/current', { cookie })).body.csrf_token).toBe(csrf);

    // Every admin write route of the api, whatever the body: 403 without the token.
    const doc = (await call(stack.api.url, 'GET', '/api/v1/openapi.json')).body as { paths: Record<string, Record<string, { security: object[] }>> };
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method, op]) => method !== 'get' && op.security.some((s) => 'sessionCookie' in s))
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{\w+\}/g, 'x_1') })),
    );
    expect(writes.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const route of writes) {
      for (const [token, body] of [[undefined, '{"name": '], ['0'.repeat(64), '{"name": '], [undefined, '{}']] as const) {
        const res = await send(stack.api.url, route.method, route.path, { cookie, body, headers: token ? { 'x-csrf-token': token } : {} });
        if (res.status !== 403 || !/CSRF/.test(res.body?.error?.message)) failures.push(`${route.method} ${route.path}: ${res.status}`);
      }
    }
    expect(failures).toEqual([]);

    const created = await send(stack.api.url, 'POST', '/api/v1/event-types', { cookie, headers: { 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'via.cookie' }) });
    expect(created.status).toBe(201);
    // With the token, the body is judged as usual.
    const malformed = await send(stack.api.url, 'POST', '/api/v1/event-types', { cookie, headers: { 'x-csrf-token': csrf }, body: '{"name": ' });
    expectError(malformed, 400, 'validation_failed');
  });

  it("gives a read key's session the read scope: writes are 403 even with the token", async () => {
    const { cookie, csrf } = await signIn(tenant.read);
    expect((await send(stack.api.url, 'GET', '/api/v1/event-types', { cookie })).status).toBe(200);
    const write = await send(stack.api.url, 'POST', '/api/v1/event-types', { cookie, headers: { 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'read.nope' }) });
    expectError(write, 403, 'forbidden');
    expectError(await send(stack.api.url, 'GET', '/api/v1/api-keys', { cookie }), 403, 'forbidden');
  });

  it('lets a bearer key win over a cookie, and needs no CSRF token then', async () => {
    const { cookie } = await signIn(tenant.read);
    const res = await send(stack.api.url, 'POST', '/api/v1/event-types', {
      cookie,
      headers: { authorization: `Bearer ${tenant.admin}` },
      body: JSON.stringify({ name: 'bearer.wins' }),
    });
    expect(res.status).toBe(201);
    // A bearer request has no session to show.
    expectError(await send(stack.api.url, 'GET', '/api/v1/sessions/current', { headers: { authorization: `Bearer ${tenant.admin}` } }), 404, 'not_found');
  });

  it('ends a session on sign-out, on expiry, and when its key is revoked', async () => {
    const out = await signIn(tenant.admin);
    expectError(await send(stack.api.url, 'DELETE', '/api/v1/sessions/current', { cookie: out.cookie }), 403, 'forbidden');
    const ended = await send(stack.api.url, 'DELETE', '/api/v1/sessions/current', { cookie: out.cookie, headers: { 'x-csrf-token': out.csrf } });
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ id: expect.stringMatching(/^ses_/), signed_out: true });
    expect(ended.setCookie[0]).toMatch(/^herald_session=; Path=\/api\/v1; HttpOnly; SameSite=Strict; Max-Age=0/);
    expectError(await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie: out.cookie }), 401, 'unauthorized');

    const expiring = await signIn(tenant.admin);
    await stack.db.$executeRaw`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = ${(await send(stack.api.url, 'GET', '/api/v1/sessions/current', { cookie: expiring.cookie })).body.id}`;
    expectError(await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie: expiring.cookie }), 401, 'unauthorized');

    const key = await call(stack.api.url, 'POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope: 'read', name: 'dashboard' } });
    const revoked = await signIn(key.body.key);
    expect((await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie: revoked.cookie })).status).toBe(200);
    expect((await call(stack.api.url, 'DELETE', `/api/v1/api-keys/${key.body.id}`, { token: tenant.admin })).status).toBe(200);
    expectError(await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie: revoked.cookie }), 401, 'unauthorized');
    expectError(await send(stack.api.url, 'POST', '/api/v1/sessions', { body: JSON.stringify({ api_key: key.body.key }) }), 401, 'unauthorized');
  });

  it('refuses a forged session token', async () => {
    const forged = `herald_session=herald_session_${'A'.repeat(43)}`;
    expectError(await send(stack.api.url, 'GET', '/api/v1/endpoints', { cookie: forged }), 401, 'unauthorized');
  });
});

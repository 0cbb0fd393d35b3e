import { randomBytes } from 'node:crypto';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Every run of `size` characters of a value (the value itself when shorter). */
function windows(value: string, size: number): string[] {
  if (value.length <= size) return [value];
  return Array.from({ length: value.length - size + 1 }, (_, i) => value.slice(i, i + size));
}

/**
 * Runs everything that handles a secret, at LOG_LEVEL=debug, then looks for
 * every secret it saw in every log line of the three services.
 */
describe('no secret, key or signature reaches the logs', () => {
  let stack: Stack;
  let good: Receiver;
  let failing: Receiver;
  /** Every secret value seen during the run, with where it came from. */
  const secrets = new Map<string, string>();
  const remember = (what: string, value: string | undefined | null) => {
    if (!value) throw new Error(`expected a value for ${what}`);
    secrets.set(value, what);
  };
  /** A signing secret, and the base64 of its bytes on its own. */
  const rememberSigningSecret = (what: string, secret: string) => {
    remember(what, secret);
    remember(`${what} (base64 part)`, secret.slice('whsec_'.length));
  };
  /** The whole `webhook-signature` header, each `v1,...` in it and each signature's base64 on its own. */
  const rememberSignatures = (request: ReceivedRequest) => {
    const header = request.headers['webhook-signature'] as string;
    remember('webhook-signature header', header);
    for (const part of header.split(' ')) {
      remember('one signature', part);
      remember('signature base64', part.slice('v1,'.length));
    }
  };

  beforeAll(async () => {
    stack = await startStack({ LOG_LEVEL: 'debug' });
    good = await startReceiver();
    // A receiver that fails and echoes what it got, signatures included, into its answer.
    failing = await startReceiver((req) => ({ status: 500, body: JSON.stringify(req.headers) }));
  });
  afterAll(async () => {
    await good?.close();
    await failing?.close();
    await stack?.stop();
  });

  it('keeps the root token (also sent in a path, a query or an X-Request-Id), API keys, signing secrets, signatures and endpoint header secrets out of every log line', async () => {
    const api = (method: string, path: string, options?: Parameters<typeof call>[3]) => call(stack.api.url, method, path, options);
    const ingest = (token: string, body: unknown) => call(stack.ingest.url, 'POST', '/api/v1/events', { token, body });
    remember('root token', stack.rootToken);

    const tenant = await createTenant(stack, 'Secretive');
    remember('tenant admin key', tenant.admin);
    remember('tenant read key', tenant.read);
    remember('tenant ingest key', tenant.ingest);

    const ingestKey = await api('POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope: 'ingest', name: 'billing' } });
    remember('created ingest key', ingestKey.body.key);
    const adminKey = await api('POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope: 'admin', name: 'ops' } });
    remember('created admin key', adminKey.body.key);

    expect((await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'invoice.paid' } })).status).toBe(201);
    const receiverToken = `recv_${randomBytes(16).toString('hex')}`;
    const headerSecret = `hdr_${randomBytes(16).toString('hex')}`;
    remember("endpoint's own Authorization header", `Bearer ${receiverToken}`);
    remember("endpoint's own Authorization token", receiverToken);
    remember("endpoint's own secret header", headerSecret);
    const ok = await api('POST', '/api/v1/endpoints', {
      token: adminKey.body.key,
      body: {
        url: `${good.url}/ok`,
        events: ['invoice.paid'],
        headers: { Authorization: `Bearer ${receiverToken}`, 'X-Shared-Secret': headerSecret },
      },
    });
    expect(ok.status).toBe(201);
    rememberSigningSecret('signing secret', ok.body.signing_secret);
    const bad = await api('POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${failing.url}/fail`, events: ['invoice.paid'], max_attempts: 3 },
    });
    expect(bad.status).toBe(201);
    rememberSigningSecret('signing secret of the failing endpoint', bad.body.signing_secret);

    // Deliveries: one that succeeds, one that fails until dead.
    expect((await ingest(ingestKey.body.key, { event_type: 'invoice.paid', payload: { n: 1 } })).status).toBe(202);
    await good.waitFor(1);
    await failing.waitFor(3);

    // Rotation: deliveries now carry two signatures.
    const rotated = await api('POST', `/api/v1/endpoints/${ok.body.id}/rotate-secret`, {
      token: tenant.admin,
      body: { overlap_seconds: 3600 },
    });
    expect(rotated.status).toBe(200);
    rememberSigningSecret('rotated signing secret', rotated.body.signing_secret);
    expect((await ingest(tenant.ingest, { event_type: 'invoice.paid', payload: { n: 2 } })).status).toBe(202);
    await good.waitFor(2);
    expect((good.requests[1]!.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);

    // Test sends, one delivered and one failing.
    const tested = await api('POST', `/api/v1/endpoints/${ok.body.id}/test`, { token: tenant.admin, body: {} });
    expect(tested.body.delivered).toBe(true);
    const testFailed = await api('POST', `/api/v1/endpoints/${bad.body.id}/test`, { token: tenant.admin, body: {} });
    expect(testFailed.body.delivered).toBe(false);

    // A replay of a dead delivery fails three more times: 3 + 3 (second event) + 1 (test) + 3.
    const dead = await eventually(async () => {
      const res = await api('GET', `/api/v1/outbox?status=dead&endpoint_id=${bad.body.id}`, { token: tenant.read });
      return res.body.data.find((d: { attempts: number }) => d.attempts === 3);
    });
    expect((await api('POST', `/api/v1/outbox/${dead.id}/replay`, { token: tenant.admin })).status).toBe(202);
    await failing.waitFor(10);
    // The outbox shows the tenant what was sent (its own signatures): that is the API, not a log.
    expect((await api('GET', `/api/v1/outbox/${dead.id}`, { token: tenant.read })).status).toBe(200);

    // Wrong and misplaced credentials.
    const revoke = await api('DELETE', `/api/v1/api-keys/${ingestKey.body.id}`, { token: tenant.admin });
    expect(revoke.status).toBe(200);
    const forged = `herald_admin_${randomBytes(32).toString('base64url')}`;
    remember('forged key', forged);
    const wrong: [string, string, Parameters<typeof call>[3]][] = [
      [stack.ingest.url, '/api/v1/events', { token: ingestKey.body.key, body: { event_type: 'invoice.paid', payload: {} } }],
      [stack.api.url, '/api/v1/endpoints', { token: forged }],
      [stack.api.url, '/api/v1/endpoints', { headers: { authorization: tenant.admin } }],
      [stack.api.url, '/api/v1/endpoints', { headers: { authorization: `Basic ${tenant.admin}` } }],
      [stack.api.url, '/api/v1/endpoints', { token: stack.rootToken }],
      [stack.api.url, '/api/v1/tenants', { token: tenant.admin }],
      [stack.api.url, '/api/v1/tenants', { token: `${stack.rootToken.slice(0, -1)}x` }],
      [stack.api.url, `/api/v1/endpoints/${tenant.admin}`, { token: tenant.read }],
      [stack.api.url, `/api/v1/event-types/${tenant.ingest}`, { token: forged }],
      [stack.api.url, `/api/v1/endpoints?api_key=${tenant.admin}&token=${stack.rootToken}`, {}],
      [stack.api.url, `/api/v1/endpoints/${encodeURIComponent(rotated.body.signing_secret)}`, { token: tenant.read }],
      [stack.api.url, `/api/v1/endpoints/${encodeURIComponent(good.requests[0]!.headers['webhook-signature'] as string)}`, { token: tenant.read }],
      [stack.api.url, '/api/v1/endpoints', { token: tenant.admin, body: { url: `${good.url}/x?secret=${headerSecret}`, events: ['nope.nope'] } }],
      [stack.api.url, '/api/v1/event-types', { token: tenant.admin, body: `{"name":"${tenant.read}` }],
    ];
    for (const [base, path, options] of wrong) {
      const method = options?.body === undefined ? 'GET' : 'POST';
      const res = await call(base, method, path, { ...options, headers: { 'content-type': 'application/json', ...options?.headers } });
      expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({ path, status: true });
    }

    // The root token where it does not belong: in a path, a query string, an X-Request-Id.
    const misplacedRoot: [string, Parameters<typeof call>[3]][] = [
      [`/api/v1/${stack.rootToken}`, {}],
      [`/api/v1/endpoints/${stack.rootToken}`, { token: tenant.read }],
      [`/api/v1/tenants/${encodeURIComponent(stack.rootToken)}/keys`, { token: stack.rootToken }],
      [`/api/v1/endpoints?cursor=${stack.rootToken}`, { token: tenant.read }],
      [`/api/v1/outbox?since=${stack.rootToken}`, { token: tenant.read }],
      ['/api/v1/endpoints', { token: tenant.read, headers: { 'x-request-id': stack.rootToken } }],
      ['/api/v1/tenants', { token: stack.rootToken, headers: { 'x-request-id': stack.rootToken } }],
      ['/api/v1/nowhere', { headers: { 'x-request-id': stack.rootToken } }],
    ];
    for (const [path, options] of misplacedRoot) {
      const res = await call(stack.api.url, 'GET', path, options);
      expect({ path, status: res.status < 500 }).toEqual({ path, status: true });
    }

    // Every signature a receiver got (the failing receiver's too).
    for (const request of [...good.requests, ...failing.requests]) rememberSignatures(request);
    expect(good.requests).toHaveLength(3);
    expect(failing.requests).toHaveLength(10);
    // Endpoint headers reached the receiver, so they passed through Herald.
    expect(good.requests[0]!.headers['x-shared-secret']).toBe(headerSecret);

    // Winston writes asynchronously: wait until the last request's line is in.
    await new Promise((r) => setTimeout(r, 300));
    const logs = stack.logs.join('\n');
    // The run logged plenty, at debug level, including the failing attempts and the 401s.
    expect(stack.logs.length).toBeGreaterThan(30);
    expect(logs).toContain('"level":"debug"');
    expect(logs).toMatch(/"message":"attempt".*"status":"pending"/);
    expect(logs).toContain('"status":401');
    expect(logs).toContain('[redacted]');

    expect(secrets.size).toBeGreaterThan(30);
    // Any 16 characters in a row of a secret count: a partly redacted secret is still a leak.
    const leaked = [...secrets].filter(([value]) => windows(value, 16).some((w) => logs.includes(w))).map(([, what]) => what);
    expect(leaked).toEqual([]);
  });
});

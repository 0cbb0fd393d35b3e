import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const headersOf = (req: ReceivedRequest) => req.headers as Record<string, string>;

/** Whether a Standard Webhooks library accepts the request with this secret. */
function verifies(secret: string, req: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(req.body, headersOf(req));
    return true;
  } catch {
    return false;
  }
}

describe('endpoints: patch, delete, bulk, rotate-secret, test, stats, attempts', () => {
  let stack: Stack;
  let acme: Tenant;
  let other: Tenant;
  let otherEndpointId: string;
  const receivers: Receiver[] = [];

  const api = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) =>
    call(stack.api.url, method, path, { token, body, headers });

  async function receiver(handler?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(handler);
    receivers.push(r);
    return r;
  }

  async function createEndpoint(tenant: Tenant, body: Record<string, unknown>) {
    const res = await api('POST', '/api/v1/endpoints', tenant.admin, { events: ['*'], ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; signing_secret: string; [k: string]: unknown };
  }

  async function ingest(tenant: Tenant, eventType: string, payload: Record<string, unknown> = {}) {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: eventType, payload } });
    expect(res.status).toBe(202);
    return res.body as { event_id: string; deliveries: number };
  }

  async function outboxOf(tenant: Tenant, endpointId: string) {
    const res = await api('GET', `/api/v1/outbox?endpoint_id=${endpointId}`, tenant.read);
    expect(res.status).toBe(200);
    return res.body.data as { id: string; status: string; attempts: number; max_attempts: number; event_type: string }[];
  }

  beforeAll(async () => {
    stack = await startStack();
    acme = await createTenant(stack, 'Acme');
    other = await createTenant(stack, 'Other');
    for (const name of ['order.created', 'order.paid']) {
      expect((await api('POST', '/api/v1/event-types', acme.admin, { name })).status).toBe(201);
    }
    const sink = await receiver();
    otherEndpointId = (await createEndpoint(other, { url: sink.url })).id;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await stack?.stop();
  });

  describe('errors', () => {
    let endpointId: string;
    beforeAll(async () => {
      endpointId = (await createEndpoint(acme, { url: (await receiver()).url, name: 'errors' })).id;
    });

    const adminRoutes = (id: string): [string, string, unknown][] => [
      ['PATCH', `/api/v1/endpoints/${id}`, { name: 'x' }],
      ['DELETE', `/api/v1/endpoints/${id}`, undefined],
      ['POST', '/api/v1/endpoints/bulk', { action: 'disable', ids: [id] }],
      ['POST', `/api/v1/endpoints/${id}/rotate-secret`, {}],
      ['POST', `/api/v1/endpoints/${id}/test`, {}],
    ];
    const readRoutes = (id: string): [string, string][] => [
      ['GET', `/api/v1/endpoints/${id}/stats`],
      ['GET', `/api/v1/endpoints/${id}/attempts`],
    ];

    it('401 without a key, 403 with a read key on admin routes and an ingest key on read routes', async () => {
      for (const [method, path, body] of [...adminRoutes(endpointId), ...readRoutes(endpointId)]) {
        const res = await api(method, path, undefined, body);
        expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 401, 'unauthorized']);
      }
      for (const [method, path, body] of adminRoutes(endpointId)) {
        const res = await api(method, path, acme.read, body);
        expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, 'forbidden']);
      }
      for (const [method, path] of readRoutes(endpointId)) {
        const res = await api(method, path, acme.ingest);
        expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 403, 'forbidden']);
      }
      // Nothing was changed by the refused calls.
      expect((await api('GET', `/api/v1/endpoints/${endpointId}`, acme.read)).body).toMatchObject({ name: 'errors', enabled: true });
    });

    it("404 for an unknown id and for another tenant's endpoint, which stays untouched", async () => {
      for (const id of ['ep_01JH0000000000000000000000', otherEndpointId]) {
        for (const [method, path, body] of [...adminRoutes(id), ...readRoutes(id)]) {
          if (path.endsWith('/bulk')) continue;
          const res = await api(method, path, acme.admin, body);
          expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'not_found']);
        }
      }
      const theirs = await api('GET', `/api/v1/endpoints/${otherEndpointId}`, other.read);
      expect(theirs.status).toBe(200);
      expect(theirs.body).toMatchObject({ enabled: true, name: '' });
    });

    it('400 for malformed bodies and queries, with details paths', async () => {
      const cases: [string, string, unknown, string][] = [
        ['PATCH', `/api/v1/endpoints/${endpointId}`, { timeout_ms: 5 }, 'timeout_ms'],
        ['PATCH', `/api/v1/endpoints/${endpointId}`, { enabled: 'yes' }, 'enabled'],
        ['PATCH', `/api/v1/endpoints/${endpointId}`, { nope: 1 }, 'nope'],
        ['PATCH', `/api/v1/endpoints/${endpointId}`, { url: 42 }, 'url'],
        ['POST', '/api/v1/endpoints/bulk', { action: 'explode', ids: [endpointId] }, 'action'],
        ['POST', '/api/v1/endpoints/bulk', { action: 'enable', ids: [] }, 'ids'],
        ['POST', '/api/v1/endpoints/bulk', { action: 'enable', ids: Array.from({ length: 101 }, (_, i) => `ep_${i}`) }, 'ids'],
        ['POST', `/api/v1/endpoints/${endpointId}/rotate-secret`, { overlap_seconds: -1 }, 'overlap_seconds'],
        ['POST', `/api/v1/endpoints/${endpointId}/rotate-secret`, { overlap_seconds: 604801 }, 'overlap_seconds'],
        ['POST', `/api/v1/endpoints/${endpointId}/test`, { payload: 'hello' }, 'payload'],
        ['POST', `/api/v1/endpoints/${endpointId}/test`, { event_type: 'Bad Type' }, 'event_type'],
      ];
      for (const [method, path, body, detailPath] of cases) {
        const res = await api(method, path, acme.admin, body);
        expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 400, 'validation_failed']);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(detailPath);
      }
      for (const window of ['1y', '31d', '0h', 'abc', '-1h', '24']) {
        const res = await api('GET', `/api/v1/endpoints/${endpointId}/stats?window=${window}`, acme.read);
        expect([window, res.status, res.body.error.details[0].path]).toEqual([window, 400, 'window']);
      }
      for (const enabled of ['yes', '1', 'TRUE', '']) {
        const res = await api('GET', `/api/v1/endpoints?enabled=${enabled}`, acme.read);
        expect([enabled, res.status, res.body.error.details[0].path]).toEqual([enabled, 400, 'enabled']);
      }
      const twice = await api('GET', '/api/v1/endpoints?enabled=true&enabled=false', acme.read);
      expect(twice.status).toBe(400);
      const broken = await api('PATCH', `/api/v1/endpoints/${endpointId}`, acme.admin, '{"name": ', { 'content-type': 'application/json' });
      expect(broken.status).toBe(400);
      expect(broken.body.error.code).toBe('validation_failed');
    });

    it('422 for an unknown event type or a disallowed URL, 413 for a body over the limit', async () => {
      const unknownType = await api('PATCH', `/api/v1/endpoints/${endpointId}`, acme.admin, { events: ['order.created', 'lead.craeted'] });
      expect(unknownType.status).toBe(422);
      expect(unknownType.body.error.details).toEqual([{ path: 'events.1', message: "unknown event type 'lead.craeted'" }]);
      const privateUrl = await api('PATCH', `/api/v1/endpoints/${endpointId}`, acme.admin, { url: 'https://10.1.2.3/hook' });
      expect(privateUrl.status).toBe(422);
      expect(privateUrl.body.error.details[0].path).toBe('url');
      const metadataUrl = await api('PATCH', `/api/v1/endpoints/${endpointId}`, acme.admin, { url: 'http://169.254.169.254/latest' });
      expect(metadataUrl.status).toBe(422);
      const testType = await api('POST', `/api/v1/endpoints/${endpointId}/test`, acme.admin, { event_type: 'lead.created' });
      expect(testType.status).toBe(422);
      expect(testType.body.error.details).toEqual([{ path: 'event_type', message: "unknown event type 'lead.created'" }]);
      const huge = await api('PATCH', `/api/v1/endpoints/${endpointId}`, acme.admin, { description: 'x'.repeat(300 * 1024) });
      expect(huge.status).toBe(413);
      expect(huge.body.error.code).toBe('payload_too_large');
      // None of it was applied.
      const now = await api('GET', `/api/v1/endpoints/${endpointId}`, acme.read);
      expect(now.body).toMatchObject({ events: ['*'], description: '' });
      expect(now.body.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    });

    it('422 naming url for a URL refused for its scheme, form or length, on create and PATCH; 400 when url is not a string', async () => {
      const refused = [
        'file:///etc/passwd',
        'ftp://example.com/hook',
        'gopher://example.com/',
        'data:text/plain,hello',
        'javascript:alert(1)',
        'ws://127.0.0.1/socket',
        'not a url',
        `http://127.0.0.1/${'a'.repeat(2048)}`,
      ];
      const failures: string[] = [];
      for (const url of refused) {
        for (const [method, path] of [['POST', '/api/v1/endpoints'], ['PATCH', `/api/v1/endpoints/${endpointId}`]]) {
          const res = await api(method!, path!, acme.admin, { url, events: ['*'] });
          const paths = res.body?.error?.details?.map((d: { path: string }) => d.path);
          if (res.status !== 422 || res.body.error.code !== 'validation_failed' || paths.join() !== 'url') {
            failures.push(`${method} ${url.slice(0, 40)}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
          }
        }
      }
      expect(failures).toEqual([]);
      for (const url of [42, null, ['https://example.com/'], { href: 'https://example.com/' }]) {
        for (const [method, path] of [['POST', '/api/v1/endpoints'], ['PATCH', `/api/v1/endpoints/${endpointId}`]]) {
          const res = await api(method!, path!, acme.admin, { url, events: ['*'] });
          expect([method, url, res.status, res.body.error.details.map((d: { path: string }) => d.path)]).toEqual([method, url, 400, ['url']]);
        }
      }
      expect((await api('GET', `/api/v1/endpoints/${endpointId}`, acme.read)).body.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    });

    it('documents every new route in the OpenAPI document', async () => {
      const doc = await api('GET', '/api/v1/openapi.json');
      const paths = doc.body.paths as Record<string, Record<string, unknown>>;
      expect(Object.keys(paths['/api/v1/endpoints/{id}']!).sort()).toEqual(['delete', 'get', 'patch']);
      for (const [path, method] of [
        ['/api/v1/endpoints/bulk', 'post'],
        ['/api/v1/endpoints/{id}/rotate-secret', 'post'],
        ['/api/v1/endpoints/{id}/test', 'post'],
        ['/api/v1/endpoints/{id}/stats', 'get'],
        ['/api/v1/endpoints/{id}/attempts', 'get'],
      ] as const) {
        expect(paths[path]?.[method]).toMatchObject({ responses: expect.objectContaining({ 200: expect.anything() }) });
      }
    });
  });

  describe('PATCH', () => {
    it('changes the fields given, keeps the others, and the next delivery uses them', async () => {
      const before = await receiver();
      const after = await receiver();
      const ep = await createEndpoint(acme, { url: before.url, name: 'crm', events: ['order.created'], headers: { 'X-Team': 'crm' } });
      const res = await api('PATCH', `/api/v1/endpoints/${ep.id}`, acme.admin, {
        url: `${after.url}/v2`,
        description: 'moved',
        events: ['order.*'],
        headers: { 'X-Team': 'billing' },
        max_attempts: 3,
        rate_limit_per_second: 50,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: ep.id,
        url: `${after.url}/v2`,
        name: 'crm',
        description: 'moved',
        events: ['order.*'],
        headers: { 'X-Team': 'billing' },
        max_attempts: 3,
        rate_limit_per_second: 50,
        timeout_ms: 10000,
        enabled: true,
        signing_secret_prefix: ep.signing_secret.slice(0, 12),
      });
      expect(res.body).not.toHaveProperty('signing_secret');
      expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(ep.updated_at as string));
      expect((await api('GET', `/api/v1/endpoints/${ep.id}`, acme.read)).body).toEqual(res.body);

      await ingest(acme, 'order.paid', { n: 1 });
      const [req] = await after.waitFor(1);
      expect(req!.path).toBe('/v2');
      expect(req!.headers['x-team']).toBe('billing');
      expect(verifies(ep.signing_secret, req!)).toBe(true);
      expect(before.requests).toHaveLength(0);
    });

    it('enabled: false disables by hand (pending deliveries become dead, nothing more is sent); enabled: true clears the reason', async () => {
      const failing = await receiver(() => ({ status: 500, body: 'down' }));
      const ep = await createEndpoint(acme, { url: failing.url, events: ['order.created'], max_attempts: 50 });
      await ingest(acme, 'order.created', { n: 2 });
      await failing.waitFor(2);

      const off = await api('PATCH', `/api/v1/endpoints/${ep.id}`, acme.admin, { enabled: false });
      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, disabled_reason: 'manual' });
      const [delivery] = await outboxOf(acme, ep.id);
      expect(delivery).toMatchObject({ status: 'dead' });
      await sleep(200); // an attempt already on the wire may still land
      const seen = failing.requests.length;
      await sleep(1000); // retries were every <= 400 ms
      expect(failing.requests).toHaveLength(seen);
      expect((await api('GET', '/api/v1/endpoints?enabled=false', acme.read)).body.data.map((e: { id: string }) => e.id)).toContain(ep.id);
      expect((await api('GET', '/api/v1/endpoints?enabled=true', acme.read)).body.data.map((e: { id: string }) => e.id)).not.toContain(ep.id);

      // As if the worker had disabled it for failing: re-enabling clears reason and failure run.
      await stack.db.endpoint.update({ where: { id: ep.id }, data: { disabledReason: 'failing', firstFailureAt: new Date(Date.now() - 60_000) } });
      const stillOff = await api('PATCH', `/api/v1/endpoints/${ep.id}`, acme.admin, { enabled: false });
      expect(stillOff.body).toMatchObject({ enabled: false, disabled_reason: 'failing' });
      const on = await api('PATCH', `/api/v1/endpoints/${ep.id}`, acme.admin, { enabled: true });
      expect(on.status).toBe(200);
      expect(on.body).toMatchObject({ enabled: true, disabled_reason: null });
      expect((await stack.db.endpoint.findUniqueOrThrow({ where: { id: ep.id } })).firstFailureAt).toBeNull();
      // Enabled again: new events reach it.
      failing.reply(() => ({ status: 204 }));
      const count = failing.requests.length;
      await ingest(acme, 'order.created', { n: 3 });
      await failing.waitFor(count + 1);
    });
  });

  describe('DELETE', () => {
    it('cancels pending deliveries and nothing more is sent; the endpoint is gone for every route', async () => {
      const failing = await receiver(() => ({ status: 500 }));
      const ep = await createEndpoint(acme, { url: failing.url, events: ['order.paid'], max_attempts: 50 });
      await ingest(acme, 'order.paid', { n: 4 });
      await failing.waitFor(2);

      const res = await api('DELETE', `/api/v1/endpoints/${ep.id}`, acme.admin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: ep.id, deleted: true });
      const [delivery] = await outboxOf(acme, ep.id);
      expect(delivery).toMatchObject({ status: 'cancelled' });
      await sleep(200);
      const seen = failing.requests.length;
      await sleep(1000);
      expect(failing.requests).toHaveLength(seen);

      // New events are not fanned out to it either.
      await ingest(acme, 'order.paid', { n: 5 });
      await sleep(300);
      expect(failing.requests).toHaveLength(seen);
      expect((await api('GET', `/api/v1/endpoints/${ep.id}`, acme.read)).status).toBe(404);
      expect((await api('DELETE', `/api/v1/endpoints/${ep.id}`, acme.admin)).status).toBe(404);
      expect((await api('PATCH', `/api/v1/endpoints/${ep.id}`, acme.admin, { enabled: true })).status).toBe(404);
      expect((await api('GET', '/api/v1/endpoints?limit=100', acme.read)).body.data.map((e: { id: string }) => e.id)).not.toContain(ep.id);
    });
  });

  describe('bulk', () => {
    it('acts on each id alone, in input order, refusing unknown and foreign ids', async () => {
      const sink = await receiver();
      const [a, b, c] = [
        await createEndpoint(acme, { url: sink.url, name: 'a' }),
        await createEndpoint(acme, { url: sink.url, name: 'b' }),
        await createEndpoint(acme, { url: sink.url, name: 'c' }),
      ];
      const notFound = (id: string) => ({
        id,
        ok: false,
        error: { code: 'not_found', message: expect.stringContaining(id), details: [] },
      });

      const off = await api('POST', '/api/v1/endpoints/bulk', acme.admin, {
        action: 'disable',
        ids: [a!.id, 'ep_nope', otherEndpointId, a!.id, b!.id],
      });
      expect(off.status).toBe(200);
      expect(off.body).toEqual({
        results: [{ id: a!.id, ok: true }, notFound('ep_nope'), notFound(otherEndpointId), { id: a!.id, ok: true }, { id: b!.id, ok: true }],
      });
      for (const ep of [a!, b!]) {
        expect((await api('GET', `/api/v1/endpoints/${ep.id}`, acme.read)).body).toMatchObject({ enabled: false, disabled_reason: 'manual' });
      }
      expect((await api('GET', `/api/v1/endpoints/${c!.id}`, acme.read)).body.enabled).toBe(true);
      expect((await api('GET', `/api/v1/endpoints/${otherEndpointId}`, other.read)).body.enabled).toBe(true);

      const on = await api('POST', '/api/v1/endpoints/bulk', acme.admin, { action: 'enable', ids: [a!.id, c!.id] });
      expect(on.body.results).toEqual([{ id: a!.id, ok: true }, { id: c!.id, ok: true }]);
      expect((await api('GET', `/api/v1/endpoints/${a!.id}`, acme.read)).body).toMatchObject({ enabled: true, disabled_reason: null });

      const del = await api('POST', '/api/v1/endpoints/bulk', acme.admin, { action: 'delete', ids: [b!.id, c!.id, b!.id] });
      expect(del.body.results).toEqual([{ id: b!.id, ok: true }, { id: c!.id, ok: true }, { id: b!.id, ok: true }]);
      const again = await api('POST', '/api/v1/endpoints/bulk', acme.admin, { action: 'delete', ids: [c!.id, a!.id] });
      expect(again.body.results).toEqual([notFound(c!.id), { id: a!.id, ok: true }]);
      for (const ep of [a!, b!, c!]) expect((await api('GET', `/api/v1/endpoints/${ep.id}`, acme.read)).status).toBe(404);
    });
  });

  describe('rotate-secret', () => {
    it('signs with both secrets during the overlap, then only with the new one', async () => {
      const sink = await receiver();
      const ep = await createEndpoint(acme, { url: sink.url, events: ['order.paid'] });
      const s1 = ep.signing_secret;
      const signatures = (req: ReceivedRequest) => headersOf(req)['webhook-signature']!.split(' ');
      const deliverOne = async () => {
        const count = sink.requests.length;
        const { event_id } = await ingest(acme, 'order.paid', { at: Date.now() });
        const reqs = await sink.waitFor(count + 1);
        expect(headersOf(reqs[count]!)['webhook-id']).toBe(event_id);
        return reqs[count]!;
      };

      const before = Date.now();
      const r1 = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, acme.admin, { overlap_seconds: 3600 });
      expect(r1.status).toBe(200);
      const s2 = r1.body.signing_secret as string;
      expect(r1.body).toEqual({
        id: ep.id,
        signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
        signing_secret_prefix: s2.slice(0, 12),
        signing_public_key: null,
        previous_secret_expires_at: expect.any(String),
        _warning: 'Save this signing_secret now. It will not be shown again.',
      });
      expect(s2).not.toBe(s1);
      const expires = Date.parse(r1.body.previous_secret_expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);
      expect((await api('GET', `/api/v1/endpoints/${ep.id}`, acme.read)).body.signing_secret_prefix).toBe(s2.slice(0, 12));

      const during = await deliverOne();
      expect(signatures(during)).toHaveLength(2);
      expect(verifies(s1, during)).toBe(true);
      expect(verifies(s2, during)).toBe(true);
      expect(verifies(`whsec_${Buffer.alloc(24, 7).toString('base64')}`, during)).toBe(false);

      // Rotating again during the overlap: s2 becomes the previous one, s1 is dropped.
      const r2 = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, acme.admin, { overlap_seconds: 1 });
      const s3 = r2.body.signing_secret as string;
      const second = await deliverOne();
      expect(signatures(second)).toHaveLength(2);
      expect([verifies(s1, second), verifies(s2, second), verifies(s3, second)]).toEqual([false, true, true]);

      await sleep(Math.max(0, Date.parse(r2.body.previous_secret_expires_at) - Date.now()) + 100);
      const afterOverlap = await deliverOne();
      expect(signatures(afterOverlap)).toHaveLength(1);
      expect([verifies(s2, afterOverlap), verifies(s3, afterOverlap)]).toEqual([false, true]);

      // Without an overlap (the default is a day; 0 drops the old secret at once).
      const r3 = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, acme.admin, { overlap_seconds: 0 });
      expect(r3.body.previous_secret_expires_at).toBeNull();
      const s4 = r3.body.signing_secret as string;
      const noOverlap = await deliverOne();
      expect(signatures(noOverlap)).toHaveLength(1);
      expect([verifies(s3, noOverlap), verifies(s4, noOverlap)]).toEqual([false, true]);

      const byDefault = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, acme.admin);
      expect(Date.parse(byDefault.body.previous_secret_expires_at) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
    });
  });

  describe('test send', () => {
    it('makes one signed attempt now, recorded in the attempts and the outbox, never queued', async () => {
      const sink = await receiver(() => ({ status: 200, body: 'pong' }));
      const ep = await createEndpoint(acme, { url: `${sink.url}/in`, events: ['order.created'], headers: { 'X-Team': 'qa' } });

      const res = await api('POST', `/api/v1/endpoints/${ep.id}/test`, acme.admin, {});
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ delivered: true, response_status: 200, latency_ms: expect.any(Number), response_body: 'pong', error: null });
      expect(sink.requests).toHaveLength(1);
      const req = sink.requests[0]!;
      expect(req.path).toBe('/in');
      expect(verifies(ep.signing_secret, req)).toBe(true);
      const envelope = JSON.parse(req.body);
      expect(envelope).toEqual({
        schema_version: '2026-12-01',
        event_id: expect.stringMatching(/^evt_/),
        event_type: 'webhook.test',
        created_at: expect.any(String),
        environment: null,
        tenant: { id: acme.id, name: 'Acme', external_id: null },
        endpoint_id: ep.id,
        payload: {},
      });
      expect(headersOf(req)).toMatchObject({
        'webhook-id': envelope.event_id,
        'x-herald-event': 'webhook.test',
        'x-herald-attempt': '1',
        'x-team': 'qa',
        'user-agent': expect.stringMatching(/^Herald\/\d+\.\d+\.\d+$/),
      });

      const attempts = await api('GET', `/api/v1/endpoints/${ep.id}/attempts`, acme.read);
      expect(attempts.status).toBe(200);
      expect(attempts.body).toEqual({
        data: [
          {
            id: expect.stringMatching(/^att_/),
            delivery_id: expect.stringMatching(/^dlv_/),
            event_id: envelope.event_id,
            event_type: 'webhook.test',
            attempt: 1,
            status: 'succeeded',
            response_status: 200,
            latency_ms: res.body.latency_ms,
            error: null,
            created_at: expect.stringMatching(/Z$/),
          },
        ],
        next_cursor: null,
      });
      expect(await outboxOf(acme, ep.id)).toEqual([
        expect.objectContaining({
          id: attempts.body.data[0].delivery_id,
          event_type: 'webhook.test',
          status: 'delivered',
          attempts: 1,
          max_attempts: 1,
          next_attempt_at: null,
        }),
      ]);

      // A registered type with a payload; then a failing receiver: one attempt, not retried, dead.
      const typed = await api('POST', `/api/v1/endpoints/${ep.id}/test`, acme.admin, { event_type: 'order.paid', payload: { id: 'o_1' } });
      expect(typed.body.delivered).toBe(true);
      expect(JSON.parse(sink.requests[1]!.body)).toMatchObject({ event_type: 'order.paid', payload: { id: 'o_1' } });

      sink.reply(() => ({ status: 503, headers: { 'retry-after': '0' }, body: 'maintenance' }));
      const failed = await api('POST', `/api/v1/endpoints/${ep.id}/test`, acme.admin, {});
      expect(failed.body).toEqual({ delivered: false, response_status: 503, latency_ms: expect.any(Number), response_body: 'maintenance', error: 'HTTP 503' });
      await sleep(500);
      expect(sink.requests).toHaveLength(3);
      const [newest] = await outboxOf(acme, ep.id);
      expect(newest).toMatchObject({ status: 'dead', attempts: 1, max_attempts: 1 });
      const latest = await api('GET', `/api/v1/endpoints/${ep.id}/attempts?limit=1`, acme.read);
      expect(latest.body.data[0]).toMatchObject({ status: 'failed', response_status: 503, error: 'HTTP 503', delivery_id: newest!.id });
      expect(latest.body.next_cursor).toEqual(expect.any(String));
    });

    it('works on a disabled endpoint and reports an unreachable one without throwing', async () => {
      const sink = await receiver();
      const ep = await createEndpoint(acme, { url: sink.url, enabled: false });
      const res = await api('POST', `/api/v1/endpoints/${ep.id}/test`, acme.admin, { payload: { hello: 'world' } });
      expect(res.body).toMatchObject({ delivered: true, response_status: 200 });
      expect(sink.requests).toHaveLength(1);

      const gone = await receiver();
      const dead = await createEndpoint(acme, { url: gone.url });
      await gone.close();
      const unreachable = await api('POST', `/api/v1/endpoints/${dead.id}/test`, acme.admin, {});
      expect(unreachable.status).toBe(200);
      expect(unreachable.body).toMatchObject({ delivered: false, response_status: null, response_body: null, error: expect.stringMatching(/ECONNREFUSED/) });
    });
  });

  describe('stats and attempts', () => {
    it('counts deliveries, failed attempts, pending, success rate and latency percentiles', async () => {
      const sink = await receiver((req) => {
        const { payload } = JSON.parse(req.body);
        if (payload.kind === 'fail') return { status: 500, body: 'no' };
        if (payload.kind === 'slow') return { status: 200, delayMs: 1500 };
        return { status: 200 };
      });
      const ep = await createEndpoint(acme, { url: sink.url, events: ['order.created'], max_attempts: 2 });
      const stats = async (window = '24h') => {
        const res = await api('GET', `/api/v1/endpoints/${ep.id}/stats?window=${window}`, acme.read);
        expect(res.status).toBe(200);
        return res.body;
      };
      expect(await stats()).toEqual({
        window: '24h',
        delivered: 0,
        failed_attempts: 0,
        pending: 0,
        dead: 0,
        success_rate: null,
        p50_latency_ms: null,
        p99_latency_ms: null,
      });

      await ingest(acme, 'order.created', { kind: 'ok' });
      await ingest(acme, 'order.created', { kind: 'ok' });
      await ingest(acme, 'order.created', { kind: 'fail' });
      await eventually(async () => {
        const s = await stats();
        return s.delivered === 2 && s.dead === 1 && s.failed_attempts === 2;
      });
      await ingest(acme, 'order.created', { kind: 'slow' });
      await sink.waitFor(5);
      // The slow one is on the wire: its delivery is pending.
      expect((await stats()).pending).toBe(1);

      const done = await eventually(async () => {
        const s = await stats('15m');
        return s.delivered === 3 ? s : null;
      });
      expect(done).toEqual({
        window: '15m',
        delivered: 3,
        failed_attempts: 2,
        pending: 0,
        dead: 1,
        success_rate: 0.6,
        p50_latency_ms: expect.any(Number),
        p99_latency_ms: expect.any(Number),
      });
      expect(Number.isInteger(done.p50_latency_ms) && Number.isInteger(done.p99_latency_ms)).toBe(true);
      expect(done.p50_latency_ms).toBeLessThan(1000);
      expect(done.p99_latency_ms).toBeGreaterThanOrEqual(1400);
      expect(await stats('7d')).toMatchObject({ delivered: 3, dead: 1, failed_attempts: 2 });

      // Attempts, newest first, page by page.
      const seen: { id: string; event_type: string; status: string; attempt: number }[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { data: typeof seen; next_cursor: string | null } } = await api(
          'GET',
          `/api/v1/endpoints/${ep.id}/attempts?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          acme.read,
        );
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data);
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(5);
      expect(seen.map((a) => a.id)).toEqual([...seen.map((a) => a.id)].sort().reverse());
      expect(seen.every((a) => a.event_type === 'order.created')).toBe(true);
      expect(seen.filter((a) => a.status === 'failed').map((a) => a.attempt).sort()).toEqual([1, 2]);
      expect((await api('GET', `/api/v1/endpoints/${ep.id}/attempts?limit=0`, acme.read)).status).toBe(400);
    });
  });

  it('answered no request above with a 500 and logged no secret', () => {
    const requests = stack.logs.filter((l) => l.includes('"message":"request"')).map((l) => JSON.parse(l) as { status: number; path: string });
    expect(requests.length).toBeGreaterThan(50);
    expect(requests.filter((r) => r.status >= 500)).toEqual([]);
    expect(stack.logs.filter((l) => /whsec_/.test(l))).toEqual([]);
  });
});

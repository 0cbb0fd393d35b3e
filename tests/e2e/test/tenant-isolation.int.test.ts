import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { expectError } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** One tenant with one of everything, its event delivered. */
interface World {
  label: string;
  tenant: Awaited<ReturnType<typeof createTenant>>;
  eventType: string;
  endpoint: { id: string; url: string; name: string };
  apiKey: { id: string; key: string };
  eventId: string;
  deliveryId: string;
  receiver: Receiver;
}

/**
 * Every api route that takes an id in its path. B's admin key on A's id must
 * get 404 (never 403) and change nothing of A's. Adding a route is one line;
 * the last test fails while a route of the OpenAPI document is missing here.
 * `{id}` means the resource of the segment before it; a body is sent as is.
 */
const ID_ROUTES: [method: string, path: string, body?: unknown][] = [
  ['GET', '/api/v1/event-types/{name}'],
  ['PATCH', '/api/v1/event-types/{name}', { description: 'changed by B', schema: { type: 'object', required: ['b'] } }],
  ['DELETE', '/api/v1/event-types/{name}'],
  ['GET', '/api/v1/endpoints/{id}'],
  ['PATCH', '/api/v1/endpoints/{id}', { name: 'changed by B', enabled: false, url: 'http://127.0.0.1:9/stolen' }],
  ['DELETE', '/api/v1/endpoints/{id}'],
  ['POST', '/api/v1/endpoints/{id}/rotate-secret', { overlap_seconds: 0 }],
  ['POST', '/api/v1/endpoints/{id}/test', {}],
  ['GET', '/api/v1/endpoints/{id}/stats'],
  ['GET', '/api/v1/endpoints/{id}/stats/hourly'],
  ['GET', '/api/v1/endpoints/{id}/attempts'],
  ['POST', '/api/v1/endpoints/{id}/backfill', { since: new Date(Date.now() - 3_600_000).toISOString() }],
  ['DELETE', '/api/v1/api-keys/{id}'],
  ['GET', '/api/v1/outbox/{delivery_id}'],
  ['POST', '/api/v1/outbox/{delivery_id}/replay'],
  ['GET', '/api/v1/events/{event_id}'],
];

/** The id a path parameter stands for, by the collection it follows. */
function idIn(collection: string, world: World): string {
  const ids: Record<string, string> = {
    'event-types': world.eventType,
    endpoints: world.endpoint.id,
    'api-keys': world.apiKey.id,
    outbox: world.deliveryId,
    events: world.eventId,
  };
  const id = ids[collection];
  if (!id) throw new Error(`no id for /${collection}/{...}: add it to idIn`);
  return id;
}

const fill = (template: string, world: World) =>
  template.replace(/\/([a-z-]+)\/\{\w+\}/g, (_, collection: string) => `/${collection}/${encodeURIComponent(idIn(collection, world))}`);

describe('tenant isolation: B never sees or touches A', () => {
  let stack: Stack;
  let a: World;
  let b: World;
  const api = (method: string, path: string, options?: Parameters<typeof call>[3]) => call(stack.api.url, method, path, options);

  async function setUpWorld(label: string): Promise<World> {
    const tenant = await createTenant(stack, `Tenant ${label.toUpperCase()}`);
    const eventType = `${label}.order_created`;
    const created = await api('POST', '/api/v1/event-types', {
      token: tenant.admin,
      body: { name: eventType, description: `private to ${label}` },
    });
    expect(created.status).toBe(201);
    const receiver = await startReceiver();
    const endpoint = await api('POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${receiver.url}/${label}-hook`, name: `${label} private endpoint`, events: [eventType] },
    });
    expect(endpoint.status).toBe(201);
    const apiKey = await api('POST', '/api/v1/api-keys', { token: tenant.admin, body: { scope: 'read', name: `${label}-dashboard` } });
    expect(apiKey.status).toBe(201);
    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: eventType, payload: { owner: label } },
    });
    expect(accepted.status).toBe(202);
    await receiver.waitFor(1);
    const delivered = await eventually(async () => {
      const res = await api('GET', '/api/v1/outbox', { token: tenant.read });
      return res.body.data[0]?.status === 'delivered' ? res.body.data[0] : null;
    });
    return {
      label,
      tenant,
      eventType,
      endpoint: { id: endpoint.body.id, url: endpoint.body.url, name: endpoint.body.name },
      apiKey: { id: apiKey.body.id, key: apiKey.body.key },
      eventId: accepted.body.event_id,
      deliveryId: delivered.id,
      receiver,
    };
  }

  /** Everything of a tenant that B could have read or changed, as its own keys see it. */
  async function snapshot(world: World) {
    const token = world.tenant.admin;
    const [eventType, endpoint, keys, outbox, attempts, keyStillWorks] = await Promise.all([
      api('GET', `/api/v1/event-types/${world.eventType}`, { token }),
      api('GET', `/api/v1/endpoints/${world.endpoint.id}`, { token }),
      api('GET', '/api/v1/api-keys', { token }),
      api('GET', '/api/v1/outbox', { token }),
      api('GET', `/api/v1/endpoints/${world.endpoint.id}/attempts`, { token }),
      api('GET', '/api/v1/event-types', { token: world.apiKey.key }),
    ]);
    return {
      eventType: [eventType.status, eventType.body],
      endpoint: [endpoint.status, endpoint.body],
      // last_used_at moves whenever A uses its keys; everything else must not.
      keys: keys.body.data.map(({ last_used_at: _ignored, ...k }: Record<string, unknown>) => k),
      outbox: outbox.body,
      attempts: attempts.body,
      keyStillWorks: keyStillWorks.status,
      received: world.receiver.requests.length,
    };
  }

  /**
   * Fresh resources of a tenant for a route to act on (delete, disable,
   * rotate...) without spoiling its world; deliveries and events are the world's.
   */
  async function scratchOf(world: World): Promise<World> {
    const token = world.tenant.admin;
    const suffix = Math.random().toString(36).slice(2, 8);
    const eventType = await api('POST', '/api/v1/event-types', { token, body: { name: `${world.label}.scratch_${suffix}` } });
    const endpoint = await api('POST', '/api/v1/endpoints', {
      token,
      body: { url: `${world.receiver.url}/scratch`, name: 'scratch', events: [world.eventType] },
    });
    const apiKey = await api('POST', '/api/v1/api-keys', { token, body: { scope: 'read', name: 'scratch' } });
    expect([eventType.status, endpoint.status, apiKey.status]).toEqual([201, 201, 201]);
    return {
      ...world,
      eventType: eventType.body.name,
      endpoint: { id: endpoint.body.id, url: endpoint.body.url, name: endpoint.body.name },
      apiKey: { id: apiKey.body.id, key: apiKey.body.key },
    };
  }

  /** Strings only A's data contains: none may appear in anything B gets. */
  const secretsOf = (world: World) => [
    world.tenant.id,
    world.endpoint.url,
    world.endpoint.name,
    `private to ${world.label}`,
    world.apiKey.key.slice(0, 20),
    `${world.label}-dashboard`,
  ];

  beforeAll(async () => {
    stack = await startStack();
    a = await setUpWorld('a');
    b = await setUpWorld('b');
  });
  afterAll(async () => {
    await a?.receiver.close();
    await b?.receiver.close();
    await stack?.stop();
  });

  describe.each(ID_ROUTES)('%s %s', (method, template, body) => {
    it("gives B's admin key 404 on A's id and leaves A unchanged", async () => {
      const before = await snapshot(a);
      const res = await api(method, fill(template, a), { token: b.tenant.admin, body });
      expectError(res, 404, 'not_found');
      for (const secret of secretsOf(a)) expect(JSON.stringify(res.body)).not.toContain(secret);
      // Let anything B may have set off (a test send, a replay) happen before comparing.
      await new Promise((r) => setTimeout(r, 150));
      expect(await snapshot(a)).toEqual(before);

      // The same call on B's own resources works, so the 404 above is about the tenant, not the route.
      const own = await api(method, fill(template, await scratchOf(b)), { token: b.tenant.admin, body });
      expect({ status: own.status, body: own.body }).toEqual({ status: expect.any(Number), body: own.body });
      expect(own.status).toBeLessThan(400);
    });
  });

  it("answers bulk actions on A's ids with not_found for each and changes nothing", async () => {
    for (const action of ['disable', 'delete', 'enable']) {
      const before = await snapshot(a);
      const res = await api('POST', '/api/v1/endpoints/bulk', {
        token: b.tenant.admin,
        body: { action, ids: [a.endpoint.id, a.endpoint.id.toLowerCase()] },
      });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        { id: a.endpoint.id, ok: false, error: expect.objectContaining({ code: 'not_found' }) },
        { id: a.endpoint.id.toLowerCase(), ok: false, error: expect.objectContaining({ code: 'not_found' }) },
      ]);
      expect(await snapshot(a)).toEqual(before);
    }
  });

  it("replays none of A's deliveries for a filter naming A's endpoint or event type", async () => {
    const before = await snapshot(a);
    for (const filter of [{ endpoint_id: a.endpoint.id, status: 'delivered' }, { event_type: a.eventType, status: 'delivered' }]) {
      const res = await api('POST', '/api/v1/outbox/replay', { token: b.tenant.admin, body: filter });
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ replayed: 0 });
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(await snapshot(a)).toEqual(before);
  });

  it("never lists A's rows to B, filtered or not", async () => {
    const aIds = [a.tenant.id, a.eventType, a.endpoint.id, a.apiKey.id, a.eventId, a.deliveryId, ...secretsOf(a)];
    // [path, an id of B's own that the list must show (or null when the filter names A's)]
    const lists: [string, string | null][] = [
      ['/api/v1/event-types?limit=100', b.eventType],
      ['/api/v1/endpoints?limit=100', b.endpoint.id],
      ['/api/v1/api-keys?limit=100', b.apiKey.id],
      ['/api/v1/outbox?limit=100', b.deliveryId],
      [`/api/v1/endpoints/${b.endpoint.id}/attempts?limit=100`, b.deliveryId],
      [`/api/v1/outbox?endpoint_id=${a.endpoint.id}`, null],
      [`/api/v1/outbox?event_type=${a.eventType}`, null],
      [`/api/v1/endpoints?event_type=${a.eventType}`, null],
    ];
    for (const [path, own] of lists) {
      // Keys are listed to admin keys only.
      for (const token of path.startsWith('/api/v1/api-keys') ? [b.tenant.admin] : [b.tenant.admin, b.tenant.read]) {
        const res = await api('GET', path, { token });
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        const text = JSON.stringify(res.body);
        for (const id of aIds) expect({ path, leaked: text.includes(id) ? id : null }).toEqual({ path, leaked: null });
        if (own) expect({ path, showsOwn: text.includes(own) }).toEqual({ path, showsOwn: true });
        else expect(res.body.data).toEqual([]);
      }
    }
    // A's own lists do show A's rows (so the checks above can fail).
    const aList = await api('GET', '/api/v1/endpoints', { token: a.tenant.read });
    expect(aList.body.data.map((e: { id: string }) => e.id)).toEqual([a.endpoint.id]);
  });

  it("refuses B's ingest and subscriptions naming A's event type as unknown", async () => {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: b.tenant.ingest,
      body: { event_type: a.eventType, payload: {} },
    });
    expectError(res, 422, 'validation_failed');
    const ep = await api('POST', '/api/v1/endpoints', {
      token: b.tenant.admin,
      body: { url: `${b.receiver.url}/sneaky`, events: [a.eventType] },
    });
    expectError(ep, 422, 'validation_failed');
    // An idempotency key A used is no duplicate for B.
    const send = (world: World) =>
      call(stack.ingest.url, 'POST', '/api/v1/events', {
        token: world.tenant.ingest,
        body: { event_type: 'webhook.test', payload: {}, event_id: 'shared-key' },
      });
    const first = await send(a);
    const second = await send(b);
    expect([first.status, second.status, second.body.duplicate]).toEqual([202, 202, false]);
    expect(second.body.event_id).not.toBe(first.body.event_id);
    expect(a.receiver.requests.every((r) => r.path === '/a-hook' && JSON.parse(r.body).tenant.id === a.tenant.id)).toBe(true);
  });

  it('covers every id-taking api route of the OpenAPI document', async () => {
    const doc = (await api('GET', '/api/v1/openapi.json')).body;
    // Root-token routes (PATCH /api/v1/tenants/{id}) manage every tenant: no tenant is their scope.
    const rootOnly = (op: { security?: Record<string, unknown>[] }) => (op.security ?? []).some((s) => 'rootToken' in s);
    const documented = Object.entries(doc.paths as Record<string, Record<string, { servers?: unknown; security?: Record<string, unknown>[] }>>).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => path.includes('{') && !op.servers && !rootOnly(op))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const covered = ID_ROUTES.map(([method, path]) => `${method} ${path}`);
    expect(documented.filter((route) => !covered.includes(route))).toEqual([]);
  });
});

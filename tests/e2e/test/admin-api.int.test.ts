import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { detailPaths, expectError, ISO_UTC } from '../src/assertions.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

// Small enough to exceed cheaply, large enough for every ordinary request below.
const MAX_PAYLOAD_BYTES = 2048;

describe('admin API on the real stack', () => {
  let stack: Stack;
  let api: (method: string, path: string, options?: Parameters<typeof call>[3]) => ReturnType<typeof call>;
  let ingest: (method: string, path: string, options?: Parameters<typeof call>[3]) => ReturnType<typeof call>;

  beforeAll(async () => {
    stack = await startStack({ HERALD_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) });
    api = (method, path, options) => call(stack.api.url, method, path, options);
    ingest = (method, path, options) => call(stack.ingest.url, method, path, options);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  describe('tenants (root token)', () => {
    it('refuses a missing, wrong or tenant credential with 401', async () => {
      const tenant = await createTenant(stack, 'Not Root');
      for (const token of [undefined, 'wrong-token-0123456789', `${stack.rootToken}x`, tenant.admin]) {
        expectError(await api('POST', '/api/v1/tenants', { token, body: { name: 'Nope' } }), 401, 'unauthorized');
        expectError(await api('GET', '/api/v1/tenants', { token }), 401, 'unauthorized');
      }
      // The root token manages tenants only: it is no key of any tenant.
      expectError(await api('GET', '/api/v1/event-types', { token: stack.rootToken }), 401, 'unauthorized');
    });

    it('creates a tenant with one working key per scope, shown once', async () => {
      const res = await api('POST', '/api/v1/tenants', { token: stack.rootToken, body: { name: 'Acme' } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^tnt_[0-9A-Z]{26}$/),
        name: 'Acme',
        external_id: null,
        primary_contact_email: null,
        created_at: expect.stringMatching(ISO_UTC),
        api_keys: {
          admin: expect.stringMatching(/^herald_admin_[A-Za-z0-9_-]{43}$/),
          read: expect.stringMatching(/^herald_read_[A-Za-z0-9_-]{43}$/),
          ingest: expect.stringMatching(/^herald_ingest_[A-Za-z0-9_-]{43}$/),
        },
      });
      const { admin, read, ingest: ingestKey } = res.body.api_keys;
      expect((await api('GET', '/api/v1/event-types', { token: admin })).status).toBe(200);
      expect((await api('GET', '/api/v1/event-types', { token: read })).status).toBe(200);
      expect(
        (await ingest('POST', '/api/v1/events', { token: ingestKey, body: { event_type: 'webhook.test', payload: {} } })).status,
      ).toBe(202);

      const listed = await api('GET', '/api/v1/tenants?limit=100', { token: stack.rootToken });
      const acme = listed.body.data.find((t: { id: string }) => t.id === res.body.id);
      expect(acme).toEqual({ id: res.body.id, name: 'Acme', external_id: null, primary_contact_email: null, created_at: res.body.created_at });
      expect(JSON.stringify(listed.body)).not.toContain(admin);
    });

    it('sets external_id on create, changes name and external_id by PATCH (null removes it), and refuses what is not one', async () => {
      const created = await api('POST', '/api/v1/tenants', { token: stack.rootToken, body: { name: 'Globex', external_id: 'acct_7' } });
      expect(created.body).toMatchObject({ name: 'Globex', external_id: 'acct_7' });
      const path = `/api/v1/tenants/${created.body.id}`;
      const renamed = await api('PATCH', path, { token: stack.rootToken, body: { name: 'Globex Corp' } });
      expect(renamed.body).toEqual({
        id: created.body.id,
        name: 'Globex Corp',
        external_id: 'acct_7',
        primary_contact_email: null,
        created_at: created.body.created_at,
      });
      expect((await api('PATCH', path, { token: stack.rootToken, body: { external_id: null } })).body.external_id).toBeNull();
      expectError(await api('PATCH', path, { token: stack.rootToken, body: { external_id: 'x'.repeat(256) } }), 400, 'validation_failed');
      expectError(await api('PATCH', path, { token: stack.rootToken, body: { name: '  ' } }), 400, 'validation_failed');
      expectError(await api('PATCH', '/api/v1/tenants/tnt_missing', { token: stack.rootToken, body: { name: 'X' } }), 404, 'not_found');
      const tenant = await createTenant(stack, 'Keyholder');
      expectError(await api('PATCH', path, { token: tenant.admin, body: { name: 'Stolen' } }), 401, 'unauthorized');
      const listed = await api('GET', '/api/v1/tenants?limit=100', { token: stack.rootToken });
      expect(listed.body.data.find((t: { id: string }) => t.id === created.body.id)).toMatchObject({ name: 'Globex Corp', external_id: null });
    });

    it('refuses a bad tenant body with 400', async () => {
      for (const body of [{}, { name: '' }, { name: '   ' }, { name: 42 }, { name: 'x'.repeat(201) }, { name: 'Ok', plan: 'gold' }]) {
        expectError(await api('POST', '/api/v1/tenants', { token: stack.rootToken, body }), 400, 'validation_failed');
      }
    });

    it('pages tenants newest first with a cursor', async () => {
      const created: string[] = [];
      for (const name of ['Page One', 'Page Two', 'Page Three']) created.push((await createTenant(stack, name)).id);
      const [first, second, third] = created;

      const page1 = await api('GET', '/api/v1/tenants?limit=2', { token: stack.rootToken });
      expect(page1.status).toBe(200);
      expect(page1.body.data.map((t: { id: string }) => t.id)).toEqual([third, second]);
      expect(page1.body.next_cursor).toEqual(expect.any(String));

      const page2 = await api('GET', `/api/v1/tenants?limit=2&cursor=${encodeURIComponent(page1.body.next_cursor)}`, {
        token: stack.rootToken,
      });
      expect(page2.status).toBe(200);
      expect(page2.body.data[0].id).toBe(first);

      // Walking every page visits each tenant once, newest first, and ends with next_cursor null.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await api('GET', `/api/v1/tenants?limit=2${query}`, { token: stack.rootToken });
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((t: { id: string }) => t.id));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual([...seen].sort().reverse());
      expect(seen.slice(0, 3)).toEqual([third, second, first]);

      const garbage = await api('GET', '/api/v1/tenants?cursor=%FF%FE', { token: stack.rootToken });
      expectError(garbage, 400, 'validation_failed');
      expect(garbage.body.error.details).toEqual([{ path: 'cursor', message: 'is not a valid cursor' }]);
    });
  });

  describe('API keys', () => {
    let tenant: Awaited<ReturnType<typeof createTenant>>;

    beforeAll(async () => {
      tenant = await createTenant(stack, 'Key Holder');
    });

    it('creates a key shown once, lists prefixes only, and revokes it at once', async () => {
      const created = await api('POST', '/api/v1/api-keys', {
        token: tenant.admin,
        body: { scope: 'ingest', name: 'billing-service' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^key_[0-9A-Z]{26}$/),
        name: 'billing-service',
        scope: 'ingest',
        key_prefix: created.body.key.slice(0, 20),
        created_at: expect.stringMatching(ISO_UTC),
        last_used_at: null,
        revoked_at: null,
        key: expect.stringMatching(/^herald_ingest_[A-Za-z0-9_-]{43}$/),
        _warning: expect.stringMatching(/not be shown again/),
      });
      const { id, key } = created.body;

      // The new key works for its scope, and only for it.
      const sent = await ingest('POST', '/api/v1/events', { token: key, body: { event_type: 'webhook.test', payload: {} } });
      expect(sent.status).toBe(202);
      expectError(await api('GET', '/api/v1/endpoints', { token: key }), 403, 'forbidden');

      const list = await api('GET', '/api/v1/api-keys', { token: tenant.admin });
      expect(list.status).toBe(200);
      expect(list.body.next_cursor).toBeNull();
      // Newest first: the new key, then the tenant's three default keys.
      expect(list.body.data.map((k: { scope: string }) => k.scope)).toEqual(['ingest', 'ingest', 'read', 'admin']);
      expect(list.body.data[0]).toEqual({
        id,
        name: 'billing-service',
        scope: 'ingest',
        key_prefix: key.slice(0, 20),
        created_at: created.body.created_at,
        last_used_at: list.body.data[0].last_used_at,
        revoked_at: null,
      });
      const text = JSON.stringify(list.body);
      for (const secret of [key, tenant.admin, tenant.read, tenant.ingest]) expect(text).not.toContain(secret);
      for (const item of list.body.data) {
        expect(Object.keys(item).sort()).toEqual(['created_at', 'id', 'key_prefix', 'last_used_at', 'name', 'revoked_at', 'scope']);
      }

      // Use is recorded (asynchronously, at most once a minute).
      const used = await eventually(async () => {
        const res = await api('GET', '/api/v1/api-keys', { token: tenant.admin });
        return res.body.data.find((k: { id: string; last_used_at: string | null }) => k.id === id && k.last_used_at);
      });
      expect(used.last_used_at).toMatch(ISO_UTC);

      const revoked = await api('DELETE', `/api/v1/api-keys/${id}`, { token: tenant.admin });
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ id, revoked: true });
      // The very next request with it is refused.
      expectError(
        await ingest('POST', '/api/v1/events', { token: key, body: { event_type: 'webhook.test', payload: {} } }),
        401,
        'unauthorized',
      );
      expectError(await api('GET', '/api/v1/event-types', { token: key }), 401, 'unauthorized');

      const after = await api('GET', '/api/v1/api-keys', { token: tenant.admin });
      const listed = after.body.data.find((k: { id: string }) => k.id === id);
      expect(listed.revoked_at).toMatch(ISO_UTC);
      expect(after.body.data).toHaveLength(4);

      // Revoking again changes nothing.
      const again = await api('DELETE', `/api/v1/api-keys/${id}`, { token: tenant.admin });
      expect(again.body).toEqual({ id, revoked: true });
      const third = await api('GET', '/api/v1/api-keys', { token: tenant.admin });
      expect(third.body.data.find((k: { id: string }) => k.id === id).revoked_at).toBe(listed.revoked_at);
    });

    it('pages keys newest first', async () => {
      const other = await createTenant(stack, 'Many Keys');
      const made: string[] = [];
      for (const name of ['k1', 'k2', 'k3']) {
        made.push((await api('POST', '/api/v1/api-keys', { token: other.admin, body: { scope: 'read', name } })).body.id);
      }
      const page1 = await api('GET', '/api/v1/api-keys?limit=2', { token: other.admin });
      expect(page1.body.data.map((k: { name: string }) => k.name)).toEqual(['k3', 'k2']);
      expect(page1.body.next_cursor).toEqual(expect.any(String));
      const page2 = await api('GET', `/api/v1/api-keys?limit=2&cursor=${page1.body.next_cursor}`, { token: other.admin });
      expect(page2.body.data.map((k: { name: string }) => k.name)).toEqual(['k1', 'default ingest key']);
      expect(made).toEqual([...made].sort());
    });

    it('lets a key revoke itself, but never the last admin key', async () => {
      const t = await createTenant(stack, 'Self Revoker');
      const second = await api('POST', '/api/v1/api-keys', { token: t.admin, body: { scope: 'admin', name: 'rotation' } });
      expect(second.status).toBe(201);
      const self = await api('DELETE', `/api/v1/api-keys/${second.body.id}`, { token: second.body.key });
      expect(self.status).toBe(200);
      expectError(await api('GET', '/api/v1/api-keys', { token: second.body.key }), 401, 'unauthorized');

      const keys = await api('GET', '/api/v1/api-keys', { token: t.admin });
      const defaultAdmin = keys.body.data.find((k: { scope: string; revoked_at: string | null }) => k.scope === 'admin' && !k.revoked_at);
      const last = await api('DELETE', `/api/v1/api-keys/${defaultAdmin.id}`, { token: t.admin });
      expectError(last, 409, 'conflict');
      expect(last.body.error.message).toMatch(/last active admin key/);
      expect((await api('GET', '/api/v1/api-keys', { token: t.admin })).status).toBe(200);

      // Non-admin keys can always go.
      const readKey = keys.body.data.find((k: { scope: string }) => k.scope === 'read');
      expect((await api('DELETE', `/api/v1/api-keys/${readKey.id}`, { token: t.admin })).status).toBe(200);
      expectError(await api('GET', '/api/v1/event-types', { token: t.read }), 401, 'unauthorized');
    });

    it("answers 404 for an unknown key id and for another tenant's", async () => {
      const other = await createTenant(stack, 'Other Keys');
      const foreign = await api('POST', '/api/v1/api-keys', { token: other.admin, body: { scope: 'read', name: 'theirs' } });
      for (const id of [foreign.body.id, 'key_01JH0000000000000000000000', 'nope']) {
        const res = await api('DELETE', `/api/v1/api-keys/${id}`, { token: tenant.admin });
        expectError(res, 404, 'not_found');
      }
      expect((await api('GET', '/api/v1/event-types', { token: foreign.body.key })).status).toBe(200);
    });

    it('needs the admin scope for every key route and refuses bad bodies', async () => {
      for (const token of [tenant.read, tenant.ingest]) {
        expectError(await api('POST', '/api/v1/api-keys', { token, body: { scope: 'read', name: 'x' } }), 403, 'forbidden');
        expectError(await api('GET', '/api/v1/api-keys', { token }), 403, 'forbidden');
        expectError(await api('DELETE', '/api/v1/api-keys/key_x', { token }), 403, 'forbidden');
      }
      const cases: [unknown, string][] = [
        [{ scope: 'root', name: 'x' }, 'scope'],
        [{ name: 'x' }, 'scope'],
        [{ scope: 'read' }, 'name'],
        [{ scope: 'read', name: '' }, 'name'],
        [{ scope: 'read', name: 'x'.repeat(201) }, 'name'],
        [{ scope: 'read', name: 7 }, 'name'],
      ];
      for (const [body, path] of cases) {
        const res = await api('POST', '/api/v1/api-keys', { token: tenant.admin, body });
        expectError(res, 400, 'validation_failed');
        expect(detailPaths(res)).toContain(path);
      }
    });
  });

  describe('scopes and authentication', () => {
    let tenant: Awaited<ReturnType<typeof createTenant>>;

    beforeAll(async () => {
      tenant = await createTenant(stack, 'Scoped');
    });

    it('gives a read key 403 on every write route and 200 on reads', async () => {
      const writes: [string, string, unknown][] = [
        ['POST', '/api/v1/event-types', { name: 'scope.test' }],
        ['POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/hook', events: ['*'] }],
        ['POST', '/api/v1/api-keys', { scope: 'admin', name: 'escalate' }],
        ['PATCH', '/api/v1/event-types/webhook.test', { description: 'x' }],
        ['DELETE', '/api/v1/event-types/webhook.test', undefined],
      ];
      for (const [method, path, body] of writes) {
        expectError(await api(method, path, { token: tenant.read, body }), 403, 'forbidden');
      }
      expectError(
        await ingest('POST', '/api/v1/events', { token: tenant.read, body: { event_type: 'webhook.test', payload: {} } }),
        403,
        'forbidden',
      );
      for (const path of ['/api/v1/event-types', '/api/v1/endpoints', '/api/v1/outbox', '/api/v1/event-types/webhook.test']) {
        expect((await api('GET', path, { token: tenant.read })).status).toBe(200);
      }
    });

    it('gives an ingest key 403 on the admin api', async () => {
      for (const path of ['/api/v1/endpoints', '/api/v1/event-types', '/api/v1/outbox']) {
        expectError(await api('GET', path, { token: tenant.ingest }), 403, 'forbidden');
      }
      expectError(await api('POST', '/api/v1/event-types', { token: tenant.ingest, body: { name: 'x.y' } }), 403, 'forbidden');
    });

    it('answers 401 for a missing, garbage or badly formed credential', async () => {
      const variants: (Record<string, string> | undefined)[] = [
        undefined,
        { authorization: 'Bearer garbage' },
        { authorization: `Bearer herald_admin_${'A'.repeat(43)}` },
        { authorization: `Bearer ${tenant.admin}x` },
        { authorization: tenant.admin },
        { authorization: `Basic ${Buffer.from(`user:${tenant.admin}`).toString('base64')}` },
        { authorization: 'Bearer' },
        { 'x-api-key': tenant.admin },
      ];
      for (const headers of variants) {
        expectError(await api('GET', '/api/v1/endpoints', { headers }), 401, 'unauthorized');
        expectError(await ingest('POST', '/api/v1/events', { headers, body: { event_type: 'webhook.test', payload: {} } }), 401, 'unauthorized');
      }
    });
  });

  describe('event types', () => {
    let tenant: Awaited<ReturnType<typeof createTenant>>;

    beforeAll(async () => {
      tenant = await createTenant(stack, 'Typed');
    });

    it('has webhook.test for a new tenant, which cannot be changed or deleted', async () => {
      const res = await api('GET', '/api/v1/event-types/webhook.test', { token: tenant.read });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        name: 'webhook.test',
        description: expect.any(String),
        schema: null,
        email: { enabled: false, subscribers: [] },
        read_only: true,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      // A new tenant has webhook.test and Herald's own operational event types.
      const list = await api('GET', '/api/v1/event-types', { token: tenant.read });
      expect(list.body.data.map((t: { name: string }) => t.name).sort()).toEqual([
        'herald.delivery.dead',
        'herald.endpoint.disabled',
        'herald.endpoint.failing',
        'herald.endpoint.recovered',
        'webhook.test',
      ]);
      expect(list.body.data).toContainEqual(res.body);

      expectError(await api('DELETE', '/api/v1/event-types/webhook.test', { token: tenant.admin }), 409, 'conflict');
      expectError(
        await api('PATCH', '/api/v1/event-types/webhook.test', {
          token: tenant.admin,
          body: { schema: { type: 'object', required: ['x'] } },
        }),
        409,
        'conflict',
      );
      expect((await api('GET', '/api/v1/event-types/webhook.test', { token: tenant.read })).body).toEqual(res.body);
    });

    it('creates, refuses duplicates, bad names and bad schemas', async () => {
      const created = await api('POST', '/api/v1/event-types', {
        token: tenant.admin,
        body: { name: 'lead.created', description: 'A lead came in.' },
      });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        name: 'lead.created',
        description: 'A lead came in.',
        schema: null,
        email: { enabled: false, subscribers: [] },
        read_only: false,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect((await api('GET', '/api/v1/event-types/lead.created', { token: tenant.read })).body).toEqual(created.body);

      const duplicate = await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'lead.created' } });
      expectError(duplicate, 409, 'conflict');
      expect(duplicate.body.error.message).toContain('lead.created');

      for (const name of ['Lead.Created', 'lead created', '', 'a'.repeat(129), 'lead/created', 'ünïcode', 42]) {
        const res = await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name } });
        expectError(res, 400, 'validation_failed');
        expect([...new Set(detailPaths(res))]).toEqual(['name']);
      }
      expect((await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'a'.repeat(128) } })).status).toBe(201);

      const badSchema = await api('POST', '/api/v1/event-types', {
        token: tenant.admin,
        body: { name: 'lead.bad_schema', schema: { type: 'nonsense' } },
      });
      expectError(badSchema, 422, 'validation_failed');
      expect(detailPaths(badSchema)).toEqual(['schema']);
      expectError(await api('GET', '/api/v1/event-types/lead.bad_schema', { token: tenant.read }), 404, 'not_found');
    });

    it('answers 404 for unknown and invalid names', async () => {
      for (const name of ['nope.never', 'Not%20Valid', 'a'.repeat(300), '%2E%2E', 'x%2Fy']) {
        expectError(await api('GET', `/api/v1/event-types/${name}`, { token: tenant.read }), 404, 'not_found');
        expectError(await api('PATCH', `/api/v1/event-types/${name}`, { token: tenant.admin, body: { description: 'x' } }), 404, 'not_found');
        expectError(await api('DELETE', `/api/v1/event-types/${name}`, { token: tenant.admin }), 404, 'not_found');
      }
    });

    it('patches the description and the schema, which ingest then enforces; schema null removes it', async () => {
      const created = await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'customer.updated' } });
      const send = (payload: unknown) =>
        ingest('POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'customer.updated', payload } });
      expect((await send({ anything: true })).status).toBe(202);

      const described = await api('PATCH', '/api/v1/event-types/customer.updated', {
        token: tenant.admin,
        body: { description: 'A customer changed.' },
      });
      expect(described.status).toBe(200);
      expect(described.body).toMatchObject({ name: 'customer.updated', description: 'A customer changed.', schema: null });
      expect(described.body.created_at).toBe(created.body.created_at);
      expect(Date.parse(described.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

      const schema = {
        type: 'object',
        required: ['customer'],
        properties: {
          customer: {
            type: 'object',
            required: ['email'],
            properties: { email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
          },
        },
      };
      const withSchema = await api('PATCH', '/api/v1/event-types/customer.updated', { token: tenant.admin, body: { schema } });
      expect(withSchema.status).toBe(200);
      expect(withSchema.body).toMatchObject({ description: 'A customer changed.', schema });

      const bad = await send({ customer: { email: 'not-an-email', age: -1 } });
      expectError(bad, 422, 'validation_failed');
      expect(detailPaths(bad).sort()).toEqual(['payload.customer.age', 'payload.customer.email']);
      expect(detailPaths(await send({ customer: {} }))).toEqual(['payload.customer.email']);
      expect(detailPaths(await send({}))).toEqual(['payload.customer']);
      expect((await send({ customer: { email: 'ada@example.com' } })).status).toBe(202);

      const badSchema = await api('PATCH', '/api/v1/event-types/customer.updated', {
        token: tenant.admin,
        body: { schema: { type: 'object', properties: { a: { type: 12 } } } },
      });
      expectError(badSchema, 422, 'validation_failed');
      expect(detailPaths(badSchema)).toEqual(['schema']);
      expect((await api('GET', '/api/v1/event-types/customer.updated', { token: tenant.read })).body.schema).toEqual(schema);

      for (const body of [{ name: 'renamed' }, { description: 5 }, { schema: 'string' }, { schema: [] }]) {
        expectError(await api('PATCH', '/api/v1/event-types/customer.updated', { token: tenant.admin, body }), 400, 'validation_failed');
      }

      const removed = await api('PATCH', '/api/v1/event-types/customer.updated', { token: tenant.admin, body: { schema: null } });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ description: 'A customer changed.', schema: null });
      expect((await send({ anything: true })).status).toBe(202);
    });

    it('deletes an unused type, and refuses while a live endpoint subscribes to it by name', async () => {
      await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.shipped' } });
      await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'order.cancelled' } });
      const byName = await api('POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: 'http://127.0.0.1:9/a', events: ['order.shipped'] },
      });
      const alsoByName = await api('POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: 'http://127.0.0.1:9/b', events: ['webhook.test', 'order.shipped'], enabled: false },
      });
      const byFamily = await api('POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: 'http://127.0.0.1:9/c', events: ['order.*', '*'] },
      });
      for (const ep of [byName, alsoByName, byFamily]) expect(ep.status).toBe(201);

      const refused = await api('DELETE', '/api/v1/event-types/order.shipped', { token: tenant.admin });
      expectError(refused, 409, 'conflict');
      const named = refused.body.error.details.map((d: { path: string; message: string }) => `${d.path} ${d.message}`).join('\n');
      expect(named).toContain(byName.body.id);
      expect(named).toContain(alsoByName.body.id);
      expect(named).not.toContain(byFamily.body.id);
      expect((await api('GET', '/api/v1/event-types/order.shipped', { token: tenant.read })).status).toBe(200);

      // Families and '*' do not hold a type.
      const deleted = await api('DELETE', '/api/v1/event-types/order.cancelled', { token: tenant.admin });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ name: 'order.cancelled', deleted: true });
      expectError(await api('GET', '/api/v1/event-types/order.cancelled', { token: tenant.read }), 404, 'not_found');
      expectError(await api('DELETE', '/api/v1/event-types/order.cancelled', { token: tenant.admin }), 404, 'not_found');
      const refusedIngest = await ingest('POST', '/api/v1/events', {
        token: tenant.ingest,
        body: { event_type: 'order.cancelled', payload: {} },
      });
      expectError(refusedIngest, 422, 'validation_failed');
      expect(refusedIngest.body.error.details[0].message).toContain('order.cancelled');

      // Once no live endpoint names it, it can go (deleted endpoints do not hold it).
      for (const ep of [byName, alsoByName]) {
        expect((await api('DELETE', `/api/v1/endpoints/${ep.body.id}`, { token: tenant.admin })).status).toBe(200);
      }
      expect((await api('DELETE', '/api/v1/event-types/order.shipped', { token: tenant.admin })).body).toEqual({
        name: 'order.shipped',
        deleted: true,
      });
    });

    it('pages event types newest first', async () => {
      const t = await createTenant(stack, 'Paged Types');
      for (const name of ['p.one', 'p.two', 'p.three']) {
        expect((await api('POST', '/api/v1/event-types', { token: t.admin, body: { name } })).status).toBe(201);
        // Types are ordered by creation time (ms), then name: keep the three apart.
        await new Promise((r) => setTimeout(r, 5));
      }
      const page1 = await api('GET', '/api/v1/event-types?limit=2', { token: t.read });
      expect(page1.body.data.map((e: { name: string }) => e.name)).toEqual(['p.three', 'p.two']);
      const page2 = await api('GET', `/api/v1/event-types?limit=2&cursor=${page1.body.next_cursor}`, { token: t.read });
      // Then the built-in types, created with the tenant: webhook.test and the four herald.* ones.
      expect(page2.body.data.map((e: { name: string }) => e.name)[0]).toBe('p.one');
      const rest = await api('GET', `/api/v1/event-types?limit=10&cursor=${page1.body.next_cursor}`, { token: t.read });
      expect(rest.body.data).toHaveLength(6);
      expect(rest.body.next_cursor).toBeNull();
    });
  });

  describe('conventions', () => {
    let tenant: Awaited<ReturnType<typeof createTenant>>;

    beforeAll(async () => {
      tenant = await createTenant(stack, 'Conventional');
    });

    it('answers malformed JSON with 400 validation_failed on both services', async () => {
      for (const body of ['{"name":', '{name: "x"}', 'null', '"string"', '']) {
        const res = await api('POST', '/api/v1/event-types', {
          token: tenant.admin,
          body,
          headers: { 'content-type': 'application/json' },
        });
        expectError(res, 400, 'validation_failed');
      }
      expectError(
        await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: '{"event_type":', headers: { 'content-type': 'application/json' } }),
        400,
        'validation_failed',
      );
    });

    it('names the failing fields of wrong types and unknown fields', async () => {
      const wrong = await api('POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: 42, events: ['webhook.test', 7], timeout_ms: 'slow', headers: { 'X-Ok': 1 } },
      });
      expectError(wrong, 400, 'validation_failed');
      expect(detailPaths(wrong)).toEqual(expect.arrayContaining(['url', 'events.1', 'timeout_ms', 'headers.X-Ok']));

      const unknown = await api('POST', '/api/v1/event-types', {
        token: tenant.admin,
        body: { name: 'x.unknown_field', colour: 'red' },
      });
      expectError(unknown, 400, 'validation_failed');
      expect(unknown.body.error.details).toEqual([{ path: 'colour', message: 'is not a known field' }]);
      expectError(await api('GET', '/api/v1/event-types/x.unknown_field', { token: tenant.read }), 404, 'not_found');

      const ingestWrong = await ingest('POST', '/api/v1/events', {
        token: tenant.ingest,
        body: { event_type: 'webhook.test', payload: 'not an object', extra: 1 },
      });
      expectError(ingestWrong, 400, 'validation_failed');
      expect(detailPaths(ingestWrong)).toContain('payload');
    });

    it(`answers a body over HERALD_MAX_PAYLOAD_BYTES (${MAX_PAYLOAD_BYTES}) with 413`, async () => {
      const big = 'x'.repeat(MAX_PAYLOAD_BYTES + 1);
      expectError(
        await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'big.one', description: big } }),
        413,
        'payload_too_large',
      );
      expectError(
        await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'webhook.test', payload: { big } } }),
        413,
        'payload_too_large',
      );
      // Just under the limit is fine.
      const fits = { event_type: 'webhook.test', payload: { big: '' } };
      fits.payload.big = 'x'.repeat(MAX_PAYLOAD_BYTES - JSON.stringify(fits).length);
      expect(JSON.stringify(fits).length).toBe(MAX_PAYLOAD_BYTES);
      expect((await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: fits })).status).toBe(202);
    });

    it('checks ?limit= (1..100) on every list route', async () => {
      const lists: [string, string][] = [
        ['/api/v1/tenants', stack.rootToken],
        ['/api/v1/api-keys', tenant.admin],
        ['/api/v1/event-types', tenant.read],
        ['/api/v1/endpoints', tenant.read],
        ['/api/v1/outbox', tenant.read],
      ];
      for (const [path, token] of lists) {
        for (const limit of ['0', '101', '-1', '1.5', 'ten']) {
          const res = await api('GET', `${path}?limit=${limit}`, { token });
          expectError(res, 400, 'validation_failed');
          expect(detailPaths(res)).toEqual(['limit']);
        }
        for (const limit of ['1', '100']) {
          const res = await api('GET', `${path}?limit=${limit}`, { token });
          expect(res.status).toBe(200);
          expect(res.body.data.length).toBeLessThanOrEqual(Number(limit));
        }
      }
    });

    it('sends X-Request-Id on every response, echoing the caller’s', async () => {
      const requests: [base: string, method: string, path: string, body: unknown][] = [
        [stack.api.url, 'GET', '/healthz', undefined],
        [stack.api.url, 'GET', '/api/v1/event-types', undefined],
        [stack.api.url, 'POST', '/api/v1/event-types', { name: 'rid.created' }],
        [stack.api.url, 'POST', '/api/v1/event-types', { name: 'Bad Name' }],
        [stack.api.url, 'GET', '/api/v1/event-types/missing', undefined],
        [stack.api.url, 'GET', '/api/v1/no-such-route', undefined],
        [stack.api.url, 'GET', '/api/v1/openapi.json', undefined],
        [stack.ingest.url, 'POST', '/api/v1/events', { event_type: 'webhook.test', payload: {} }],
        [stack.ingest.url, 'POST', '/api/v1/events', { event_type: 'missing.type', payload: {} }],
        [stack.worker.url, 'GET', '/healthz', undefined],
      ];
      const statuses = new Set<number>();
      for (const [base, method, path, body] of requests) {
        const token = base === stack.ingest.url ? tenant.ingest : tenant.admin;
        const plain = await call(base, method, path, { token, body });
        statuses.add(plain.status);
        expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        const echoed = await call(base, method, path, { token, body, headers: { 'x-request-id': 'trace-abc.123:xyz' } });
        expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123:xyz');
        statuses.add(echoed.status);
      }
      expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 201, 202, 400, 404, 409, 422]));
      // Without a key, too.
      const unauthorized = await call(stack.api.url, 'GET', '/api/v1/endpoints', { headers: { 'x-request-id': 'r-401' } });
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.headers.get('x-request-id')).toBe('r-401');
      // A header that is not a sane id is replaced, not echoed.
      const unsafe = await call(stack.api.url, 'GET', '/healthz', { headers: { 'x-request-id': 'a b <script>' } });
      expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('never answers bad input with a 500', async () => {
      const json = { 'content-type': 'application/json' };
      const bad: [base: string, method: string, path: string, headers?: Record<string, string>, body?: string][] = [
        [stack.api.url, 'GET', '/api/v1/event-types/%E0%A4%A'],
        [stack.api.url, 'GET', '/api/v1/endpoints/%'],
        [stack.api.url, 'DELETE', '/api/v1/api-keys/%FF'],
        [stack.api.url, 'GET', '/api/v1/endpoints?limit=1&limit=2'],
        [stack.api.url, 'GET', '/api/v1/endpoints?enabled=maybe'],
        [stack.api.url, 'GET', '/api/v1/endpoints?event_type=NOT%20A%20TYPE'],
        [stack.api.url, 'GET', `/api/v1/endpoints?cursor=${'x'.repeat(300)}`],
        [stack.api.url, 'GET', '/api/v1/endpoints?cursor=%F0%9F%92%A9'],
        [stack.api.url, 'GET', '/api/v1/outbox?status=lost&since=yesterday'],
        [stack.api.url, 'GET', '/api/v1/outbox?cursor=bm90LWFuLWlk'],
        [stack.api.url, 'POST', '/api/v1/event-types', { 'content-type': 'text/plain' }, '{"name":"plain.text"}'],
        [stack.api.url, 'POST', '/api/v1/event-types', { 'content-type': 'application/json; charset=latin-7' }, '{"name":"x.y"}'],
        [stack.api.url, 'POST', '/api/v1/event-types', { 'content-type': 'application/json', 'content-encoding': 'br' }, '{}'],
        [stack.api.url, 'POST', '/api/v1/event-types', json, '[1,2,3]'],
        [stack.api.url, 'POST', '/api/v1/event-types', json, `${'['.repeat(500)}${']'.repeat(500)}`],
        [stack.api.url, 'POST', '/api/v1/event-types', json, '{"name":"x.y","schema":{"$ref":"http://evil.example/s"}}'],
        [stack.api.url, 'POST', '/api/v1/event-types', json, '{"name":"x.z","schema":{"type":"object","properties":{"a":{"$ref":"#/nowhere"}}}}'],
        [stack.api.url, 'POST', '/api/v1/endpoints', json, '{"url":"http://[::1","events":["*"]}'],
        [stack.api.url, 'POST', '/api/v1/endpoints', json, '{"url":"http://127.0.0.1:99999/","events":["*"]}'],
        [stack.api.url, 'POST', '/api/v1/endpoints', json, '{"url":"https://nowhere.invalid/","events":["*"]}'],
        [stack.api.url, 'POST', '/api/v1/api-keys', json, '{"scope":"read","name":"\\u0000"}'],
        [stack.api.url, 'POST', '/api/v1/tenants', json, '{"name":"x"}'],
        // PostgreSQL text cannot hold NUL.
        [stack.api.url, 'POST', '/api/v1/event-types', json, '{"name":"nul.desc","description":"a\\u0000b"}'],
        [stack.api.url, 'POST', '/api/v1/endpoints', json, '{"url":"http://127.0.0.1:9/","events":["*"],"name":"\\u0000"}'],
        [stack.ingest.url, 'POST', '/api/v1/events', json, '{"event_type":"webhook.test","payload":{"a":"\\u0000"},"event_id":"nul\\u0000id"}'],
        [stack.ingest.url, 'POST', '/api/v1/events', json, '{"event_type":"webhook.test","payload":{},"occurred_at":"soon"}'],
        [stack.ingest.url, 'POST', '/api/v1/events', json, '{"event_type":"webhook.test","payload":{"s":"\\ud800"}}'],
        [stack.ingest.url, 'POST', '/api/v1/events', json, `{"event_type":"webhook.test","payload":{},"event_id":"${'k'.repeat(300)}"}`],
        [stack.ingest.url, 'POST', '/api/v1/events/%ZZ', json, '{}'],
      ];
      const failures: string[] = [];
      for (const [base, method, path, headers, body] of bad) {
        const token = base === stack.ingest.url ? tenant.ingest : tenant.admin;
        const res = await call(base, method, path, { token, headers, body });
        if (res.status >= 500) failures.push(`${method} ${path} ${body ?? ''} -> ${res.status} ${JSON.stringify(res.body)}`);
        if (res.status >= 400) {
          expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) } });
        }
      }
      expect(failures).toEqual([]);
    });
  });

  describe('ingest', () => {
    let tenant: Awaited<ReturnType<typeof createTenant>>;
    let receiver: Receiver;

    beforeAll(async () => {
      tenant = await createTenant(stack, 'Ingesting');
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver?.close();
    });

    it('refuses an unknown event type with 422 naming it', async () => {
      const res = await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'lead.craeted', payload: {} } });
      const details = expectError(res, 422, 'validation_failed');
      expect(details).toEqual([{ path: 'event_type', message: expect.stringContaining("'lead.craeted'") }]);
      // An endpoint subscribing to it is refused the same way.
      const ep = await api('POST', '/api/v1/endpoints', {
        token: tenant.admin,
        body: { url: receiver.url, events: ['webhook.test', 'lead.craeted'] },
      });
      expect(expectError(ep, 422, 'validation_failed')).toEqual([{ path: 'events.1', message: expect.stringContaining("'lead.craeted'") }]);
    });

    it('refuses a payload that fails the type’s JSON Schema with the failing paths', async () => {
      await api('POST', '/api/v1/event-types', {
        token: tenant.admin,
        body: {
          name: 'signup.completed',
          schema: {
            type: 'object',
            required: ['customer', 'plan'],
            properties: {
              customer: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } },
              plan: { enum: ['free', 'pro'] },
            },
          },
        },
      });
      const res = await ingest('POST', '/api/v1/events', {
        token: tenant.ingest,
        body: { event_type: 'signup.completed', payload: { customer: { email: 'nope' }, plan: 'gold' } },
      });
      const details = expectError(res, 422, 'validation_failed');
      expect(details.map((d) => d.path).sort()).toEqual(['payload.customer.email', 'payload.plan']);
      expect(details.find((d) => d.path === 'payload.customer.email')!.message).toMatch(/email/);
    });

    it('answers a repeated event_id with 200 duplicate: true, the same evt_ id, and no second delivery', async () => {
      await api('POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'invoice.paid' } });
      const ep = await api('POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: `${receiver.url}/dup`, events: ['invoice.paid'] } });
      expect(ep.status).toBe(201);
      const event = { event_type: 'invoice.paid', payload: { invoice: 'in_1' }, event_id: 'billing-in_1' };

      const first = await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: event });
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ event_id: expect.stringMatching(/^evt_/), event_type: 'invoice.paid', deliveries: 1, duplicate: false });
      await receiver.waitFor(1);

      const second = await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: { ...event, payload: { invoice: 'changed' } } });
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ event_id: first.body.event_id, event_type: 'invoice.paid', deliveries: 1, duplicate: true });

      // Another tenant may use the same idempotency key for its own event.
      const other = await createTenant(stack, 'Same Key Elsewhere');
      const theirs = await ingest('POST', '/api/v1/events', {
        token: other.ingest,
        body: { event_type: 'webhook.test', payload: {}, event_id: 'billing-in_1' },
      });
      expect(theirs.status).toBe(202);
      expect(theirs.body.event_id).not.toBe(first.body.event_id);

      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests.filter((r) => r.path === '/dup')).toHaveLength(1);
      expect(JSON.parse(receiver.requests.find((r) => r.path === '/dup')!.body).payload).toEqual({ invoice: 'in_1' });
      const outbox = await api('GET', `/api/v1/outbox?endpoint_id=${ep.body.id}`, { token: tenant.read });
      expect(outbox.body.data).toHaveLength(1);
    });

    it('answers a repeated event_id holding half a surrogate pair as a duplicate too (the key is stored with U+FFFD)', async () => {
      const event = { event_type: 'webhook.test', payload: {}, event_id: 'half-\ud800-pair' };
      const first = await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: event });
      expect(first.status).toBe(202);
      expect(first.body.duplicate).toBe(false);
      const second = await ingest('POST', '/api/v1/events', { token: tenant.ingest, body: event });
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ ...first.body, duplicate: true });
    });
  });
});

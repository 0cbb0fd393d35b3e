import { Webhook } from 'standardwebhooks';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

describe('one signed webhook, end to end on the real stack', () => {
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(async () => {
    await receiver?.close();
  });

  it('answers /healthz and /readyz on all three services', async () => {
    for (const url of [stack.api.url, stack.ingest.url, stack.worker.url]) {
      expect((await call(url, 'GET', '/healthz')).status).toBe(200);
      const ready = await call(url, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
    }
  });

  it('delivers exactly one POST that standardwebhooks verifies, with the documented envelope and headers', async () => {
    receiver = await startReceiver();
    const tenant = await createTenant(stack);
    const eventType = await call(stack.api.url, 'POST', '/api/v1/event-types', {
      token: tenant.admin,
      body: { name: 'company.profile_updated', description: 'A company changed its profile.' },
    });
    expect(eventType.status).toBe(201);
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `${receiver.url}/hook`, name: 'CRM bridge', events: ['company.*'], headers: { 'X-Team': 'crm' } },
    });
    expect(endpoint.status).toBe(201);
    expect(endpoint.body.signing_secret).toMatch(/^whsec_/);
    expect(endpoint.body.signing_secret_prefix).toBe(endpoint.body.signing_secret.slice(0, 12));

    const before = Date.now();
    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'company.profile_updated', payload: { company_id: 'US-123456', employees: 42 } },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      event_id: expect.stringMatching(/^evt_/),
      event_type: 'company.profile_updated',
      deliveries: 1,
      duplicate: false,
    });

    const [request] = await receiver.waitFor(1);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/hook');
    const headers = request!.headers as Record<string, string>;
    const verified = new Webhook(endpoint.body.signing_secret).verify(request!.body, headers);
    expect(headers['webhook-id']).toBe(accepted.body.event_id);
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(headers['x-herald-event']).toBe('company.profile_updated');
    expect(headers['x-herald-delivery']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(headers['x-herald-attempt']).toBe('1');
    expect(headers['x-herald-schema-version']).toBe('2026-12-01');
    expect(headers['x-herald-tenant']).toBe(tenant.id);
    expect(headers['x-herald-endpoint']).toBe(endpoint.body.id);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toMatch(/^Herald\/\d+\.\d+\.\d+$/);
    expect(headers['x-team']).toBe('crm');
    expect(verified).toEqual({
      schema_version: '2026-12-01',
      event_id: accepted.body.event_id,
      event_type: 'company.profile_updated',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      environment: null,
      tenant: { id: tenant.id, name: 'Acme', external_id: null },
      endpoint_id: endpoint.body.id,
      payload: { company_id: 'US-123456', employees: 42 },
    });

    const outbox = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', '/api/v1/outbox', { token: tenant.read });
      return res.body.data[0]?.status === 'delivered' ? res.body : null;
    });
    expect(outbox.data).toHaveLength(1);
    expect(outbox.data[0]).toMatchObject({
      event_id: accepted.body.event_id,
      endpoint_id: endpoint.body.id,
      status: 'delivered',
      attempts: 1,
      last_response_status: 200,
    });
    // Exactly one: nothing else arrives once the delivery is settled.
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toHaveLength(1);
  });

  it('retries a failing receiver with growing backoff and ends dead after max_attempts, each attempt recorded', async () => {
    receiver = await startReceiver(() => ({ status: 500, body: 'boom' }));
    const tenant = await createTenant(stack, 'Failing Inc');
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'invoice.paid' } });
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: receiver.url, events: ['invoice.paid'], max_attempts: 4 },
    });
    expect(endpoint.status).toBe(201);
    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'invoice.paid', payload: { invoice: 'in_1' } },
    });
    expect(accepted.status).toBe(202);

    const dead = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', '/api/v1/outbox?status=dead', { token: tenant.read });
      return res.body.data[0];
    });
    expect(dead).toMatchObject({ status: 'dead', attempts: 4, max_attempts: 4, last_response_status: 500, next_attempt_at: null });
    expect(receiver.requests).toHaveLength(4);
    expect(receiver.requests.map((r) => r.headers['x-herald-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([accepted.body.event_id]));
    const gaps = receiver.requests.slice(1).map((r, i) => r.receivedAt - receiver.requests[i]!.receivedAt);
    // Backoff 50 ms doubling (capped at 400): each wait at least its step.
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[1]).toBeGreaterThanOrEqual(95);
    expect(gaps[2]).toBeGreaterThanOrEqual(195);

    const attempts = await stack.db.attempt.findMany({ where: { deliveryId: dead.id }, orderBy: { attempt: 'asc' } });
    expect(attempts.map((a) => [a.attempt, a.status, a.responseStatus, a.responseBody])).toEqual([
      [1, 'failed', 500, 'boom'],
      [2, 'failed', 500, 'boom'],
      [3, 'failed', 500, 'boom'],
      [4, 'failed', 500, 'boom'],
    ]);
  });
});

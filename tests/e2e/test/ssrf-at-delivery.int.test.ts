import type { LookupAddress } from 'node:dns';
import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * A host whose DNS answer changes after the endpoint was created (DNS
 * rebinding): the check runs again on the address actually connected to.
 * The stack resolves names through a table this test controls.
 */
describe('SSRF rules at delivery time', () => {
  let stack: Stack;
  let receiver: Receiver;
  const dns = new Map<string, LookupAddress[]>();

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startStack(
      { HERALD_OUTBOUND_ALLOWLIST: '', HERALD_ALLOW_HTTP: 'true' },
      {
        resolve: async (host) => {
          const answer = dns.get(host);
          if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
          return answer;
        },
      },
    );
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('refuses at creation a host that resolves to loopback, and at delivery one that starts to', async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'x.y' } });
    const port = new URL(receiver.url).port;

    dns.set('inside.example', [{ address: '127.0.0.1', family: 4 }]);
    const refused = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `http://inside.example:${port}/`, events: ['x.y'] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details[0]).toMatchObject({ path: 'url', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) });

    dns.set('rebind.example', [{ address: '93.184.215.14', family: 4 }]);
    const created = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: `http://rebind.example:${port}/`, events: ['x.y'] },
    });
    expect(created.status).toBe(201);

    dns.set('rebind.example', [{ address: '127.0.0.1', family: 4 }]);
    const sent = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'x.y', payload: {} } });
    expect(sent.status).toBe(202);
    const dead = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${created.body.id}&status=dead`, { token: tenant.read });
      return res.body.data[0];
    });
    expect(dead).toMatchObject({ attempts: 1, last_response_status: null, last_error: expect.stringMatching(/^blocked: .*127\.0\.0\.1.*not allowed/) });
    const attempt = await call(stack.api.url, 'GET', `/api/v1/outbox/${dead.id}`, { token: tenant.read });
    expect(attempt.body.attempts[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/^blocked/) });
    expect(receiver.requests).toHaveLength(0);
  });
});

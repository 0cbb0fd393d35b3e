import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** An endpoint failing for HERALD_DISABLE_AFTER_MS is disabled (`failing`); any success resets the clock. */
describe('endpoint health: disabling after a run of failures', () => {
  let stack: Stack;
  let receiver: Receiver;
  let failing = true;

  beforeAll(async () => {
    stack = await startStack({ HERALD_DISABLE_AFTER_MS: '1500', HERALD_RETRY_BASE_MS: '100', HERALD_RETRY_MAX_DELAY_MS: '200' });
    receiver = await startReceiver(() => (failing ? { status: 500 } : { status: 200 }));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('records first_failure_at, clears it on a success, and disables once failures outlast the limit', async () => {
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'h.t' } });
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', {
      token: tenant.admin,
      body: { url: receiver.url, events: ['h.t'], max_attempts: 50 },
    });
    const id = endpoint.body.id as string;
    const send = () => call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'h.t', payload: {} } });
    const firstFailureAt = async () => (await stack.db.endpoint.findUniqueOrThrow({ where: { id } })).firstFailureAt;

    // Failing for less than the limit, then one success: the run is cleared, the endpoint stays enabled.
    await send();
    await eventually(async () => (await firstFailureAt()) !== null);
    failing = false;
    await eventually(async () => (await firstFailureAt()) === null);
    expect((await call(stack.api.url, 'GET', `/api/v1/endpoints/${id}`, { token: tenant.read })).body).toMatchObject({ enabled: true, disabled_reason: null });

    // Failing for longer than the limit: disabled as `failing`, its pending deliveries dead and replayable.
    failing = true;
    await send();
    await send();
    const disabled = await eventually(async () => {
      const res = await call(stack.api.url, 'GET', `/api/v1/endpoints/${id}`, { token: tenant.read });
      return res.body.enabled === false ? res.body : null;
    }, 15_000, 100);
    expect(disabled.disabled_reason).toBe('failing');
    const dead = await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${id}&status=dead`, { token: tenant.read });
    expect(dead.body.data).toHaveLength(2);

    // Re-enabling starts afresh.
    const enabled = await call(stack.api.url, 'PATCH', `/api/v1/endpoints/${id}`, { token: tenant.admin, body: { enabled: true } });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    expect(await firstFailureAt()).toBeNull();
  });
});

import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/** Reads one sample of a Prometheus text exposition, the first with all the given labels (0 when absent). */
function sample(text: string, name: string, ...labels: string[]): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('operations: queue dashboard and metrics', () => {
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver(() => ({ status: 200, delayMs: 300 }));
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  const metrics = async (url: string) => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  it('serves /metrics on all three services, and the counters move when deliveries happen', async () => {
    const [ingestBefore, workerBefore] = [await metrics(stack.ingest.url), await metrics(stack.worker.url)];
    expect(await metrics(stack.api.url)).toContain('herald_process_cpu_user_seconds_total');
    const tenant = await createTenant(stack);
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'm.test' } });
    await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: receiver.url, events: ['m.test'] } });
    for (let i = 0; i < 3; i++) {
      expect((await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'm.test', payload: { i } } })).status).toBe(202);
    }
    expect((await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'nope', payload: {} } })).status).toBe(422);
    await receiver.waitFor(3);

    const ingest = await metrics(stack.ingest.url);
    expect(sample(ingest, 'herald_events_ingested_total', 'outcome="accepted"') - sample(ingestBefore, 'herald_events_ingested_total', 'outcome="accepted"')).toBe(3);
    expect(sample(ingest, 'herald_events_ingested_total', 'outcome="refused"') - sample(ingestBefore, 'herald_events_ingested_total', 'outcome="refused"')).toBe(1);
    // Answer times by route and status, and the part of them spent storing (the 422 stored nothing).
    const answers = (text: string, status: string) => sample(text, 'herald_http_request_duration_seconds_count', 'route="/api/v1/events"', `status="${status}"`);
    expect(answers(ingest, '202') - answers(ingestBefore, '202')).toBe(3);
    expect(answers(ingest, '422') - answers(ingestBefore, '422')).toBe(1);
    expect(sample(ingest, 'herald_ingest_store_duration_seconds_count') - sample(ingestBefore, 'herald_ingest_store_duration_seconds_count')).toBe(3);
    expect(sample(ingest, 'herald_ingest_store_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(await metrics(stack.api.url), 'herald_http_request_duration_seconds_count', 'method="POST"', 'route="/api/v1/endpoints"', 'status="201"')).toBe(1);
    const worker = await eventually(async () => {
      const text = await metrics(stack.worker.url);
      return sample(text, 'herald_deliveries_total', 'outcome="delivered"') - sample(workerBefore, 'herald_deliveries_total', 'outcome="delivered"') === 3 ? text : null;
    });
    expect(sample(worker, 'herald_attempt_duration_seconds_count', 'result="succeeded"')).toBeGreaterThanOrEqual(3);
    expect(sample(worker, 'herald_ingest_to_delivery_seconds_count')).toBeGreaterThanOrEqual(3);
    // Each first try's wait in Redis for a worker, from ingest queueing its job after the commit.
    expect(sample(worker, 'herald_delivery_queue_wait_seconds_count', 'kind="webhook"')).toBeGreaterThanOrEqual(3);
    expect(worker).toMatch(/herald_deliveries_in_flight\{[^}]*\} 0/);
    expect(worker).toMatch(/herald_endpoints_waiting\{[^}]*state="ready"[^}]*\} \d+/);
    expect(worker).toContain('herald_dead_letters_total');
    expect(ingest).toContain('herald_dependency_errors_total');
  });

  it('shows the per-endpoint queues on /admin/queues, behind the root token', async () => {
    const tenant = await createTenant(stack, 'Board');
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token: tenant.admin, body: { name: 'b.test' } });
    const slow = await startReceiver(() => ({ status: 200, delayMs: 2000 }));
    const endpoint = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { url: slow.url, events: ['b.test'] } });
    await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'b.test', payload: {} } });

    const page = await fetch(`${stack.api.url}/admin/queues`);
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(((await page.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const basic = `Basic ${Buffer.from(`ops:${stack.rootToken}`).toString('base64')}`;
    const html = await fetch(`${stack.api.url}/admin/queues`, { headers: { authorization: basic } });
    expect(html.status).toBe(200);
    expect(await html.text()).toContain('<html');
    expect((await fetch(`${stack.api.url}/admin/queues`, { headers: { authorization: `Bearer ${tenant.admin}` } })).status).toBe(401);

    const queues = await eventually(async () => {
      const res = await fetch(`${stack.api.url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${stack.rootToken}` } });
      const body = (await res.json()) as { queues: { name: string }[] };
      return body.queues.some((q) => q.name.includes(endpoint.body.id)) ? body.queues : null;
    });
    expect(queues.map((q: { name: string }) => q.name)).toContain(`ep.{${endpoint.body.id}}`);
    await slow.close();
  });
});

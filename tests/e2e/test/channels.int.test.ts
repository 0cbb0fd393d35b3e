import { eventually, startReceiver, type Receiver } from '@herald/testing';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

/**
 * Channels scope webhooks per app: an endpoint without channels receives
 * every event, one with channels only events sharing one. The outbox, stats,
 * attempts and bulk actions filter by channel.
 */
describe('channels', () => {
  let stack: Stack;
  let receiver: Receiver;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  const ids: Record<string, string> = {};

  const api = (method: string, path: string, body?: unknown, token = tenant.admin) => call(stack.api.url, method, path, { token, body });
  const ingest = (events: unknown[]) => call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token: tenant.ingest, body: { events } });

  beforeAll(async () => {
    stack = await startStack();
    receiver = await startReceiver();
    tenant = await createTenant(stack);
    expect((await api('POST', '/api/v1/event-types', { name: 'order.paid' })).status).toBe(201);
    // Each endpoint's path names it, so the receiver tells who got what.
    const endpoints: Record<string, string[] | undefined> = { any: undefined, eu: ['shop-eu'], both: ['shop-us', 'shop-eu'] };
    for (const [name, channels] of Object.entries(endpoints)) {
      const res = await api('POST', '/api/v1/endpoints', { url: `${receiver.url}/${name}`, events: ['order.*'], ...(channels ? { channels } : {}) });
      expect(res.status).toBe(201);
      expect(res.body.channels).toEqual(channels ?? []);
      ids[name] = res.body.id;
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.stop();
  });

  it('fans out by the matrix: endpoints with and without channels × events with and without', async () => {
    const events = [
      { event_type: 'order.paid', payload: { n: 'none' } },
      { event_type: 'order.paid', payload: { n: 'eu' }, channels: ['shop-eu'] },
      { event_type: 'order.paid', payload: { n: 'us' }, channels: ['shop-us', 'shop-us'] },
      { event_type: 'order.paid', payload: { n: 'other' }, channels: ['pos'] },
    ];
    const res = await ingest(events);
    expect(res.status).toBe(202);
    expect(res.body.results.map((r: { deliveries: number }) => r.deliveries)).toEqual([1, 3, 2, 1]);
    await receiver.waitFor(7);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    const got = receiver.requests.map((r) => `${r.path.slice(1)}:${JSON.parse(r.body).payload.n}`).sort();
    expect(got).toEqual(['any:eu', 'any:none', 'any:other', 'any:us', 'both:eu', 'both:us', 'eu:eu']);
    // The event keeps its channels, each once; each delivery shows them.
    const outbox = await api('GET', `/api/v1/outbox?endpoint_id=${ids.both}`, undefined, tenant.read);
    expect(outbox.body.data.map((d: { channels: string[] }) => d.channels).sort()).toEqual([['shop-eu'], ['shop-us']]);
  });

  it('filters the outbox, attempts, stats and the endpoint list by channel', async () => {
    const outbox = await api('GET', '/api/v1/outbox?channel=shop-eu', undefined, tenant.read);
    expect(outbox.status).toBe(200);
    expect(outbox.body.data).toHaveLength(3);
    expect(outbox.body.data.every((d: { channels: string[] }) => d.channels.includes('shop-eu'))).toBe(true);
    expect((await api('GET', '/api/v1/outbox?channel=nowhere', undefined, tenant.read)).body.data).toEqual([]);

    const stats = (id: string, channel?: string) =>
      eventually(async () => {
        const res = await api('GET', `/api/v1/endpoints/${id}/stats?window=1h${channel ? `&channel=${channel}` : ''}`, undefined, tenant.read);
        return res.body.pending === 0 ? res.body : null;
      });
    expect(await stats(ids.any!)).toMatchObject({ delivered: 4, success_rate: 1 });
    expect(await stats(ids.any!, 'shop-us')).toMatchObject({ delivered: 1, failed_attempts: 0, success_rate: 1 });
    expect(await stats(ids.any!, 'nowhere')).toMatchObject({ delivered: 0, success_rate: null });

    const attempts = await api('GET', `/api/v1/endpoints/${ids.any}/attempts?channel=pos`, undefined, tenant.read);
    expect(attempts.body.data).toHaveLength(1);

    const listed = await api('GET', '/api/v1/endpoints?channel=shop-eu', undefined, tenant.read);
    expect(listed.body.data.map((e: { id: string }) => e.id).sort()).toEqual([ids.eu, ids.both].sort());
  });

  it('refuses bad channel names and more than 10 with 422, storing nothing', async () => {
    const bad = await ingest([{ event_type: 'order.paid', payload: {}, channels: ['Shop EU'] }]);
    expect(bad.body.results[0].error).toMatchObject({ code: 'validation_failed', details: [{ path: 'events.0.channels.0' }] });
    const one = await call(stack.ingest.url, 'POST', '/api/v1/events', {
      token: tenant.ingest,
      body: { event_type: 'order.paid', payload: {}, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) },
    });
    expect(one.status).toBe(422);
    expect(one.body.error.details[0]).toMatchObject({ path: 'channels', message: 'at most 10 channels' });
    const endpoint = await api('POST', '/api/v1/endpoints', { url: receiver.url, events: ['*'], channels: ['ok', 'x'.repeat(65)] });
    expect(endpoint.status).toBe(422);
    expect(endpoint.body.error.details).toEqual([{ path: 'channels.1', message: expect.stringMatching(/1\.\.64/) }]);
    expect((await api('PATCH', `/api/v1/endpoints/${ids.eu}`, { channels: ['UPPER'] })).status).toBe(422);
    expect((await api('GET', `/api/v1/endpoints/${ids.eu}`)).body.channels).toEqual(['shop-eu']);
    expect((await api('GET', '/api/v1/outbox?channel=Bad%20Name', undefined, tenant.read)).status).toBe(400);
  });

  it('disables every endpoint of a channel in one bulk request; a PATCH of channels reaches ingest at once', async () => {
    const bulk = await api('POST', '/api/v1/endpoints/bulk', { action: 'disable', channel: 'shop-eu' });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results.map((r: { id: string }) => r.id).sort()).toEqual([ids.eu, ids.both].sort());
    expect(bulk.body.results.every((r: { ok: boolean }) => r.ok)).toBe(true);
    expect((await api('GET', `/api/v1/endpoints/${ids.eu}`)).body.enabled).toBe(false);
    expect((await api('GET', `/api/v1/endpoints/${ids.any}`)).body.enabled).toBe(true);
    expect((await api('POST', '/api/v1/endpoints/bulk', { action: 'disable', channel: 'shop-eu', ids: [ids.eu] })).status).toBe(400);

    const sent = await ingest([{ event_type: 'order.paid', payload: { n: 'after' }, channels: ['shop-eu'] }]);
    expect(sent.body.results[0].deliveries).toBe(1); // only the endpoint without channels

    // The cached fan-out follows a change of channels.
    expect((await api('PATCH', `/api/v1/endpoints/${ids.any}`, { channels: ['pos'] })).status).toBe(200);
    const again = await ingest([{ event_type: 'order.paid', payload: {}, channels: ['shop-eu'] }]);
    expect(again.body.results[0].deliveries).toBe(0);
  });
});

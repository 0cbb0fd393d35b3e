import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '@herald/testing';
import { startSmtpSink, type SmtpSink } from '../src/smtp-sink.js';
import { call, startStack, type Stack } from '../src/stack.js';

const WINDOW_MS = 2_500;

/** Herald's own events (herald.*): emitted into the tenant through the same outbox, to endpoints and by email. */
describe('operational events', () => {
  let stack: Stack;
  let smtp: SmtpSink;
  let watcher: Receiver;
  let tenant: { id: string; admin: string; read: string; ingest: string };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    watcher = await startReceiver();
    stack = await startStack({
      HERALD_SMTP_URL: smtp.url,
      HERALD_ENVIRONMENT: 'production',
      HERALD_DEAD_NOTICE_WINDOW_MS: String(WINDOW_MS),
      HERALD_FAILING_NOTICE_MS: '400',
    });
    const created = await call(stack.api.url, 'POST', '/api/v1/tenants', {
      token: stack.rootToken,
      body: { name: 'Acme', external_id: 'acct-1', primary_contact_email: 'oncall@example.com' },
    });
    tenant = { id: created.body.id, ...created.body.api_keys };
    await admin('POST', '/api/v1/event-types', { name: 'order.placed' });
    // The watcher hears every operational event; IndexBox-style bodies send "kind": "webhook".
    const subscribed = await admin('POST', '/api/v1/endpoints', { kind: 'webhook', url: watcher.url, events: ['herald.*'] });
    expect(subscribed.status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
    await watcher?.close();
    await smtp?.close();
  });

  const admin = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
  const heard = (eventType: string) => watcher.requests.filter((r) => r.headers['x-herald-event'] === eventType).map((r) => JSON.parse(r.body) as any);
  /** Operational events a receiver got about its own endpoint (there must be none). */
  const aboutItself = (r: Receiver, endpointId: string) =>
    r.requests.filter((q: ReceivedRequest) => String(q.headers['x-herald-event']).startsWith('herald.') && JSON.parse(q.body).payload.endpoint.id === endpointId);

  it('registers the herald.* types read-only with every tenant, refuses them from producers, and endpoints only as webhooks', async () => {
    const types = (await call(stack.api.url, 'GET', '/api/v1/event-types?limit=100', { token: tenant.read })).body.data as any[];
    const disabled = types.find((t) => t.name === 'herald.endpoint.disabled');
    expect(disabled).toMatchObject({ read_only: true, email: { enabled: true, subscribers: [] } });
    expect(types.filter((t) => t.name.startsWith('herald.')).map((t) => t.name).sort()).toEqual([
      'herald.delivery.dead',
      'herald.endpoint.disabled',
      'herald.endpoint.failing',
      'herald.endpoint.recovered',
    ]);
    expect((await admin('PATCH', '/api/v1/event-types/herald.endpoint.disabled', { description: 'mine' })).status).toBe(409);
    expect((await admin('DELETE', '/api/v1/event-types/herald.delivery.dead')).status).toBe(409);
    expect((await admin('POST', '/api/v1/event-types', { name: 'herald.custom' })).status).toBe(422);
    const spoofed = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'herald.endpoint.disabled', payload: {} } });
    expect(spoofed.status).toBe(422);
    const email = await call(stack.api.url, 'POST', '/api/v1/endpoints', { token: tenant.admin, body: { kind: 'email', url: watcher.url, events: ['*'] } });
    expect(email.status).toBe(422);
    expect(email.body.error.details[0].path).toBe('kind');
  });

  it('an endpoint answering 410 produces herald.endpoint.disabled to an endpoint subscribed to herald.* and an email to the primary contact', async () => {
    const gone = await startReceiver(() => ({ status: 410 }));
    try {
      const endpoint = await admin('POST', '/api/v1/endpoints', { url: gone.url, name: 'Old CRM', events: ['order.placed', 'herald.*'] });
      await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.placed', payload: { id: 1 } } });
      const [notice] = await eventually(async () => (heard('herald.endpoint.disabled').length > 0 ? heard('herald.endpoint.disabled') : null));
      expect(notice.payload).toEqual({
        event_type: 'herald.endpoint.disabled',
        environment: 'production',
        tenant: { id: tenant.id, name: 'Acme', external_id: 'acct-1' },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        endpoint: { id: endpoint.body.id, url: gone.url, name: 'Old CRM' },
        reason: 'gone',
        deliveries_dead: 0,
      });
      const [mail] = await smtp.waitFor(1);
      expect(mail!.to).toEqual(['oncall@example.com']);
      expect(mail!.parsed.subject).toBe('[Herald] herald.endpoint.disabled — Acme');
      expect(mail!.parsed.text).toContain(`endpoint.id: ${endpoint.body.id}`);
      expect(mail!.parsed.text).toContain('reason: gone');
      expect(aboutItself(gone, endpoint.body.id)).toHaveLength(0);
    } finally {
      await gone.close();
    }
  });

  it('50 deliveries dying in one window produce one herald.delivery.dead with count 50, never sent to the endpoint it is about; failing and recovered follow the run', async () => {
    let failing = true;
    const flaky = await startReceiver((req) => (String(req.headers['x-herald-event']).startsWith('herald.') || !failing ? { status: 200 } : { status: 500 }));
    try {
      const endpoint = await admin('POST', '/api/v1/endpoints', { url: flaky.url, events: ['order.placed', 'herald.*'], max_attempts: 1 });
      const id = endpoint.body.id as string;
      const events = Array.from({ length: 50 }, (_, i) => ({ event_type: 'order.placed', payload: { i } }));
      const batch = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token: tenant.ingest, body: { events } });
      expect(batch.status).toBe(202);
      await eventually(async () => (await call(stack.api.url, 'GET', `/api/v1/outbox?endpoint_id=${id}&status=dead&limit=100`, { token: tenant.read })).body.data.length === 50);
      const dead = await eventually(async () => {
        const list = heard('herald.delivery.dead').filter((e) => e.payload.endpoint.id === id);
        return list.length > 0 ? list : null;
      }, WINDOW_MS * 4, 100);
      expect(dead[0].payload).toMatchObject({ event_type: 'herald.delivery.dead', count: 50, window_ms: WINDOW_MS, tenant: { id: tenant.id } });
      // Still failing after HERALD_FAILING_NOTICE_MS: herald.endpoint.failing, once.
      await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.placed', payload: { late: true } } });
      const failingNotice = await eventually(async () => heard('herald.endpoint.failing').find((e) => e.payload.endpoint.id === id) ?? null);
      expect(failingNotice.payload.failing_since).toEqual(expect.any(String));

      // The late death opened a second window: it reports 1, and nothing reports the first 50 again.
      await eventually(async () => heard('herald.delivery.dead').filter((e) => e.payload.endpoint.id === id).length === 2, WINDOW_MS * 4, 100);
      expect(heard('herald.delivery.dead').filter((e) => e.payload.endpoint.id === id).map((e) => e.payload.count)).toEqual([50, 1]);
      expect(aboutItself(flaky, id)).toHaveLength(0);

      // A success ends the run: herald.endpoint.recovered.
      failing = false;
      await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'order.placed', payload: { ok: true } } });
      const recovered = await eventually(async () => heard('herald.endpoint.recovered').find((e) => e.payload.endpoint.id === id) ?? null);
      expect(recovered.payload.failing_since).toBe(failingNotice.payload.failing_since);
      expect(heard('herald.endpoint.failing').filter((e) => e.payload.endpoint.id === id)).toHaveLength(1);
      expect(aboutItself(flaky, id)).toHaveLength(0);
    } finally {
      await flaky.close();
    }
  });

  it('fans out with no channels and no ordering key: endpoints with channels get none, a fifo endpoint orders it on its default key', async () => {
    const scoped = await startReceiver();
    const gone = await startReceiver(() => ({ status: 410 }));
    try {
      await admin('POST', '/api/v1/event-types', { name: 'shop.ping' });
      const onChannel = await admin('POST', '/api/v1/endpoints', { url: scoped.url, events: ['herald.*'], channels: ['shop-eu'] });
      const fifo = await admin('POST', '/api/v1/endpoints', { url: watcher.url, events: ['herald.endpoint.disabled'], ordering: 'fifo' });
      expect([onChannel.status, fifo.status]).toEqual([201, 201]);
      const endpoint = await admin('POST', '/api/v1/endpoints', { url: gone.url, events: ['shop.ping'] });
      await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'shop.ping', payload: {} } });
      const outbox = async (query: string) => (await call(stack.api.url, 'GET', `/api/v1/outbox?${query}`, { token: tenant.read })).body.data as any[];
      const [ordered] = await eventually(async () => {
        const rows = await outbox(`endpoint_id=${fifo.body.id}`);
        return rows.length === 1 && rows[0].status === 'delivered' ? rows : null;
      });
      expect(ordered).toMatchObject({ event_type: 'herald.endpoint.disabled', channels: [], ordering_key: '', kind: 'webhook' });
      const event = await call(stack.api.url, 'GET', `/api/v1/events/${ordered.event_id}`, { token: tenant.read });
      expect(event.body.envelope.payload.endpoint.id).toBe(endpoint.body.id);
      expect(event.body.deliveries.every((d: any) => d.channels.length === 0)).toBe(true);
      expect(event.body.deliveries.filter((d: any) => d.kind === 'email').every((d: any) => d.ordering_key === null)).toBe(true);
      expect(event.body.deliveries.some((d: any) => d.endpoint_id === onChannel.body.id)).toBe(false);
      expect(await outbox(`endpoint_id=${onChannel.body.id}`)).toHaveLength(0);
      expect(scoped.requests).toHaveLength(0);
    } finally {
      await scoped.close();
      await gone.close();
    }
  });
});

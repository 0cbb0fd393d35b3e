import { eventually, startReceiver } from '@herald/testing';
import { startSmtpSink, type SmtpSink } from '../src/smtp-sink.js';
import { call, startStack, type Stack } from '../src/stack.js';

/** Email as a second kind of delivery: a real SMTP server in the test receives what Herald sends. */
describe('email deliveries', () => {
  let stack: Stack;
  let smtp: SmtpSink;
  let tenant: { id: string; admin: string; read: string; ingest: string };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    stack = await startStack({ HERALD_SMTP_URL: smtp.url, HERALD_EMAIL_FROM: 'Herald <herald@example.com>', HERALD_ENVIRONMENT: 'staging' });
    const created = await call(stack.api.url, 'POST', '/api/v1/tenants', {
      token: stack.rootToken,
      body: { name: 'Acme <Ops>', external_id: 'acct-9', primary_contact_email: 'Owner@Example.com' },
    });
    expect(created.status).toBe(201);
    expect(created.body.primary_contact_email).toBe('owner@example.com');
    tenant = { id: created.body.id, ...created.body.api_keys };
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  const admin = (method: string, path: string, body?: unknown) => call(stack.api.url, method, path, { token: tenant.admin, body });
  const send = (eventType: string, payload: unknown) =>
    call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: eventType, payload } });
  const outbox = async (query: string) => (await call(stack.api.url, 'GET', `/api/v1/outbox?${query}`, { token: tenant.read })).body.data as any[];
  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

  it('emails each event of an email-enabled type to the primary contact and each subscriber once: subject, text and HTML parts, escaped fields', async () => {
    expect((await admin('POST', '/api/v1/event-types', { name: 'invoice.paid' })).status).toBe(201);
    const patched = await admin('PATCH', '/api/v1/event-types/invoice.paid', {
      email: { enabled: true, subscribers: ['a@example.com', 'A@EXAMPLE.com', 'owner@example.com', 'b@example.com'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.email).toEqual({ enabled: true, subscribers: ['a@example.com', 'owner@example.com', 'b@example.com'] });

    const accepted = await send('invoice.paid', { invoice: 'INV-1', note: '<script>alert("x")</script> & co', customer: { name: 'Zoë' } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.deliveries).toBe(3);
    await smtp.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more arrives
    expect(smtp.mails).toHaveLength(3);
    expect(smtp.mails.map((m) => m.to).sort()).toEqual([['a@example.com'], ['b@example.com'], ['owner@example.com']]);

    const mail = mailsTo('owner@example.com')[0]!;
    expect(mail.from).toBe('herald@example.com');
    expect(mail.parsed.subject).toBe('[Herald] invoice.paid — Acme <Ops>');
    expect(mail.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    // mailparser files List-* headers under `list`; the line itself shows it points at the From address, nothing secret.
    expect(mail.raw.replace(/\r?\n[ \t]+/g, ' ')).toMatch(new RegExp(`^List-Unsubscribe: <mailto:herald@example.com\\?subject=unsubscribe%20${tenant.id}%20invoice.paid>\r?$`, 'm'));
    expect(mail.parsed.text).toContain('note: <script>alert("x")</script> & co');
    expect(mail.parsed.text).toContain('customer.name: Zoë');
    expect(mail.parsed.text).toContain('Environment: staging');
    expect(mail.parsed.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.html).toContain('Acme &lt;Ops&gt; (acct-9)');

    const deliveries = await eventually(async () => {
      const rows = await outbox('kind=email');
      return rows.length === 3 && rows.every((d) => d.status === 'delivered') ? rows : null;
    });
    expect(deliveries.map((d) => d.recipient).sort()).toEqual(['a@example.com', 'b@example.com', 'owner@example.com']);
    expect(deliveries.every((d) => d.kind === 'email' && d.endpoint_id === null && d.attempts === 1)).toBe(true);
    expect(await outbox('kind=webhook')).toHaveLength(0);
    const detail = await call(stack.api.url, 'GET', `/api/v1/outbox/${deliveries[0].id}`, { token: tenant.read });
    expect(detail.body.attempts[0]).toMatchObject({ status: 'succeeded', response_status: 250 });
    expect(detail.body.attempts[0].request_headers).toMatchObject({ To: deliveries[0].recipient, 'Auto-Submitted': 'auto-generated' });
    expect(detail.body.attempts[0].request_body).toContain('invoice: INV-1');
  });

  it('truncates a large payload with a note', async () => {
    await admin('POST', '/api/v1/event-types', { name: 'big.report' });
    await admin('PATCH', '/api/v1/event-types/big.report', { email: { enabled: true, subscribers: [] } });
    const before = smtp.mails.length;
    const payload = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`field_${i}`, 'x'.repeat(500)]));
    expect((await send('big.report', payload)).body.deliveries).toBe(1);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.parsed.text).toContain('30 more fields not shown');
    expect(mail!.parsed.text).not.toContain('field_79');
    expect(mail!.parsed.text).toContain(`field_0: ${'x'.repeat(199)}…`);
  });

  it('tries again after an SMTP 421, and records both attempts', async () => {
    await admin('POST', '/api/v1/event-types', { name: 'retry.me' });
    await admin('PATCH', '/api/v1/event-types/retry.me', { email: { enabled: true, subscribers: ['retry@example.com'] } });
    await admin('PATCH', '/api/v1/event-types/invoice.paid', { email: { enabled: false, subscribers: [] } });
    smtp.reply((recipient, tries) => (recipient === 'retry@example.com' && tries === 1 ? { code: 421, message: 'Try again later' } : null));
    await send('retry.me', { n: 1 });
    await eventually(async () => mailsTo('retry@example.com').length === 1);
    const [delivery] = await eventually(async () => {
      const rows = (await outbox('kind=email&event_type=retry.me')).filter((d) => d.recipient === 'retry@example.com');
      return rows[0]?.status === 'delivered' ? rows : null;
    });
    expect(delivery.attempts).toBe(2);
    const detail = await call(stack.api.url, 'GET', `/api/v1/outbox/${delivery.id}`, { token: tenant.read });
    expect(detail.body.attempts.map((a: any) => [a.status, a.response_status])).toEqual([
      ['failed', 421],
      ['succeeded', 250],
    ]);
    expect(detail.body.attempts[0].error).toContain('421');
    expect(mailsTo('retry@example.com')).toHaveLength(1);
  });

  it('makes an SMTP 550 dead at once with the reply recorded, and a replay delivers it', async () => {
    await admin('POST', '/api/v1/event-types', { name: 'refused.one' });
    await admin('PATCH', '/api/v1/event-types/refused.one', { email: { enabled: true, subscribers: ['nobody@example.com'] } });
    smtp.reply((recipient) => (recipient === 'nobody@example.com' ? { code: 550, message: '5.1.1 <nobody@example.com>: user unknown' } : null));
    await send('refused.one', { n: 2 });
    const dead = await eventually(async () => {
      const rows = (await outbox('kind=email&status=dead')).filter((d) => d.recipient === 'nobody@example.com');
      return rows[0] ?? null;
    });
    expect(dead.attempts).toBe(1);
    expect(dead.last_response_status).toBe(550);
    expect(dead.last_error).toContain('user unknown');
    const detail = await call(stack.api.url, 'GET', `/api/v1/outbox/${dead.id}`, { token: tenant.read });
    expect(detail.body.attempts[0].response_body).toContain('550 5.1.1 <nobody@example.com>: user unknown');

    smtp.reply(() => null);
    expect((await admin('POST', `/api/v1/outbox/${dead.id}/replay`)).status).toBe(202);
    await eventually(async () => mailsTo('nobody@example.com').length === 1);
    await eventually(async () => (await call(stack.api.url, 'GET', `/api/v1/outbox/${dead.id}`, { token: tenant.read })).body.status === 'delivered');
  });

  it('beside channels, fifo and backfill: an email carries its event channels, is never ordered nor backfilled, and bulk replay combines kind, channel, limit and dry_run', async () => {
    await admin('POST', '/api/v1/event-types', { name: 'shop.order' });
    await admin('PATCH', '/api/v1/event-types/shop.order', { email: { enabled: true, subscribers: ['eu1@example.com', 'eu2@example.com'] } });
    const receiver = await startReceiver();
    try {
      const fifo = await admin('POST', '/api/v1/endpoints', { url: receiver.url, events: ['shop.order'], channels: ['shop-eu'], ordering: 'fifo' });
      expect(fifo.status).toBe(201);
      smtp.reply((recipient) => (recipient.startsWith('eu') ? { code: 550, message: '5.1.1 user unknown' } : null));
      const events = [
        { event_type: 'shop.order', payload: { n: 1 }, channels: ['shop-eu'], ordering_key: 'cust-1' },
        { event_type: 'shop.order', payload: { n: 2 }, channels: ['shop-us'] },
      ];
      const sent = await call(stack.ingest.url, 'POST', '/api/v1/events/batch', { token: tenant.ingest, body: { events } });
      expect(sent.status).toBe(202);
      // Per event: the primary contact and two subscribers by email (several NULL endpoint_ids under the
      // unique (event, endpoint) index); the fifo endpoint only for the shop-eu event.
      const emails = await eventually(async () => {
        const rows = await outbox('kind=email&event_type=shop.order');
        return rows.length === 6 && rows.every((d) => d.status !== 'pending') ? rows : null;
      });
      expect(emails.every((d) => d.ordering_key === null && d.order_broken_by === null && d.endpoint_id === null)).toBe(true);
      expect(emails.map((d) => d.channels.join()).sort()).toEqual(['shop-eu', 'shop-eu', 'shop-eu', 'shop-us', 'shop-us', 'shop-us']);
      expect((await outbox('kind=email&channel=shop-eu')).map((d) => d.recipient).sort()).toEqual(['eu1@example.com', 'eu2@example.com', 'owner@example.com']);
      const webhooks = await eventually(async () => {
        const rows = await outbox('kind=webhook&event_type=shop.order');
        return rows.length === 1 && rows[0].status === 'delivered' ? rows : null;
      });
      expect(webhooks[0]).toMatchObject({ endpoint_id: fifo.body.id, channels: ['shop-eu'], ordering_key: 'cust-1', recipient: null });
      expect(await outbox('kind=webhook&channel=shop-us')).toHaveLength(0);

      // Bulk replay: the filters combine; a dry run changes nothing.
      const dry = await admin('POST', '/api/v1/outbox/replay', { kind: 'email', channel: 'shop-eu', limit: 1, dry_run: true });
      expect(dry.status).toBe(200);
      expect(dry.body).toMatchObject({ dry_run: true, count: 1 });
      expect(dry.body.deliveries).toHaveLength(1);
      expect(dry.body.deliveries[0]).toMatchObject({ kind: 'email', channels: ['shop-eu'], status: 'dead' });
      expect((await admin('POST', '/api/v1/outbox/replay', { kind: 'email', channel: 'shop-eu', dry_run: true })).body.count).toBe(2);
      expect((await admin('POST', '/api/v1/outbox/replay', { kind: 'webhook', channel: 'shop-eu', dry_run: true })).body.count).toBe(0);
      expect((await outbox('kind=email&channel=shop-eu&status=dead')).length).toBe(2);
      smtp.reply(() => null);
      const replayed = await admin('POST', '/api/v1/outbox/replay', { kind: 'email', channel: 'shop-eu', limit: 1 });
      expect(replayed.status).toBe(202);
      expect(replayed.body).toEqual({ replayed: 1 });
      await eventually(async () => (await outbox('kind=email&channel=shop-eu&status=delivered')).length === 2);
      expect((await outbox('kind=email&channel=shop-eu&status=dead')).length).toBe(1);

      // Backfill makes webhooks only: a new endpoint gets both events, and no email is added.
      const late = await admin('POST', '/api/v1/endpoints', { url: receiver.url, events: ['shop.order'] });
      const backfill = await admin('POST', `/api/v1/endpoints/${late.body.id}/backfill`, { since: new Date(Date.now() - 3_600_000).toISOString() });
      expect(backfill.status).toBe(202);
      expect(backfill.body.count).toBe(2);
      expect(await outbox(`endpoint_id=${late.body.id}`)).toHaveLength(2);
      expect(await outbox('kind=email&event_type=shop.order')).toHaveLength(6);
    } finally {
      smtp.reply(() => null);
      await receiver.close();
    }
  });

  it('refuses addresses that are not one plain address (422), so none can add a header', async () => {
    for (const bad of ['not-an-address', 'a@example.com\r\nBcc: evil@example.com', 'A <a@example.com>', 'a@example.com, b@example.com']) {
      const res = await admin('PATCH', '/api/v1/event-types/refused.one', { email: { enabled: true, subscribers: ['ok@example.com', bad] } });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([{ path: 'email.subscribers.1', message: expect.stringContaining('email address') }]);
      const settings = await admin('PATCH', '/api/v1/settings', { primary_contact_email: bad });
      expect(settings.status).toBe(422);
    }
    expect((await admin('GET', '/api/v1/event-types/refused.one')).body.email.subscribers).toEqual(['nobody@example.com']);
    const settings = await admin('PATCH', '/api/v1/settings', { primary_contact_email: 'New@Example.com' });
    expect(settings.body).toMatchObject({ primary_contact_email: 'new@example.com', email_configured: true });
    expect((await call(stack.api.url, 'GET', '/api/v1/settings', { token: tenant.read })).status).toBe(403);
  });
});

describe('email on a Herald without SMTP', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses email settings with 422 "email is not configured on this Herald", and queues nothing', async () => {
    const created = await call(stack.api.url, 'POST', '/api/v1/tenants', { token: stack.rootToken, body: { name: 'NoMail', primary_contact_email: 'a@example.com' } });
    expect(created.status).toBe(422);
    expect(created.body.error.details[0].message).toBe('email is not configured on this Herald');
    const tenant = await call(stack.api.url, 'POST', '/api/v1/tenants', { token: stack.rootToken, body: { name: 'NoMail' } });
    const token = tenant.body.api_keys.admin;
    await call(stack.api.url, 'POST', '/api/v1/event-types', { token, body: { name: 'a.b' } });
    const patched = await call(stack.api.url, 'PATCH', '/api/v1/event-types/a.b', { token, body: { email: { enabled: true, subscribers: ['x@example.com'] } } });
    expect(patched.status).toBe(422);
    expect(patched.body.error.message).toContain('email is not configured on this Herald');
    expect((await call(stack.api.url, 'PATCH', '/api/v1/settings', { token, body: { primary_contact_email: 'x@example.com' } })).status).toBe(422);
    expect((await call(stack.api.url, 'GET', '/api/v1/settings', { token })).body).toMatchObject({ primary_contact_email: null, email_configured: false });
    // Turning email off needs no SMTP server.
    expect((await call(stack.api.url, 'PATCH', '/api/v1/event-types/a.b', { token, body: { email: { enabled: false, subscribers: [] } } })).status).toBe(200);
    // herald.endpoint.disabled is emailed by default, but to nobody here: an event of it would queue no email.
    const accepted = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.body.api_keys.ingest, body: { event_type: 'a.b', payload: {} } });
    expect(accepted.body.deliveries).toBe(0);
  });
});

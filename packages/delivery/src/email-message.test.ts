import { buildEmailMessage, emailBodies, EMAIL_MAX_FIELDS } from './email-message.js';

const event = { id: 'evt_1', tenantId: 'tnt_1', eventType: 'lead.created', createdAt: new Date('2026-01-08T10:00:00.000Z'), payload: '{"a":1}' };
const content = { tenant: { id: 'tnt_1', name: 'Acme', externalId: null }, environment: null };
const sending = { fromAddress: 'herald@example.com', headerPrefix: 'X-Herald' };

describe('buildEmailMessage', () => {
  it('names the event type and tenant, and marks the message automatic', () => {
    const message = buildEmailMessage(event, content, sending);
    expect(message.subject).toBe('[Herald] lead.created — Acme');
    expect(message.headers).toMatchObject({
      'Auto-Submitted': 'auto-generated',
      'List-Unsubscribe': '<mailto:herald@example.com?subject=unsubscribe%20tnt_1%20lead.created>',
      'X-Herald-Event': 'lead.created',
    });
  });

  it('keeps line breaks out of the subject, whatever the tenant is called', () => {
    const { subject } = emailBodies(event, { ...content, tenant: { ...content.tenant, name: 'Evil\r\nBcc: x@example.com' } });
    expect(subject).toBe('[Herald] lead.created — Evil Bcc: x@example.com');
  });

  it('lists nested fields by path, escapes them in HTML, and cuts long payloads with a note', () => {
    const payload = { user: { name: '<b>&</b>' }, ...Object.fromEntries(Array.from({ length: EMAIL_MAX_FIELDS + 5 }, (_, i) => [`f${i}`, i])) };
    const { text, html } = emailBodies({ ...event, payload: JSON.stringify(payload) }, content);
    expect(text).toContain('user.name: <b>&</b>');
    expect(html).toContain('&lt;b&gt;&amp;&lt;/b&gt;');
    expect(html).not.toContain('<b>&');
    expect(text).toContain('6 more fields not shown');
  });
});

import { WEBHOOK_ID_HEADER, WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, heraldHeaderNames } from './headers.js';

describe('header names', () => {
  it('uses the Standard Webhooks names', () => {
    expect([WEBHOOK_ID_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_SIGNATURE_HEADER]).toEqual([
      'webhook-id',
      'webhook-timestamp',
      'webhook-signature',
    ]);
  });

  it('names Herald headers under X-Herald by default', () => {
    expect(heraldHeaderNames()).toEqual({
      event: 'X-Herald-Event',
      delivery: 'X-Herald-Delivery',
      attempt: 'X-Herald-Attempt',
      schemaVersion: 'X-Herald-Schema-Version',
      tenant: 'X-Herald-Tenant',
      endpoint: 'X-Herald-Endpoint',
    });
  });

  it('uses a company prefix when given one', () => {
    expect(heraldHeaderNames('X-Acme')).toEqual({
      event: 'X-Acme-Event',
      delivery: 'X-Acme-Delivery',
      attempt: 'X-Acme-Attempt',
      schemaVersion: 'X-Acme-Schema-Version',
      tenant: 'X-Acme-Tenant',
      endpoint: 'X-Acme-Endpoint',
    });
  });

  it.each(['', 'X Herald', 'X-Herald:', 'X-Hérald', 'X-Herald\r\nEvil'])('refuses prefix %p', (prefix) => {
    expect(() => heraldHeaderNames(prefix)).toThrow(/not a valid HTTP header name/);
  });
});

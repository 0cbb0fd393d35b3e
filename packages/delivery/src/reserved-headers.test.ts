import { createSigningKey, generateSecret } from '@herald/signing';
import { reservedHeaderReason } from './reserved-headers.js';
import { buildWebhookRequest } from './webhook-request.js';

describe('reservedHeaderReason', () => {
  it.each([
    ['X-Herald-Delivery', 'X-Herald'],
    ['x-herald-anything-new', 'X-Herald'],
    ['X-HERALD-EVENT', 'X-Herald'],
    ['Acme-Hook-Delivery', 'Acme-Hook'],
    ['acme-hook-attempt', 'Acme-Hook'],
    ['webhook-id', 'X-Herald'],
    ['Webhook-Signature', 'X-Herald'],
    ['WEBHOOK-TIMESTAMP', 'X-Herald'],
    ['Content-Type', 'X-Herald'],
    ['user-agent', 'X-Herald'],
    ['Host', 'X-Herald'],
    ['Content-Length', 'X-Herald'],
    ['Transfer-Encoding', 'X-Herald'],
    ['Content-Encoding', 'X-Herald'],
    ['Connection', 'X-Herald'],
    ['Keep-Alive', 'X-Herald'],
    ['TE', 'X-Herald'],
    ['Upgrade', 'X-Herald'],
    ['Expect', 'X-Herald'],
  ])('reserves %s under the prefix %s', (name, prefix) => {
    expect(reservedHeaderReason(name, prefix)).toEqual(expect.any(String));
  });

  it.each([
    ['X-Team', 'X-Herald'],
    ['Authorization', 'X-Herald'],
    ['X-Heraldry', 'X-Herald'],
    // Under another prefix, X-Herald-* is not Herald's.
    ['X-Herald-Delivery', 'Acme-Hook'],
    ['Acme-Hooks', 'Acme-Hook'],
  ])('leaves %s to the endpoint under the prefix %s', (name, prefix) => {
    expect(reservedHeaderReason(name, prefix)).toBeNull();
  });
});

describe('buildWebhookRequest', () => {
  it("keeps Herald's headers when a stored endpoint has reserved ones, and passes the others", () => {
    const { headers } = buildWebhookRequest({
      event: { id: 'evt_1', tenantId: 'tnt_1', eventType: 'a.b', schemaVersion: '2025-01-01', createdAt: new Date(0), payload: '{}' },
      keys: [createSigningKey(generateSecret())],
      attempt: 2,
      endpointHeaders: { 'X-Herald-Delivery': 'pinned', 'webhook-id': 'pinned', 'Content-Length': '1', 'X-Team': 'crm' },
      headerPrefix: 'X-Herald',
      userAgent: 'Herald/test',
      now: new Date(),
    });
    expect(headers['X-Herald-Delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers).not.toHaveProperty('Content-Length');
    expect(headers['X-Team']).toBe('crm');
  });
});

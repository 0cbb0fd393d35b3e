import { reservedHeaderReason } from './reserved-headers.js';

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

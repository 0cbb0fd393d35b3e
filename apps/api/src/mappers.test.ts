import type { Delivery, Endpoint } from '@herald/db';
import { DeliveryOutSchema, EndpointOutSchema } from '@herald/schemas';
import { deliveryOut, endpointOut } from './mappers.js';

const at = new Date('2026-01-08T10:00:00.000Z');

const endpoint: Endpoint = {
  id: 'ep_1',
  tenantId: 'tnt_1',
  url: 'https://hooks.example.com/x',
  name: 'CRM',
  description: '',
  events: ['lead.*'],
  channels: ['shop-eu'],
  ordering: 'none',
  enabled: false,
  disabledReason: 'gone',
  timeoutMs: 10_000,
  maxAttempts: 15,
  rateLimitPerSecond: null,
  headers: { 'X-Team': 'crm' },
  metadata: { owner: 'sales' },
  secretCiphertext: 'CIPHERTEXT-of-the-secret',
  secretPrefix: 'whsec_abcdef',
  previousSecretCiphertext: 'CIPHERTEXT-of-the-old-secret',
  previousSecretExpiresAt: at,
  signature: { scheme: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=', encoding: 'hex', timestamp_header: null },
  bodyFormat: 'payload',
  schemaVersion: '2025-01-01',
  signingKeyCiphertext: 'CIPHERTEXT-of-the-ed25519-key',
  signingPublicKey: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
  previousSigningKeyCiphertext: 'CIPHERTEXT-of-the-old-ed25519-key',
  firstFailureAt: at,
  failingNoticeFor: null,
  lastDeliveryAt: null,
  lastDeliveryStatus: null,
  lastResponseStatus: 410,
  createdAt: at,
  updatedAt: at,
  deletedAt: null,
};

describe('endpointOut', () => {
  it('is exactly the documented endpoint object, with no secret material', () => {
    const out = endpointOut(endpoint);
    expect(EndpointOutSchema.strict().parse(out)).toEqual(out);
    expect(JSON.stringify(out)).not.toMatch(/CIPHERTEXT/);
    expect(out).toMatchObject({
      enabled: false,
      disabled_reason: 'gone',
      signing_secret_prefix: 'whsec_abcdef',
      signing_public_key: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
      signature: { scheme: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=', encoding: 'hex', timestamp_header: null },
      body: 'payload',
      schema_version: '2025-01-01',
      last_delivery_at: null,
      last_response_status: 410,
    });
  });
});

describe('deliveryOut', () => {
  it('is exactly the documented delivery object, timestamps in ISO 8601 UTC', () => {
    const delivery: Delivery = {
      id: 'dlv_1',
      tenantId: 'tnt_1',
      eventId: 'evt_1',
      endpointId: 'ep_1',
      kind: 'webhook',
      recipient: null,
      eventType: 'lead.created',
      channels: ['shop-eu'],
      orderingKey: null,
      orderSeq: null,
      orderBrokenBy: null,
      status: 'pending',
      attempts: 1,
      maxAttempts: 15,
      nextAttemptAt: new Date(at.getTime() + 30_000),
      lastResponseStatus: 500,
      lastError: 'HTTP 500',
      createdAt: at,
      updatedAt: at,
      deliveredAt: null,
    };
    const out = deliveryOut(delivery);
    expect(DeliveryOutSchema.strict().parse(out)).toEqual(out);
    expect(out).toMatchObject({ next_attempt_at: '2026-01-08T10:00:30.000Z', delivered_at: null, last_error: 'HTTP 500' });
  });
});

import { createHmac, randomBytes } from 'node:crypto';
import * as noble from '@noble/ed25519';
import { Webhook } from 'standardwebhooks';
import { createSecretBox } from '@herald/core';
import { ENVELOPE_V1, type EndpointSignature } from '@herald/schemas';
import { generateKeyPair, generateSecret } from '@herald/signing';
import { requestBody } from './request-format.js';
import { SigningKeyCache, type KeyedEndpoint } from './signing-keys.js';
import { buildWebhookRequest, type RequestEndpoint } from './webhook-request.js';

const box = createSecretBox(randomBytes(32));
const event = {
  id: 'evt_01JH0000000000000000000000',
  tenantId: 'tnt_01JH0000000000000000000000',
  eventType: 'order.created',
  createdAt: new Date('2026-12-01T10:00:00.000Z'),
  payload: '{"z": 1,"a":"Zo\\u00eb 🚀"}',
};
const now = new Date();
const timestamp = Math.floor(now.getTime() / 1000);
const secret = generateSecret();
const oldSecret = generateSecret();
const pair = generateKeyPair();
const oldPair = generateKeyPair();

type Endpoint = RequestEndpoint & KeyedEndpoint;

function endpointWith(signature: EndpointSignature, change: Partial<Endpoint> = {}): Endpoint {
  return {
    id: 'ep_01JH0000000000000000000000',
    signature,
    bodyFormat: 'envelope',
    schemaVersion: '2026-12-01',
    tenantName: 'Acme',
    tenantExternalId: 'acct_42',
    headers: {},
    secretCiphertext: box.encrypt(secret),
    previousSecretCiphertext: null,
    previousSecretExpiresAt: null,
    signingKeyCiphertext: box.encrypt(pair.privateKey),
    previousSigningKeyCiphertext: null,
    ...change,
  };
}

/** During a rotation overlap: the old secret and key are previous, the new ones current. */
const overlap = {
  previousSecretCiphertext: box.encrypt(oldSecret),
  previousSigningKeyCiphertext: box.encrypt(oldPair.privateKey),
  previousSecretExpiresAt: new Date(now.getTime() + 60_000),
};

function build(endpoint: Endpoint, environment: string | null = 'staging') {
  return buildWebhookRequest({
    event,
    endpoint,
    keys: new SigningKeyCache(box).forEndpoint(endpoint, now),
    attempt: 1,
    headerPrefix: 'X-Herald',
    userAgent: 'Herald/test',
    environment,
    now,
  });
}

describe('buildWebhookRequest per scheme', () => {
  it('standard-webhooks: webhook-signature v1 that the standardwebhooks library verifies, new and old secret during an overlap', () => {
    const request = build(endpointWith({ scheme: 'standard-webhooks' }, overlap));
    expect(request.headers['webhook-signature']).toMatch(/^v1,\S+ v1,\S+$/);
    for (const s of [secret, oldSecret]) expect(new Webhook(s).verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    expect(() => new Webhook(generateSecret()).verify(request.body, request.headers)).toThrow();
  });

  it('standard-webhooks-ed25519: v1a signatures @noble/ed25519 verifies with either whpk_ key during an overlap, and no v1', async () => {
    const request = build(endpointWith({ scheme: 'standard-webhooks-ed25519' }, overlap));
    const entries = request.headers['webhook-signature']!.split(' ');
    expect(entries.map((e) => e.slice(0, 4))).toEqual(['v1a,', 'v1a,']);
    const content = new TextEncoder().encode(`${event.id}.${timestamp}.${request.body}`);
    for (const [i, key] of [pair.publicKey, oldPair.publicKey].entries()) {
      const signature = Buffer.from(entries[i]!.slice(4), 'base64');
      expect(await noble.verifyAsync(signature, content, Buffer.from(key.slice(5), 'base64'))).toBe(true);
    }
  });

  it('hmac-sha256: hex of the raw body keyed with the secret text, in the configured header, no webhook-signature', () => {
    const request = build(endpointWith({ scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', encoding: 'hex', timestamp_header: null }));
    expect(request.headers['X-Hub-Signature-256']).toBe(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
    expect(request.headers).not.toHaveProperty('webhook-signature');
    expect(request.headers['webhook-id']).toBe(event.id);
  });

  it('hmac-sha256 with a timestamp header: base64 of "{timestamp}.{body}", the timestamp sent in that header', () => {
    const request = build(endpointWith({ scheme: 'hmac-sha256', header: 'X-Signature', prefix: '', encoding: 'base64', timestamp_header: 'X-Timestamp' }));
    expect(request.headers['X-Timestamp']).toBe(String(timestamp));
    expect(request.headers['X-Signature']).toBe(createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('base64'));
  });

  it('hmac-sha256 during an overlap: one value, signed with the previous secret so a receiver holding only it still matches', () => {
    const signature = { scheme: 'hmac-sha256', header: 'X-Signature', prefix: '', encoding: 'hex', timestamp_header: null } as const;
    const during = build(endpointWith(signature, overlap));
    expect(during.headers['X-Signature']).toBe(createHmac('sha256', oldSecret).update(during.body).digest('hex'));
    const after = build(endpointWith(signature, { ...overlap, previousSecretExpiresAt: new Date(now.getTime() - 1) }));
    expect(after.headers['X-Signature']).toBe(createHmac('sha256', secret).update(after.body).digest('hex'));
  });
});

describe('buildWebhookRequest per body format and version', () => {
  it('payload: the stored payload text byte for byte, no schema version header, tenant and endpoint in headers', () => {
    const request = build(endpointWith({ scheme: 'standard-webhooks' }, { bodyFormat: 'payload' }));
    expect(request.body).toBe(event.payload);
    expect(request.format).toEqual({ body: 'payload' });
    expect(request.headers).not.toHaveProperty('X-Herald-Schema-Version');
    expect(request.headers['X-Herald-Event']).toBe('order.created');
    expect(request.headers['X-Herald-Tenant']).toBe(event.tenantId);
    expect(request.headers['X-Herald-Endpoint']).toBe('ep_01JH0000000000000000000000');
  });

  it('envelope: the pinned version, named in X-Herald-Schema-Version, with the context of the read', () => {
    const v2 = build(endpointWith({ scheme: 'standard-webhooks' }));
    expect(v2.headers['X-Herald-Schema-Version']).toBe('2026-12-01');
    expect(JSON.parse(v2.body)).toMatchObject({ environment: 'staging', tenant: { name: 'Acme', external_id: 'acct_42' }, endpoint_id: 'ep_01JH0000000000000000000000' });
    const v1 = build(endpointWith({ scheme: 'standard-webhooks' }, { schemaVersion: '2025-01-01' }));
    expect(v1.headers['X-Herald-Schema-Version']).toBe('2025-01-01');
    expect(v1.body).toBe(ENVELOPE_V1.body({ event, context: { endpointId: 'x', environment: null, tenant: { name: '', externalId: null } } }));
  });

  it('records a format from which requestBody rebuilds the exact body', () => {
    for (const change of [{}, { bodyFormat: 'payload' as const }, { schemaVersion: '2025-01-01' }]) {
      const request = build(endpointWith({ scheme: 'standard-webhooks' }, change));
      expect(requestBody(JSON.parse(JSON.stringify(request.format)), event, 'ep_01JH0000000000000000000000')).toBe(request.body);
    }
    expect(requestBody(null, event, 'ep_x')).toBe(build(endpointWith({ scheme: 'standard-webhooks' }, { schemaVersion: '2025-01-01' })).body);
  });

  it('refuses keys of another scheme than the endpoint it signs for', () => {
    const endpoint = endpointWith({ scheme: 'standard-webhooks' });
    const keys = new SigningKeyCache(box).forEndpoint(endpointWith({ scheme: 'standard-webhooks-ed25519' }), now);
    expect(() => buildWebhookRequest({ event, endpoint, keys, attempt: 1, headerPrefix: 'X-Herald', userAgent: 'x', environment: null, now })).toThrow(
      /cannot sign/,
    );
  });
});

describe('buildWebhookRequest and the endpoint headers', () => {
  it("keeps Herald's and the scheme's headers when a stored endpoint has them, and passes the others", () => {
    const headers = { 'X-Herald-Delivery': 'pinned', 'webhook-id': 'pinned', 'Content-Length': '1', 'x-signature': 'pinned', 'X-Team': 'crm' };
    const request = build(
      endpointWith({ scheme: 'hmac-sha256', header: 'X-Signature', prefix: '', encoding: 'hex', timestamp_header: null }, { headers }),
    );
    expect(request.headers['X-Herald-Delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.headers['webhook-id']).toBe(event.id);
    expect(request.headers).not.toHaveProperty('Content-Length');
    expect(request.headers).not.toHaveProperty('x-signature');
    expect(request.headers['X-Signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(request.headers['X-Team']).toBe('crm');
  });
});

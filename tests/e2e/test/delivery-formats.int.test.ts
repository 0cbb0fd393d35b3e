// Per-endpoint delivery formats on the real stack: each signature scheme checked by an
// independent verifier (standardwebhooks and svix for v1, @noble/ed25519 for v1a,
// node:crypto and Python's hmac for hmac-sha256), rotation overlaps for receivers that
// hold only the old secret, payload bodies byte for byte, envelope version pinning, and
// formats read at the time of each attempt.
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as noble from '@noble/ed25519';
import { Webhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from '@herald/testing';
import { runPython } from '../src/python.js';
import { call, createTenant, startStack, type Stack } from '../src/stack.js';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

const headersOf = (req: ReceivedRequest) => req.headers as Record<string, string>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether @noble/ed25519 finds a v1a entry of webhook-signature signed by this whpk_ key. */
async function v1aVerifies(publicKey: string, req: ReceivedRequest): Promise<boolean> {
  const h = headersOf(req);
  const content = Buffer.concat([Buffer.from(`${h['webhook-id']}.${h['webhook-timestamp']}.`), req.bytes]);
  const key = Buffer.from(publicKey.slice('whpk_'.length), 'base64');
  for (const entry of h['webhook-signature']!.split(' ')) {
    if (!entry.startsWith('v1a,')) continue;
    if (await noble.verifyAsync(Buffer.from(entry.slice(4), 'base64'), content, key)) return true;
  }
  return false;
}

/** What a plain HMAC receiver does with node:crypto: compare the whole header with one computed value. */
function nodeHmacAccepts(secret: string, req: ReceivedRequest, header: string, opts: { prefix?: string; encoding?: 'hex' | 'base64'; timestampHeader?: string }) {
  const hmac = createHmac('sha256', secret);
  if (opts.timestampHeader) hmac.update(`${req.headers[opts.timestampHeader.toLowerCase()]}.`);
  const expected = Buffer.from((opts.prefix ?? '') + hmac.update(req.bytes).digest(opts.encoding ?? 'hex'));
  const got = Buffer.from(String(req.headers[header.toLowerCase()] ?? ''));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

// The same check with Python's hmac module (standard library only).
const PYTHON_HMAC = `
import base64, hashlib, hmac, json, sys
i = json.load(sys.stdin)
body = base64.b64decode(i["body"])
signed = (i["timestamp"].encode() + b"." + body) if i["timestamp"] is not None else body
digest = hmac.new(i["secret"].encode(), signed, hashlib.sha256)
expected = i["prefix"] + (digest.hexdigest() if i["encoding"] == "hex" else base64.b64encode(digest.digest()).decode())
print("ok" if hmac.compare_digest(expected, i["received"]) else "mismatch")
`;

function pythonHmacAccepts(secret: string, req: ReceivedRequest, header: string, opts: { prefix?: string; encoding?: 'hex' | 'base64'; timestampHeader?: string }) {
  const timestamp = opts.timestampHeader ? String(req.headers[opts.timestampHeader.toLowerCase()]) : null;
  const input = { secret, body: req.bytes.toString('base64'), timestamp, prefix: opts.prefix ?? '', encoding: opts.encoding ?? 'hex', received: String(req.headers[header.toLowerCase()]) };
  return runPython(PYTHON_HMAC, input) === 'ok';
}

describe('delivery formats, end to end', () => {
  let stack: Stack;
  let tenant: Tenant;
  const receivers: Receiver[] = [];

  const api = (method: string, path: string, body?: unknown, token = tenant.admin) => call(stack.api.url, method, path, { token, body });

  async function receiver(handler?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
    const r = await startReceiver(handler);
    receivers.push(r);
    return r;
  }

  async function endpoint(url: string, body: Record<string, unknown> = {}) {
    const res = await api('POST', '/api/v1/endpoints', { url, events: ['format.*'], ...body });
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  }

  async function send(payload: unknown = { n: 1 }): Promise<string> {
    const res = await call(stack.ingest.url, 'POST', '/api/v1/events', { token: tenant.ingest, body: { event_type: 'format.sent', payload } });
    expect(res.status).toBe(202);
    return res.body.event_id as string;
  }

  beforeAll(async () => {
    stack = await startStack({ HERALD_ENVIRONMENT: 'staging' });
    tenant = await createTenant(stack, 'Acme', { external_id: 'acct_42' });
    expect((await api('POST', '/api/v1/event-types', { name: 'format.sent' })).status).toBe(201);
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
    await stack?.stop();
  });

  it('standard-webhooks: one POST that standardwebhooks and svix verify, also with only the old secret during a rotation', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url);
    expect(ep.signature).toEqual({ scheme: 'standard-webhooks' });
    expect(ep.signing_public_key).toBeNull();
    await send();
    const [first] = await r.waitFor(1);
    for (const verifier of [new Webhook(ep.signing_secret), new SvixWebhook(ep.signing_secret)]) {
      expect(verifier.verify(first!.body, headersOf(first!))).toEqual(JSON.parse(first!.body));
    }

    const rotated = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.status).toBe(200);
    await send();
    const [, during] = await r.waitFor(2);
    expect(headersOf(during!)['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [ep.signing_secret, rotated.body.signing_secret]) {
      expect(new Webhook(secret).verify(during!.body, headersOf(during!))).toBeTruthy();
      expect(new SvixWebhook(secret).verify(during!.body, headersOf(during!))).toBeTruthy();
    }
    await sleep(200);
    expect(r.requests).toHaveLength(2);
  });

  it('standard-webhooks-ed25519: v1a that @noble/ed25519 verifies with the whpk_ key shown on create and GET, old key too during a rotation', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, { signature: { scheme: 'standard-webhooks-ed25519' } });
    expect(ep.signing_public_key).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect((await api('GET', `/api/v1/endpoints/${ep.id}`, undefined, tenant.read)).body.signing_public_key).toBe(ep.signing_public_key);
    // The secret half is stored encrypted, never as the key itself.
    const row = await stack.db.endpoint.findUniqueOrThrow({ where: { id: ep.id } });
    expect(row.signingKeyCiphertext).not.toMatch(/whsk_/);
    expect(row.signingPublicKey).toBe(ep.signing_public_key);

    await send({ name: 'Zoë 🚀' });
    const [first] = await r.waitFor(1);
    expect(headersOf(first!)['webhook-signature']).toMatch(/^v1a,[A-Za-z0-9+/]{86}==$/);
    expect(await v1aVerifies(ep.signing_public_key, first!)).toBe(true);

    const rotated = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, { overlap_seconds: 3600 });
    expect(rotated.body.signing_public_key).toMatch(/^whpk_/);
    expect(rotated.body.signing_public_key).not.toBe(ep.signing_public_key);
    await send();
    const [, during] = await r.waitFor(2);
    expect(headersOf(during!)['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(await v1aVerifies(ep.signing_public_key, during!)).toBe(true);
    expect(await v1aVerifies(rotated.body.signing_public_key, during!)).toBe(true);
    expect(await v1aVerifies(`whpk_${Buffer.alloc(32, 1).toString('base64')}`, during!)).toBe(false);
  });

  it('hmac-sha256 with sha256= hex: node:crypto and Python accept the raw-body HMAC; during a rotation the old secret keeps matching', async () => {
    const r = await receiver();
    const signature = { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=' };
    const ep = await endpoint(r.url, { signature });
    expect(ep.signature).toEqual({ ...signature, encoding: 'hex', timestamp_header: null });
    await send({ b: 2, a: 1 });
    const [first] = await r.waitFor(1);
    expect(headersOf(first!)['x-hub-signature-256']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headersOf(first!)).not.toHaveProperty('webhook-signature');
    const opts = { prefix: 'sha256=' };
    expect(nodeHmacAccepts(ep.signing_secret, first!, 'X-Hub-Signature-256', opts)).toBe(true);
    expect(pythonHmacAccepts(ep.signing_secret, first!, 'X-Hub-Signature-256', opts)).toBe(true);

    const rotated = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, { overlap_seconds: 3600 });
    await send();
    const [, during] = await r.waitFor(2);
    // One value, the old secret's: a receiver comparing the whole header with one value still matches.
    expect(nodeHmacAccepts(ep.signing_secret, during!, 'X-Hub-Signature-256', opts)).toBe(true);
    expect(pythonHmacAccepts(ep.signing_secret, during!, 'X-Hub-Signature-256', opts)).toBe(true);
    expect(nodeHmacAccepts(rotated.body.signing_secret, during!, 'X-Hub-Signature-256', opts)).toBe(false);

    // Once the overlap is over (rotating with 0 ends it at once), the newest secret signs.
    const final = await api('POST', `/api/v1/endpoints/${ep.id}/rotate-secret`, { overlap_seconds: 0 });
    await send();
    const [, , after] = await r.waitFor(3);
    expect(nodeHmacAccepts(final.body.signing_secret, after!, 'X-Hub-Signature-256', opts)).toBe(true);
    expect(pythonHmacAccepts(final.body.signing_secret, after!, 'X-Hub-Signature-256', opts)).toBe(true);
  });

  it('hmac-sha256 with a timestamp header and base64: "{timestamp}.{body}" signed, accepted by node:crypto and Python', async () => {
    const r = await receiver();
    const signature = { scheme: 'hmac-sha256', header: 'X-Webhook-Signature', encoding: 'base64', timestamp_header: 'X-Webhook-Timestamp' };
    const ep = await endpoint(r.url, { signature });
    const before = Math.floor(Date.now() / 1000);
    await send();
    const [req] = await r.waitFor(1);
    expect(Number(headersOf(req!)['x-webhook-timestamp'])).toBeGreaterThanOrEqual(before);
    const opts = { encoding: 'base64' as const, timestampHeader: 'X-Webhook-Timestamp' };
    expect(nodeHmacAccepts(ep.signing_secret, req!, 'X-Webhook-Signature', opts)).toBe(true);
    expect(pythonHmacAccepts(ep.signing_secret, req!, 'X-Webhook-Signature', opts)).toBe(true);
    expect(nodeHmacAccepts(ep.signing_secret, req!, 'X-Webhook-Signature', { encoding: 'base64' })).toBe(false);
  });

  it('payload body: the receiver gets the ingested payload bytes exactly (key order, spacing, unicode, escapes, numbers), from single and batch ingest', async () => {
    const r = await receiver();
    const ep = await endpoint(r.url, { body: 'payload' });
    const payload = '{ "zeta" : 1.50, "alpha":"Zo\\u00eb", "emoji": "🚀", "big": 12345678901234567890, "nested": {"b": [1, 2 ,3], "a": null}, "esc": "a\\/b\\n" }';
    const single = `{"event_type":"format.sent","payload":${payload}}`;
    const res = await fetch(`${stack.ingest.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingest}`, 'content-type': 'application/json' },
      body: single,
    });
    expect(res.status).toBe(202);
    const eventId = ((await res.json()) as { event_id: string }).event_id;
    const batchPayload = '{"second" :true,\n "first": "é"}';
    const batch = await fetch(`${stack.ingest.url}/api/v1/events/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.ingest}`, 'content-type': 'application/json' },
      body: `{"events":[{"event_type":"nope","payload":{}}, {"payload":${batchPayload},"event_type":"format.sent"}]}`,
    });
    expect(batch.status).toBe(202);

    const [first, second] = await r.waitFor(2);
    const bodies = [first!, second!].sort((x, y) => (headersOf(x)['webhook-id'] === eventId ? -1 : headersOf(y)['webhook-id'] === eventId ? 1 : 0));
    expect(bodies[0]!.bytes.equals(Buffer.from(payload))).toBe(true);
    expect(bodies[1]!.bytes.equals(Buffer.from(batchPayload))).toBe(true);
    const h = headersOf(bodies[0]!);
    expect(h['webhook-id']).toBe(eventId);
    expect(h['x-herald-event']).toBe('format.sent');
    expect(h['x-herald-tenant']).toBe(tenant.id);
    expect(h['x-herald-endpoint']).toBe(ep.id);
    expect(h).not.toHaveProperty('x-herald-schema-version');
    expect(new Webhook(ep.signing_secret).verify(bodies[0]!.body, h)).toBeTruthy();

    // The outbox shows the exact body that was sent.
    const outbox = await eventually(async () => {
      const list = await api('GET', `/api/v1/outbox?endpoint_id=${ep.id}&status=delivered`, undefined, tenant.read);
      return list.body.data.length === 2 ? list.body.data : null;
    });
    const detail = await api('GET', `/api/v1/outbox/${outbox.find((d: { event_id: string }) => d.event_id === eventId).id}`, undefined, tenant.read);
    expect(detail.body.attempts[0].request_body).toBe(payload);
  });

  it('envelope versions: a new endpoint gets the newest (with context), one pinned to 2025-01-01 exactly today\'s envelope', async () => {
    const versions = await api('GET', '/api/v1/schema-versions', undefined, tenant.read);
    expect(versions.status).toBe(200);
    expect(versions.body.data.map((v: { id: string; latest: boolean }) => [v.id, v.latest])).toEqual([
      ['2026-12-01', true],
      ['2025-01-01', false],
    ]);
    const latestReceiver = await receiver();
    const pinnedReceiver = await receiver();
    const latest = await endpoint(latestReceiver.url);
    const pinned = await endpoint(pinnedReceiver.url, { schema_version: '2025-01-01' });
    expect([latest.schema_version, pinned.schema_version]).toEqual(['2026-12-01', '2025-01-01']);

    const eventId = await send({ b: 1, a: [true] });
    const [v2] = await latestReceiver.waitFor(1);
    const [v1] = await pinnedReceiver.waitFor(1);
    const event = await api('GET', `/api/v1/events/${eventId}`, undefined, tenant.read);
    const createdAt = event.body.envelope.created_at;
    expect(v1!.body).toBe(
      `{"schema_version":"2025-01-01","event_id":"${eventId}","event_type":"format.sent","tenant_id":"${tenant.id}","created_at":"${createdAt}","payload":{"b":1,"a":[true]}}`,
    );
    expect(headersOf(v1!)['x-herald-schema-version']).toBe('2025-01-01');
    expect(v2!.body).toBe(
      `{"schema_version":"2026-12-01","event_id":"${eventId}","event_type":"format.sent","created_at":"${createdAt}","environment":"staging",` +
        `"tenant":{"id":"${tenant.id}","name":"Acme","external_id":"acct_42"},"endpoint_id":"${latest.id}","payload":{"b":1,"a":[true]}}`,
    );
    expect(headersOf(v2!)['x-herald-schema-version']).toBe('2026-12-01');

    // A tenant's new name and external_id reach the envelope (the worker re-reads endpoints within seconds).
    const patched = await call(stack.api.url, 'PATCH', `/api/v1/tenants/${tenant.id}`, { token: stack.rootToken, body: { external_id: null } });
    expect(patched.status).toBe(200);
    expect(patched.body.external_id).toBeNull();
    let externalId: unknown = 'acct_42';
    for (let tries = 0; externalId !== null && tries < 20; tries++) {
      const id = await send();
      const got = await eventually(async () => latestReceiver.requests.find((req) => headersOf(req)['webhook-id'] === id), 20_000);
      externalId = JSON.parse(got.body).tenant.external_id;
      if (externalId !== null) await sleep(500);
    }
    expect(externalId).toBeNull();
    expect((await call(stack.api.url, 'PATCH', `/api/v1/tenants/${tenant.id}`, { token: stack.rootToken, body: { external_id: 'acct_42' } })).status).toBe(200);
  });

  it('retries, replays and test sends use the format the endpoint has at the time of each attempt; last_response_status follows', async () => {
    const r = await receiver(() => ({ status: 500 }));
    const ep = await endpoint(r.url, { max_attempts: 50 });
    await send();
    await r.waitFor(1);
    const failed = await eventually(async () => {
      const res = await api('GET', `/api/v1/endpoints/${ep.id}`, undefined, tenant.read);
      return res.body.last_response_status === 500 ? res.body : null;
    });
    expect(failed.last_delivery_status).toBe('failed');

    // The delivery keeps failing (and being retried) while the format changes; once the change is
    // announced, every later retry must come in the new format.
    const hmac = { scheme: 'hmac-sha256', header: 'X-Signature', prefix: 'sha256=' };
    expect((await api('PATCH', `/api/v1/endpoints/${ep.id}`, { signature: hmac, body: 'payload' })).status).toBe(200);
    await sleep(300);
    const before = r.requests.length;
    r.reply(() => ({ status: 204 }));
    const attempts = await r.waitFor(before + 1);
    const retry = attempts[before]!;
    expect(Number(headersOf(retry)['x-herald-attempt'])).toBeGreaterThan(1);
    expect(headersOf(retry)).not.toHaveProperty('webhook-signature');
    expect(retry.body).toBe('{"n":1}');
    expect(nodeHmacAccepts(ep.signing_secret, retry, 'X-Signature', { prefix: 'sha256=' })).toBe(true);
    await eventually(async () => (await api('GET', `/api/v1/endpoints/${ep.id}`, undefined, tenant.read)).body.last_response_status === 204);

    // A replay after changing again: ed25519 over the pinned first envelope.
    const changed = await api('PATCH', `/api/v1/endpoints/${ep.id}`, { signature: { scheme: 'standard-webhooks-ed25519' }, body: 'envelope', schema_version: '2025-01-01' });
    expect(changed.body.signing_public_key).toMatch(/^whpk_/);
    const delivery = (await api('GET', `/api/v1/outbox?endpoint_id=${ep.id}&status=delivered`, undefined, tenant.read)).body.data[0];
    expect((await api('POST', `/api/v1/outbox/${delivery.id}/replay`)).status).toBe(202);
    const replayed = (await r.waitFor(before + 2)).at(-1)!;
    expect(await v1aVerifies(changed.body.signing_public_key, replayed)).toBe(true);
    expect(JSON.parse(replayed.body).schema_version).toBe('2025-01-01');

    // A test send: as configured now.
    expect((await api('PATCH', `/api/v1/endpoints/${ep.id}`, { signature: hmac })).status).toBe(200);
    const test = await api('POST', `/api/v1/endpoints/${ep.id}/test`, { payload: { ping: true } });
    expect(test.body.delivered).toBe(true);
    const tested = r.requests.at(-1)!;
    expect(nodeHmacAccepts(ep.signing_secret, tested, 'X-Signature', { prefix: 'sha256=' })).toBe(true);
    expect(JSON.parse(tested.body)).toMatchObject({ schema_version: '2025-01-01', event_type: 'webhook.test', payload: { ping: true } });
  });

  it('changing the scheme while deliveries are in flight never sends a request that is half one format and half the other', async () => {
    const r = await receiver(() => ({ status: 200, delayMs: 5 }));
    const ep = await endpoint(r.url);
    const formats = [
      { signature: { scheme: 'hmac-sha256', header: 'X-Signature' }, body: 'payload' },
      { signature: { scheme: 'standard-webhooks' }, body: 'envelope' },
    ];
    const events = 40;
    const sending = (async () => {
      for (let i = 0; i < events; i++) await send({ i });
    })();
    for (let i = 0; i < 8; i++) {
      expect((await api('PATCH', `/api/v1/endpoints/${ep.id}`, formats[i % 2])).status).toBe(200);
      await sleep(15);
    }
    await sending;
    const received = await r.waitFor(events, 20_000);
    let hmacs = 0;
    for (const req of received) {
      const h = headersOf(req);
      if (h['x-signature']) {
        hmacs++;
        expect(h).not.toHaveProperty('webhook-signature');
        expect(h).not.toHaveProperty('x-herald-schema-version');
        expect(nodeHmacAccepts(ep.signing_secret, req, 'X-Signature', {})).toBe(true);
        expect(Object.keys(JSON.parse(req.body))).toEqual(['i']);
      } else {
        expect(new Webhook(ep.signing_secret).verify(req.body, h)).toMatchObject({ schema_version: h['x-herald-schema-version'] });
      }
    }
    // Both formats were in use while the events went out.
    expect(hmacs).toBeGreaterThan(0);
    expect(hmacs).toBeLessThan(received.length);
  });

  it.each([
    ['an unknown scheme', { signature: { scheme: 'rsa-pss' } }, 'signature.scheme'],
    ['an unknown body', { body: 'xml' }, 'body'],
    ['a reserved header', { signature: { scheme: 'hmac-sha256', header: 'X-Herald-Signature' } }, 'signature.header'],
    ['a Standard Webhooks header', { signature: { scheme: 'hmac-sha256', header: 'webhook-signature' } }, 'signature.header'],
    ['an invalid header name', { signature: { scheme: 'hmac-sha256', header: 'X Signature' } }, 'signature.header'],
    ['a missing header', { signature: { scheme: 'hmac-sha256' } }, 'signature.header'],
    ['a prefix with control characters', { signature: { scheme: 'hmac-sha256', header: 'X-Sig', prefix: 'sha256=\u0007' } }, 'signature.prefix'],
    ['an unknown encoding', { signature: { scheme: 'hmac-sha256', header: 'X-Sig', encoding: 'base32' } }, 'signature.encoding'],
    ['an unknown schema version', { schema_version: '2024-01-01' }, 'schema_version'],
    ['a signature header also in headers', { signature: { scheme: 'hmac-sha256', header: 'X-Sig' }, headers: { 'x-sig': 'v' } }, 'headers.x-sig'],
  ])('refuses %s with 422 naming the field, on create and on PATCH, changing nothing', async (_label, bad, path) => {
    const created = await api('POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/x', events: ['*'], ...bad });
    expect(created.status).toBe(422);
    expect(created.body.error.details.map((d: { path: string }) => d.path)).toContain(path);

    const ep = await endpoint('http://127.0.0.1:9/x', { name: 'before' });
    const patched = await api('PATCH', `/api/v1/endpoints/${ep.id}`, { name: 'after', ...bad });
    expect(patched.status).toBe(422);
    expect(patched.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    const after = await api('GET', `/api/v1/endpoints/${ep.id}`, undefined, tenant.read);
    expect(after.body).toMatchObject({ name: 'before', signature: { scheme: 'standard-webhooks' }, body: 'envelope', schema_version: '2026-12-01' });
  });

  it('refuses a malformed format with 400: wrong types and unknown fields', async () => {
    for (const bad of [{ signature: 'hmac' }, { signature: { scheme: 1 } }, { signature: { scheme: 'hmac-sha256', colour: 'red' } }, { body: 1 }]) {
      const res = await api('POST', '/api/v1/endpoints', { url: 'http://127.0.0.1:9/x', events: ['*'], ...bad });
      expect(res.status).toBe(400);
    }
  });
});

// Phase 0: what each signature scheme costs per request, in this process (no stack needed):
// packages/delivery's buildWebhookRequest (body in the endpoint's format, headers, signature)
// for a small and a 4 KiB payload, and the signature alone. → results.signing
import { randomBytes } from 'node:crypto';
import { log } from '../lib/log.mjs';
import { mmm } from '../lib/util.mjs';

/** The schemes measured: each endpoint's `signature`, and the primitive alone. */
function schemes({ createSigningKey, createEd25519SigningKey, createRawHmacKey, signatureHeader, hmacSignature }, secret, pair) {
  const v1 = createSigningKey(secret);
  const v1a = createEd25519SigningKey(pair.privateKey);
  const raw = createRawHmacKey(secret);
  return [
    { name: 'standard-webhooks (v1)', signature: { scheme: 'standard-webhooks' }, alone: (id, ts, body) => signatureHeader([v1], id, ts, body) },
    { name: 'standard-webhooks-ed25519 (v1a)', signature: { scheme: 'standard-webhooks-ed25519' }, alone: (id, ts, body) => signatureHeader([v1a], id, ts, body) },
    {
      name: 'hmac-sha256 (sha256= hex)',
      signature: { scheme: 'hmac-sha256', header: 'X-Hub-Signature-256', prefix: 'sha256=', encoding: 'hex', timestamp_header: null },
      alone: (_id, _ts, body) => hmacSignature({ secret: raw, body, prefix: 'sha256=' }),
    },
    {
      name: 'hmac-sha256 (timestamp, base64)',
      signature: { scheme: 'hmac-sha256', header: 'X-Signature', prefix: '', encoding: 'base64', timestamp_header: 'X-Timestamp' },
      alone: (_id, ts, body) => hmacSignature({ secret: raw, body, timestamp: ts, encoding: 'base64' }),
    },
  ];
}

/**
 * µs per call of `fn`, median (min–max) of `runs` timed loops of `n` calls after a warm-up.
 * Between loops it yields, so this process's open connections to the stack are serviced
 * (a keep-alive socket the api closed meanwhile would otherwise fail the next phase's first call).
 */
async function microseconds(fn, { n, runs }) {
  for (let i = 0; i < Math.min(n, 2000); i++) fn(i);
  const samples = [];
  for (let r = 0; r < runs; r++) {
    await new Promise((resolve) => setImmediate(resolve));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return mmm(samples);
}

async function runSigning(ctx) {
  const { P } = ctx;
  // Loaded here, not at the top: the runner builds the workspaces (dist/) after the phases are imported.
  const { createSecretBox } = await import('@herald/core');
  const { buildWebhookRequest, SigningKeyCache } = await import('@herald/delivery');
  const signing = await import('@herald/signing');
  const { generateKeyPair, generateSecret } = signing;
  const box = createSecretBox(randomBytes(32));
  const secret = generateSecret();
  const pair = generateKeyPair();
  const keys = new SigningKeyCache(box);
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const small = JSON.stringify({ order_id: 'ord_1234567890', amount: 4200, currency: 'EUR', customer: { id: 'cus_42', name: 'Zoë' } });
  const payloads = [
    ['small', small],
    ['4 KiB', JSON.stringify({ blob: 'x'.repeat(4096 - 12) })],
  ];
  const out = (ctx.results.signing = { n: P.signingCalls, runs: P.signingRuns, rows: [] });
  for (const scheme of schemes(signing, secret, pair)) {
    const endpoint = {
      id: 'ep_01JH0000000000000000000000',
      signature: scheme.signature,
      bodyFormat: 'envelope',
      schemaVersion: '2026-12-01',
      tenantName: 'Acme',
      tenantExternalId: 'acct_42',
      headers: { 'X-Team': 'bench' },
      secretCiphertext: box.encrypt(secret),
      previousSecretCiphertext: null,
      previousSecretExpiresAt: null,
      signingKeyCiphertext: box.encrypt(pair.privateKey),
      previousSigningKeyCiphertext: null,
    };
    for (const [label, payload] of payloads) {
      const event = { id: 'evt_01JH0000000000000000000000', tenantId: 'tnt_01JH0000000000000000000000', eventType: 'order.created', createdAt: now, payload };
      const request = await microseconds(
        (i) => buildWebhookRequest({ event, endpoint, keys: keys.forEndpoint(endpoint, now), attempt: 1 + (i & 7), headerPrefix: 'X-Herald', userAgent: 'Herald/bench', environment: 'bench', now }),
        { n: P.signingCalls, runs: P.signingRuns },
      );
      const body = buildWebhookRequest({ event, endpoint, keys: keys.forEndpoint(endpoint, now), attempt: 1, headerPrefix: 'X-Herald', userAgent: 'x', environment: 'bench', now }).body;
      const alone = await microseconds(() => scheme.alone(event.id, timestamp, body), { n: P.signingCalls, runs: P.signingRuns });
      out.rows.push({ scheme: scheme.name, payload: label, bodyBytes: Buffer.byteLength(body), request, signature: alone });
      log(`  ${scheme.name}, ${label} payload: ${request.median.toFixed(1)} µs per request, ${alone.median.toFixed(1)} µs the signature alone`);
    }
  }
}

export const signing = { name: 'signing', run: runSigning };

#!/usr/bin/env node
// A receiver for endpoints with `{"scheme": "standard-webhooks-ed25519"}`: it verifies the
// Standard Webhooks `v1a` signature (ed25519 over `{webhook-id}.{webhook-timestamp}.{body}`)
// with the endpoint's public key, which is not a secret (GET /api/v1/endpoints/{id} shows it
// as signing_public_key). Plain Node, node:crypto only.
//
//   WEBHOOK_PUBLIC_KEY=whpk_... PORT=4000 node examples/verify-ed25519.mjs
//
// Several keys (during a rotation) may be given space-separated. Prints
// `verified <webhook-id> <event type>` and answers 204, or 400 with `REJECTED: <reason>`.
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';

const keys = (process.env.WEBHOOK_PUBLIC_KEY ?? '').split(/\s+/).filter(Boolean).map((key) => {
  if (!key.startsWith('whpk_')) {
    console.error(`WEBHOOK_PUBLIC_KEY: ${key} is not a whpk_ key`);
    process.exit(1);
  }
  // whpk_ + base64 of the raw 32-byte key; node:crypto takes it as a JWK.
  const x = Buffer.from(key.slice('whpk_'.length), 'base64').toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
});
if (keys.length === 0) {
  console.error('WEBHOOK_PUBLIC_KEY is not set: give it the endpoint\'s signing_public_key (whpk_...)');
  process.exit(1);
}
const TOLERANCE_SECONDS = 300;

/** Why the request must be refused, or null. */
function refusal(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return 'missing webhook-id, webhook-timestamp or webhook-signature';
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return 'timestamp outside tolerance';
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
  for (const entry of signatures.split(' ')) {
    if (!entry.startsWith('v1a,')) continue; // other versions are for other keys
    const signature = Buffer.from(entry.slice(4), 'base64');
    if (signature.length === 64 && keys.some((key) => verify(null, signed, key, signature))) return null;
  }
  return 'no v1a signature matches';
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const reason = refusal(req.headers, body);
    if (reason) {
      console.log(`REJECTED: ${reason}`);
      res.writeHead(400).end();
      return;
    }
    console.log(`verified ${req.headers['webhook-id']} ${req.headers['x-herald-event']}`);
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT || 4000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

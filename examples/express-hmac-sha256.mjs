#!/usr/bin/env node
// An Express receiver written the way GitHub-style webhooks are checked: HMAC-SHA256 of the
// raw body, keyed with the secret text, sent as `sha256=<hex>` in one header. It is what an
// endpoint with this signature gets from Herald:
//
//   {"scheme": "hmac-sha256", "header": "X-Hub-Signature-256", "prefix": "sha256="}
//
//   WEBHOOK_SECRET=whsec_... PORT=4000 node examples/express-hmac-sha256.mjs
//
// SIGNATURE_HEADER changes the header (default X-Hub-Signature-256). Uses node:crypto only
// besides express. Prints `verified <webhook-id> <X-Herald-Event>` and answers 204, or 401.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express from 'express';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is not set: give it the endpoint\'s signing_secret, exactly as shown');
  process.exit(1);
}
const header = (process.env.SIGNATURE_HEADER || 'X-Hub-Signature-256').toLowerCase();
const app = express();

app.post('/{*path}', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
  // The key is the secret's text (whsec_ included), not its decoded base64.
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(req.body).digest('hex')}`);
  const received = Buffer.from(req.get(header) ?? '');
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
    console.log(`REJECTED: ${header} does not match`);
    res.status(401).end();
    return;
  }
  console.log(`verified ${req.get('webhook-id')} ${req.get('x-herald-event')}`);
  res.status(204).end();
});

const server = app.listen(Number(process.env.PORT || 4000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

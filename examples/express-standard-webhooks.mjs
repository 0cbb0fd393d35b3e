#!/usr/bin/env node
// An Express receiver for endpoints with the default signature scheme, `standard-webhooks`:
// it verifies each request with the `standardwebhooks` npm package over the raw body
// (express.raw, never express.json: the signature covers the exact bytes sent).
//
//   WEBHOOK_SECRET=whsec_... PORT=4000 node examples/express-standard-webhooks.mjs
//
// Prints `verified <webhook-id> <event_type>` and answers 204; a request that fails
// verification gets 400 and `REJECTED: <reason>`. Needs `express` and `standardwebhooks`
// (both installed with this repository).
import express from 'express';
import { Webhook } from 'standardwebhooks';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is not set: give it the endpoint\'s signing_secret (whsec_...)');
  process.exit(1);
}
const webhook = new Webhook(secret);
const app = express();

app.post('/{*path}', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
  let event;
  try {
    // Checks webhook-id, webhook-timestamp (5 minutes either way) and every v1 entry of webhook-signature.
    event = webhook.verify(req.body, req.headers);
  } catch (error) {
    console.log(`REJECTED: ${error.message}`);
    res.status(400).end();
    return;
  }
  console.log(`verified ${req.headers['webhook-id']} ${event.event_type}`);
  res.status(204).end();
});

const server = app.listen(Number(process.env.PORT || 4000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

#!/usr/bin/env node
// A local webhook receiver for trying Herald out. It checks every request with the
// Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature), prints
// what it got, and answers 204 when the signature is valid, 400 otherwise (413 over 1 MiB).
//
//   WEBHOOK_SECRET=whsec_... node examples/receiver.mjs      # listens on PORT, default 4000
//
// Plain Node ESM with no dependencies of its own: it uses Herald's `verify` from
// packages/signing/dist, which `npm start` (or `npx turbo run build`) builds.
import { createServer } from 'node:http';

const signingModule = new URL('../packages/signing/dist/index.js', import.meta.url);
let signing;
try {
  signing = await import(signingModule.href);
} catch (error) {
  console.error(`cannot load ${signingModule.pathname} (${error.code ?? error.message}): run \`npm start\` or \`npx turbo run build\` first`);
  process.exit(1);
}
const { createSigningKey, verify, WebhookVerificationError } = signing;

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error('WEBHOOK_SECRET is not set: give it the signing_secret (whsec_...) Herald returned for the endpoint');
  process.exit(1);
}
let key;
try {
  // Decoded once; a malformed secret is a setup mistake, reported now rather than per request.
  key = createSigningKey(secret);
} catch (error) {
  console.error(`WEBHOOK_SECRET: ${error.message}`);
  process.exit(1);
}

const port = Number(process.env.PORT || 4000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT=${process.env.PORT}: expected a port number`);
  process.exit(1);
}

const MAX_BODY_BYTES = 1024 * 1024;

const server = createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) {
      console.log(`REJECTED: body larger than ${MAX_BODY_BYTES} bytes`);
      res.writeHead(413).end();
      return;
    }
    // The signature covers the raw bytes: verify before (and instead of) parsing JSON yourself.
    const body = Buffer.concat(chunks);
    let envelope;
    try {
      envelope = verify({ secret: key, headers: req.headers, body });
    } catch (error) {
      const reason = error instanceof WebhookVerificationError ? error.reason : error.message;
      console.log(`REJECTED: ${reason} (${req.method} ${req.url})`);
      res.writeHead(400).end();
      return;
    }
    console.log(`verified ${req.headers['webhook-id']} ${envelope?.event_type}`);
    console.log(JSON.stringify(envelope?.payload ?? envelope));
    res.writeHead(204).end();
  });
});

server.on('error', (error) => {
  console.error(`cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`receiver listening on http://127.0.0.1:${server.address().port}/webhook (any path is accepted)`);
});

// Explicit, so Ctrl-C and kill -INT stop it even when started in the background
// (where a non-interactive shell sets SIGINT to be ignored).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

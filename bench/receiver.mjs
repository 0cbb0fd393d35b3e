#!/usr/bin/env node
// The benchmark's webhook receiver, in its own process (node:http; no dependencies but the bench's clock).
//
// Webhook port: any path; answers 200 at once unless a behaviour was set for the path
// (`{ status, delayMs }`). Per request it records the receive time and the `sent_at`
// the load generator put in the payload (both CLOCK_MONOTONIC ms, lib/util.mjs hrNow: one
// clock for every process on the machine), so latency = receive time - sent_at.
//
// Control port (JSON):
//   GET  /count                → { count, unique, lastAt }                 (cheap, for polling)
//   GET  /stats                → counts, latency summary of measured requests, excluded paths
//   POST /reset                → forget everything recorded (behaviours stay)
//   POST /config { behaviors: { "/ep/0": { "delayMs": 5000 }, "/ep/1": { "status": 500 } }, exclude: ["/ep/0"] }
//        Requests to an `exclude` path are counted apart and never enter the latency summary.
//   POST /exit
// Prints one JSON line `{ "webhookPort", "controlPort" }` on stdout once listening.
import http from 'node:http';
import { hrNow } from './lib/util.mjs';

const webhookPort = Number(process.argv[2] ?? 0);
const controlPort = Number(process.argv[3] ?? 0);

let behaviors = new Map();
let exclude = new Set();

let state;
function reset() {
  state = {
    count: 0,
    ok: 0,
    statuses: {},
    ids: new Set(),
    warm: 0,
    noSentAt: 0,
    latencies: new Float64Array(1 << 16),
    n: 0,
    firstAt: null,
    lastAt: null,
    excluded: {},
  };
}
reset();

function pushLatency(ms) {
  if (state.n === state.latencies.length) {
    const bigger = new Float64Array(state.latencies.length * 2);
    bigger.set(state.latencies);
    state.latencies = bigger;
  }
  state.latencies[state.n++] = ms;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

function summary() {
  const sorted = state.latencies.slice(0, state.n).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : null,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

const webhooks = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const at = hrNow();
    const path = req.url.split('?')[0];
    const behavior = behaviors.get(path);
    const status = behavior?.status ?? 200;
    let body = null;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      // not JSON: counted, no latency
    }
    const id = req.headers['webhook-id'] ?? body?.event_id ?? null;
    const payload = body?.payload ?? {};
    state.count++;
    if (state.firstAt === null) state.firstAt = at;
    state.lastAt = at;
    state.statuses[status] = (state.statuses[status] ?? 0) + 1;
    if (status >= 200 && status < 300 && id !== null) state.ids.add(id);
    if (status >= 200 && status < 300) state.ok++;
    if (exclude.has(path)) {
      state.excluded[path] = (state.excluded[path] ?? 0) + 1;
    } else if (payload.w) {
      state.warm++;
    } else if (typeof payload.sent_at === 'number') {
      pushLatency(at - payload.sent_at);
    } else {
      state.noSentAt++;
    }
    const answer = () => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    };
    if (behavior?.delayMs) setTimeout(answer, behavior.delayMs);
    else answer();
  });
});
webhooks.keepAliveTimeout = 60_000;
webhooks.headersTimeout = 65_000;

function readJson(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
      } catch {
        resolve({});
      }
    });
  });
}

const control = http.createServer(async (req, res) => {
  const send = (value) => {
    const text = JSON.stringify(value);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/count') return send({ count: state.count, unique: state.ids.size, ok: state.ok, measured: state.n + state.warm, lastAt: state.lastAt });
  if (req.method === 'GET' && path === '/stats') {
    return send({
      count: state.count,
      ok: state.ok,
      unique: state.ids.size,
      duplicates: state.ok - state.ids.size,
      statuses: state.statuses,
      warm: state.warm,
      noSentAt: state.noSentAt,
      firstAt: state.firstAt,
      lastAt: state.lastAt,
      excluded: state.excluded,
      latency: summary(),
    });
  }
  if (req.method === 'POST' && path === '/reset') {
    reset();
    return send({ ok: true });
  }
  if (req.method === 'POST' && path === '/config') {
    const body = await readJson(req);
    if (body.behaviors) behaviors = new Map(Object.entries(body.behaviors));
    if (body.exclude) exclude = new Set(body.exclude);
    return send({ ok: true, behaviors: Object.fromEntries(behaviors), exclude: [...exclude] });
  }
  if (req.method === 'POST' && path === '/exit') {
    send({ ok: true });
    setTimeout(() => process.exit(0), 10);
    return;
  }
  res.writeHead(404).end();
});

await new Promise((resolve) => webhooks.listen(webhookPort, '127.0.0.1', resolve));
await new Promise((resolve) => control.listen(controlPort, '127.0.0.1', resolve));
process.stdout.write(`${JSON.stringify({ webhookPort: webhooks.address().port, controlPort: control.address().port })}\n`);
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));

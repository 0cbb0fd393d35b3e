#!/usr/bin/env node
// The benchmark's load generator, in its own process (node:http keep-alive, no dependencies).
// Usage: node bench/loadgen.mjs '<json config>'; prints one JSON line with the result.
//
// Config:
//   target      base URL of the ingest service (Herald or the baseline)
//   token       bearer token (ingest key), optional
//   types       event types, used round-robin by sequence number (event i → types[i % n])
//   batchSize   1 → POST /api/v1/events one event per request; >1 → POST /api/v1/events/batch
//   mode        'closed': `total` events as fast as possible with `concurrency` requests in flight
//               'open':   `rate` events/s for `warmupMs` + `durationMs`, sent on schedule whether or
//                         not earlier requests were answered (no coordinated omission: `sent_at` is
//                         the scheduled send time; the generator's own lag is reported)
//   seqStart    first sequence number (default 0)
//
// Each event's payload carries `sent_at` (CLOCK_MONOTONIC ms, lib/util.mjs hrNow),
// `seq`, `w: 1` for warm-up events (the receiver leaves those out of latency), and ~150
// bytes of ordinary fields.
import http from 'node:http';
import { hrNow } from './lib/util.mjs';

const config = JSON.parse(process.argv[2]);
const {
  target,
  token,
  types,
  batchSize = 1,
  mode = 'closed',
  total = 0,
  concurrency = 64,
  rate = 0,
  durationMs = 0,
  warmupMs = 0,
  seqStart = 0,
  maxSockets = 512,
  responseTimeoutMs = 120_000,
} = config;

const url = new URL(target);
const path = batchSize > 1 ? '/api/v1/events/batch' : '/api/v1/events';
// Idle sockets are dropped after 4 s, before the server's keep-alive timeout (Node's default 5 s),
// so a request never goes out on a socket the server is closing (ECONNRESET).
const agent = new http.Agent({ keepAlive: true, maxSockets: mode === 'closed' ? concurrency : maxSockets, scheduling: 'lifo', timeout: 4000 });
const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };

const result = {
  mode,
  batchSize,
  requests: 0,
  events: 0,
  accepted: 0,
  refused: 0,
  failedRequests: 0,
  statuses: {},
  errors: {},
  firstSendAt: null,
  lastSendAt: null,
  lastAckAt: null,
  maxInFlight: 0,
  /** Sequence numbers of events not accepted (request failed or refused). */
  failedSeqs: [],
};
const ackLatencies = [];
const lags = [];
let inFlight = 0;

function event(seq, sentAt, warm) {
  return {
    event_type: types[seq % types.length],
    payload: {
      sent_at: sentAt,
      seq,
      ...(warm ? { w: 1 } : {}),
      company_id: `US-${100000 + (seq % 900000)}`,
      name: 'Acme Inc.',
      plan: 'growth',
      changed: ['name', 'plan'],
      updated_by: 'usr_01JH0000000000000000000000',
    },
  };
}

function noteFailed(seq, count) {
  for (let k = 0; k < count && result.failedSeqs.length < 10_000; k++) result.failedSeqs.push(seq + k);
}

/** Sends one request carrying events [seq, seq + count); resolves when answered. */
function send(seq, count, sentAt, warm) {
  const body =
    batchSize > 1
      ? JSON.stringify({ events: Array.from({ length: count }, (_, k) => event(seq + k, sentAt, warm)) })
      : JSON.stringify(event(seq, sentAt, warm));
  const started = hrNow();
  if (result.firstSendAt === null) result.firstSendAt = sentAt;
  result.lastSendAt = started;
  result.requests++;
  result.events += count;
  inFlight++;
  if (inFlight > result.maxInFlight) result.maxInFlight = inFlight;
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      resolve();
    };
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: responseTimeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const at = hrNow();
          result.lastAckAt = at;
          // Like receipt latency, the answer time leaves the warm-up out (cold connections, JIT, caches).
          if (!warm) ackLatencies.push(at - started);
          result.statuses[res.statusCode] = (result.statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 202 || res.statusCode === 200) {
            if (batchSize > 1) {
              try {
                const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
                const ok = parsed.results.filter((r) => !r.error).length;
                result.accepted += ok;
                result.refused += count - ok;
              } catch {
                result.refused += count;
              }
            } else {
              result.accepted += 1;
            }
          } else {
            result.refused += count;
            noteFailed(seq, count);
            const text = Buffer.concat(chunks).toString('utf8').slice(0, 200);
            result.errors[`HTTP ${res.statusCode}: ${text}`] = (result.errors[`HTTP ${res.statusCode}: ${text}`] ?? 0) + 1;
          }
          finish();
        });
        res.on('error', (error) => {
          result.failedRequests++;
          result.errors[error.code ?? error.message] = (result.errors[error.code ?? error.message] ?? 0) + 1;
          finish();
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('response timeout')));
    req.on('error', (error) => {
      if (done) return;
      result.failedRequests++;
      result.refused += count;
      noteFailed(seq, count);
      result.errors[error.code ?? error.message] = (result.errors[error.code ?? error.message] ?? 0) + 1;
      finish();
    });
    req.end(body);
  });
}

async function closedLoop() {
  let next = seqStart;
  const end = seqStart + total;
  const lanes = Array.from({ length: concurrency }, async () => {
    while (next < end) {
      const seq = next;
      const count = Math.min(batchSize, end - seq);
      next += count;
      await send(seq, count, hrNow(), false);
    }
  });
  await Promise.all(lanes);
}

async function openLoop() {
  const planned = Math.floor((rate * (warmupMs + durationMs)) / 1000);
  const interval = 1000 / rate;
  const start = hrNow() + 5;
  const pending = [];
  let i = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = hrNow();
      while (i < planned) {
        const scheduled = start + i * interval;
        if (scheduled > now) break;
        const warm = scheduled < start + warmupMs;
        if (!warm) lags.push(now - scheduled);
        pending.push(send(seqStart + i, 1, scheduled, warm));
        i++;
      }
      if (i >= planned) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  result.scheduleEnd = start + planned * interval;
  await Promise.all(pending);
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  const pick = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
  return { n: sorted.length, p50: pick(50), p99: pick(99), max: sorted.length ? sorted[sorted.length - 1] : null };
}

result.payloadBytes = Buffer.byteLength(JSON.stringify(event(seqStart, hrNow(), false).payload));
if (mode === 'open') await openLoop();
else await closedLoop();
agent.destroy();
result.ack = summary(ackLatencies);
if (lags.length) result.lag = summary(lags);
const usage = process.cpuUsage();
result.cpuMs = (usage.user + usage.system) / 1000;
process.stdout.write(`${JSON.stringify(result)}\n`);

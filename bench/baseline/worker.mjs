#!/usr/bin/env node
// Baseline worker: the bare pipeline's back half. One BullMQ Worker on the ONE queue,
// POSTing each event's envelope with got, with the keep-alive agent settings of
// packages/outbound/src/transport.ts (keepAlive, maxSockets 256, lifo; maxFreeSockets 32 here,
// 256 there, the same with 32 in flight) but a plain http.Agent instead of the SSRF-filtering
// one. No signing, no PostgreSQL.
// got is called as Herald's transport calls it, with the beforeRequest hook that empties got's
// cache options (about 100 µs of CPU less per request on Node 20; dropCacheOptions there), so
// that the ratio to this pipeline measures what Herald adds, not how either one calls got.
// Env: REDIS_URL, BASELINE_PREFIX, TARGET_URL, CONCURRENCY.
import { Agent as HttpAgent } from 'node:http';
import { Worker } from 'bullmq';
import got from 'got';
import { Redis } from 'ioredis';

const target = process.env.TARGET_URL;
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const agent = { http: new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' }) };

const dropCacheOptions = (options) => {
  options.cacheOptions = {};
};

/** Same call shape as Herald's transport: got.stream.post, no redirects, no retries, got's cache options emptied, keep the first 4 KiB. */
function post(url, headers, body, timeoutMs) {
  const stream = got.stream.post(url, {
    body,
    headers,
    agent,
    followRedirect: false,
    throwHttpErrors: false,
    decompress: true,
    retry: { limit: 0 },
    hooks: { beforeRequest: [dropCacheOptions] },
    timeout: { request: timeoutMs },
  });
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    stream.on('data', (chunk) => {
      if (size < 4096) {
        chunks.push(chunk);
        size += chunk.length;
      }
    });
    stream.on('end', () => resolve({ status: stream.response?.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', (error) => resolve({ status: 0, error: error.message }));
  });
}

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
  connectionName: 'baseline-worker',
});
const worker = new Worker(
  'events',
  async (job) => {
    const d = job.data;
    const body = JSON.stringify({ schema_version: '2025-01-01', event_id: d.event_id, event_type: d.event_type, created_at: d.created_at, payload: d.payload });
    const result = await post(target, { 'content-type': 'application/json', 'user-agent': 'Baseline/1', 'webhook-id': d.event_id }, body, 10_000);
    if (result.status < 200 || result.status >= 300) throw new Error(`HTTP ${result.status} ${result.error ?? ''}`);
    return result.status;
  },
  { connection, prefix: process.env.BASELINE_PREFIX ?? 'baseline', concurrency },
);
worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
const stop = async () => {
  await worker.close();
  connection.disconnect();
  agent.http.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

#!/usr/bin/env node
// Baseline ingest: the bare pipeline's front half. express + zod, adds every valid event to
// ONE BullMQ queue; no PostgreSQL, no auth, no fan-out. Same paths and bodies as Herald's
// ingest so the same load generator drives both.
// Env: REDIS_URL, BASELINE_PREFIX, PORT.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { z } from 'zod';

const EventIn = z.strictObject({
  event_type: z.string().regex(/^[a-z0-9_.-]{1,128}$/),
  payload: z.record(z.string(), z.unknown()),
  event_id: z.string().min(1).max(255).optional(),
  occurred_at: z.iso.datetime().optional(),
});
const BatchIn = z.strictObject({ events: z.array(z.unknown()).min(1).max(500) });

const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  maxRetriesPerRequest: null,
  connectionName: 'baseline-ingest',
});
const queue = new Queue('events', {
  connection,
  prefix: process.env.BASELINE_PREFIX ?? 'baseline',
  streams: { events: { maxLen: 100 } },
});
const jobOptions = { removeOnComplete: true, removeOnFail: true, attempts: 3 };

function job(event) {
  const id = `evt_${randomUUID()}`;
  return {
    name: 'deliver',
    data: { event_id: id, event_type: event.event_type, created_at: new Date().toISOString(), payload: event.payload },
    opts: { ...jobOptions, jobId: id },
  };
}

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
app.use(express.json({ limit: 256 * 1024 }));
app.post('/api/v1/events', async (req, res) => {
  const parsed = EventIn.safeParse(req.body);
  if (!parsed.success) return res.status(400).json({ error: { code: 'validation_failed', message: parsed.error.message } });
  const { name, data, opts } = job(parsed.data);
  await queue.add(name, data, opts);
  res.status(202).json({ event_id: data.event_id, event_type: data.event_type, deliveries: 1, duplicate: false });
});
app.post('/api/v1/events/batch', async (req, res) => {
  const parsed = BatchIn.safeParse(req.body);
  if (!parsed.success) return res.status(400).json({ error: { code: 'validation_failed', message: parsed.error.message } });
  const results = [];
  const jobs = [];
  for (const item of parsed.data.events) {
    const one = EventIn.safeParse(item);
    if (!one.success) {
      results.push({ error: { code: 'validation_failed', message: one.error.message } });
      continue;
    }
    const j = job(one.data);
    jobs.push(j);
    results.push({ event_id: j.data.event_id, event_type: j.data.event_type, deliveries: 1, duplicate: false });
  }
  if (jobs.length) await queue.addBulk(jobs);
  res.status(202).json({ results });
});

const server = app.listen(Number(process.env.PORT ?? 0), '0.0.0.0', () => {
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});
const stop = async () => {
  server.close();
  await queue.close();
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

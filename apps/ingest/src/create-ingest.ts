import type { Server } from 'node:http';
import { createLogger, createSecretBox, parseEncryptionKey, type Logger } from '@herald/core';
import { createSqlPool } from '@herald/db';
import { ANSWER_BUCKETS, authenticate, boundPort, closeServer, createHttpApp, createMetricsRegistry, listen, RouteTable } from '@herald/http';
import { PayloadSchemas } from '@herald/json-schema';
import { Counter, Histogram } from 'prom-client';
import { createRedis, DeliveryEnqueuer, whenReady } from '@herald/queue';
import type { IngestConfig } from './config.js';
import { createEventStore, timedStore } from './event-store.js';
import { eventRoutes } from './events.routes.js';
import { IngestCache } from './ingest-cache.js';

export interface RunningIngest {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

export interface IngestOptions {
  logger?: Logger;
  /** Port to listen on; defaults to HERALD_INGEST_PORT (0 picks a free one). */
  port?: number;
}

/** Starts the ingest service: `POST /api/v1/events`, `/healthz`, `/readyz`, `/metrics`. */
export async function startIngest(config: IngestConfig, options: IngestOptions = {}): Promise<RunningIngest> {
  const logger = options.logger ?? createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const sql = createSqlPool({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-ingest', max: 20 });
  const redis = createRedis(config.REDIS_URL, 'herald-ingest', { role: 'producer', logger });
  // Serve as soon as Redis is there, but never wait on it long: without it, jobs are left to the reconciler.
  await whenReady(redis, 2_000);
  const secretBox = createSecretBox(parseEncryptionKey(config.HERALD_ENCRYPTION_KEY));
  const enqueuer = new DeliveryEnqueuer({ redis, prefix: config.HERALD_REDIS_PREFIX });
  const cache = new IngestCache({ sql });

  const routes = new RouteTable({
    authenticate: authenticate({
      digest: (key) => secretBox.digestApiKey(key),
      findByDigest: (digest) => cache.findKey(digest),
      confirm: (keyId) => cache.confirmKey(keyId),
    }),
  });
  const registry = createMetricsRegistry('ingest');
  const eventsIngested = new Counter({
    name: 'herald_events_ingested_total',
    help: 'Events by outcome: accepted (stored, its jobs handed to Redis), duplicate (same event_id), refused.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const storeSeconds = new Histogram({
    name: 'herald_ingest_store_duration_seconds',
    help: "How long a request's events took to be stored: the INSERT statement it shares with requests that came with it, and its commit.",
    buckets: ANSWER_BUCKETS,
    registers: [registry],
  });
  eventRoutes(routes, {
    sql,
    cache,
    enqueuer,
    logger,
    store: timedStore(createEventStore(sql), storeSeconds),
    payloadSchemas: new PayloadSchemas(),
    emailConfigured: config.HERALD_SMTP_URL !== undefined,
    onResults: (results) => {
      for (const r of results) eventsIngested.inc({ outcome: !r.ok ? 'refused' : r.value.duplicate ? 'duplicate' : 'accepted' });
    },
  });

  const app = createHttpApp({
    logger,
    metrics: registry,
    bodyLimitBytes: config.HERALD_MAX_PAYLOAD_BYTES,
    keepRawBody: true,
    readiness: [
      { name: 'postgres', check: () => sql.query('SELECT 1') },
      // Ingest answers on PostgreSQL alone (jobs Redis misses are queued by the reconciler).
      { name: 'redis', check: () => redis.ping(), required: false },
    ],
    routers: [routes.router],
  });
  const server = await listen(app, options.port ?? config.HERALD_INGEST_PORT);
  const url = `http://127.0.0.1:${boundPort(server)}`;
  logger.info('ingest listening', { url });
  return {
    url,
    server,
    async stop() {
      await closeServer(server);
      await enqueuer.close();
      redis.disconnect();
      await sql.end();
    },
  };
}

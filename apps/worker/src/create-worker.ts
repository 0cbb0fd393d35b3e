import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createLogger, createSecretBox, MicroBatcher, parseEncryptionKey, type Logger } from '@herald/core';
import { createSqlPool, disableEndpoint, finishDelivery, loadDeliveryContexts } from '@herald/db';
import { EndpointHealth, SigningKeyCache } from '@herald/delivery';
import { boundPort, closeServer, createHttpApp, createMetricsRegistry, listen } from '@herald/http';
import { createTransport, type Resolve } from '@herald/outbound';
import { createRedis, DeliveryEnqueuer, drainEndpointQueue, duplicateForBlocking, EndpointQueues, queueKeys } from '@herald/queue';
import { AttemptWriter } from './attempt-writer.js';
import type { WorkerConfig } from './config.js';
import { createDeliverProcessor } from './deliver.processor.js';
import { EndpointCache } from './endpoint-cache.js';
import { Dispatcher } from './dispatcher.js';
import { FifoTurns } from './fifo-turns.js';
import { Fleet } from './fleet.js';
import { Reconciler } from './reconciler.js';
import { createWorkerMetrics } from './worker-metrics.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunningWorker {
  url: string;
  server: Server;
  /** This process's id in the fleet (also the lock token of its jobs). */
  id: string;
  /** Deliveries running now. */
  inFlight(): number;
  /** Runs a reconcile pass now (tests; the worker also runs one every HERALD_RECONCILE_INTERVAL_MS). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  logger?: Logger;
  /** Port for `/healthz`, `/readyz`, `/metrics`; defaults to HERALD_WORKER_PORT (0 picks a free one). */
  port?: number;
  /** Name resolution for deliveries; the system resolver unless given. */
  resolve?: Resolve;
}

/** Starts the worker: per-endpoint delivery Workers plus `/healthz`, `/readyz`, `/metrics`. */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger({ service: 'worker', level: config.LOG_LEVEL });
  const sql = createSqlPool({ databaseUrl: config.DATABASE_URL, applicationName: 'herald-worker', max: 20 });
  const redis = createRedis(config.REDIS_URL, 'herald-worker', { role: 'consumer', logger });
  const subscriber = createRedis(config.REDIS_URL, 'herald-worker-sub', { role: 'consumer', logger });
  const blocking = duplicateForBlocking(redis, 'herald-worker-blocking', logger);
  const transport = createTransport({ allowlist: config.HERALD_OUTBOUND_ALLOWLIST, allowHttp: config.HERALD_ALLOW_HTTP, resolve: options.resolve });
  const secretBox = createSecretBox(parseEncryptionKey(config.HERALD_ENCRYPTION_KEY));

  const registry = createMetricsRegistry('worker');
  // The dispatcher is created below; the gauges only read it when scraped.
  let dispatcher: Dispatcher | undefined;
  const metrics = createWorkerMetrics(registry, {
    inFlight: () => dispatcher?.inFlight ?? 0,
    backlog: () => dispatcher?.backlog() ?? Promise.resolve({ ready: 0, scheduled: 0 }),
  });
  const endpoints = new EndpointCache({ sql, logger });
  const health = new EndpointHealth({
    disable: (tenantId, endpointId, reason) => disableEndpoint(sql, tenantId, endpointId, reason),
    logger,
    disableAfterMs: config.HERALD_DISABLE_AFTER_MS,
    onDisabled: (endpointId, deadDeliveries) => {
      endpoints.forget(endpointId);
      metrics.deadLetters.inc({ reason: 'endpoint_disabled' }, deadDeliveries);
      return drainEndpointQueue(redis, config.HERALD_REDIS_PREFIX, endpointId);
    },
  });
  const attempts = new AttemptWriter({ sql, logger, onFailureRuns: (runs) => health.checkFailureRuns(runs) });
  const contextBatcher = new MicroBatcher(async (keys: { tenantId: string; deliveryId: string }[]) => {
    const contexts = await loadDeliveryContexts(sql, keys);
    return keys.map((k) => contexts.get(k.deliveryId) ?? null);
  });
  const queues = new EndpointQueues({ redis, prefix: config.HERALD_REDIS_PREFIX, lockMs: config.HERALD_JOB_LOCK_MS });
  const turns = new FifoTurns({ sql, redis, prefix: config.HERALD_REDIS_PREFIX, queues, recheckMs: config.HERALD_FIFO_RECHECK_MS, logger });
  const deliver = createDeliverProcessor({
    turns,
    metrics,
    // Jobs that start in the same turn of the event loop (a Worker's free slots, many endpoints' Workers) share one query.
    loadContext: (key) => contextBatcher.add(key),
    endpoints,
    finish: (tenantId, deliveryId, status, reason) => finishDelivery(sql, tenantId, deliveryId, status, reason),
    attempts,
    health,
    sender: {
      transport,
      signingKeys: new SigningKeyCache(secretBox),
      headerPrefix: config.HERALD_HEADER_PREFIX,
      userAgent: `Herald/${VERSION}`,
      environment: config.HERALD_ENVIRONMENT ?? null,
    },
    retry: { baseMs: config.HERALD_RETRY_BASE_MS, maxDelayMs: config.HERALD_RETRY_MAX_DELAY_MS },
    logger,
  });
  const fleet = new Fleet({ redis, prefix: config.HERALD_REDIS_PREFIX, queues, leaseMs: config.HERALD_WORKER_LEASE_MS, logger });
  await fleet.start();
  dispatcher = new Dispatcher({
    redis,
    blocking,
    queues,
    fleet,
    prefix: config.HERALD_REDIS_PREFIX,
    slots: config.HERALD_WORKER_SLOTS,
    concurrency: config.HERALD_WORKER_CONCURRENCY,
    deliver,
    rateLimitOf: (endpointId) => endpoints.rateLimitOf(endpointId),
    fallbackDelayMs: config.HERALD_RETRY_BASE_MS,
    lockMs: config.HERALD_JOB_LOCK_MS,
    parked: (endpointId, job) => turns.parked(endpointId, job.data.tenantId, job.data.deliveryId),
    logger,
  });
  // The api announces every endpoint change: forget what is cached of it, and write its limits again.
  subscriber.on('message', (channel: string, endpointId: string) => {
    if (channel !== queueKeys(config.HERALD_REDIS_PREFIX).changedChannel) return;
    endpoints.forget(endpointId);
    void dispatcher!.refreshLimits(endpointId).catch((error: unknown) => logger.warn('refreshing endpoint limits failed', { endpoint_id: endpointId, error }));
  });
  await subscriber.subscribe(queueKeys(config.HERALD_REDIS_PREFIX).changedChannel);
  dispatcher.start();
  const enqueuer = new DeliveryEnqueuer({ redis, prefix: config.HERALD_REDIS_PREFIX });
  const reconciler = new Reconciler({
    sql,
    redis,
    prefix: config.HERALD_REDIS_PREFIX,
    enqueuer,
    logger,
    intervalMs: config.HERALD_RECONCILE_INTERVAL_MS,
  });
  reconciler.start();

  const app = createHttpApp({
    logger,
    metrics: registry,
    bodyLimitBytes: 1024,
    readiness: [
      { name: 'postgres', check: () => sql.query('SELECT 1') },
      { name: 'redis', check: () => redis.ping() },
    ],
    routers: [],
  });
  const server = await listen(app, options.port ?? config.HERALD_WORKER_PORT);
  const url = `http://127.0.0.1:${boundPort(server)}`;
  logger.info('worker started', { url });
  return {
    url,
    server,
    id: fleet.id,
    inFlight: () => dispatcher!.inFlight,
    reconcile: () => reconciler.runOnce(),
    async stop() {
      await reconciler.stop();
      await dispatcher!.close();
      await attempts.flush();
      await fleet.stop();
      endpoints.close();
      await Promise.all([enqueuer.close(), queues.close()]);
      await closeServer(server);
      transport.close();
      for (const connection of [blocking, subscriber, redis]) connection.disconnect();
      await sql.end();
    },
  };
}
